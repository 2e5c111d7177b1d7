/**
 * One Jest run covers unit specs beside the code (src/**\/*.spec.ts) and the integration suites
 * in test/ (test/**\/*.test.ts), which run against a real PostgreSQL started once by the global setup.
 */
module.exports = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // Node (20.19+) requires ES modules itself; Jest's module loader does not, so the few ESM-only
    // packages under @fastify/static (Swagger UI's files) are compiled to CommonJS for the tests.
    '^.+/node_modules/@fastify/static/node_modules/.+\\.js$': ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true, module: 'commonjs' } }],
  },
  transformIgnorePatterns: ['^(?!.*/node_modules/@fastify/static/node_modules/).*/node_modules/'],
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
