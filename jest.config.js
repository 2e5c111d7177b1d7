/**
 * The test tiers, one Jest project each (`jest --selectProjects unit`, or a path):
 * - unit: pure rules beside the code (src/**\/*.spec.ts); no database, so no global setup.
 * - medium: providers with their real SQL on a real PostgreSQL, without HTTP (test/medium/).
 * - integration: the app over real HTTP on a real PostgreSQL (test/*.test.ts, test/faults/*.test.ts).
 * - browser: the integration suites that drive Chromium (the dashboard's pages, the roles' buttons).
 * - long: the slow fault suites (test/**\/*.long.ts).
 * Every tier but unit shares one PostgreSQL the global setup starts (or TEST_DATABASE_URL's);
 * each test file makes its own database there.
 */
const BROWSER = [
  '<rootDir>/test/dashboard.test.ts',
  '<rootDir>/test/roles.test.ts',
  '<rootDir>/test/connect.test.ts',
  '<rootDir>/test/planning.test.ts',
  '<rootDir>/test/browser.test.ts',
];
const base = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // Node (20.19+) requires ES modules itself; Jest's module loader does not, so the few ESM-only
    // packages under @fastify/static (Swagger UI's files) are compiled to CommonJS for the tests.
    '^.+/node_modules/@fastify/static/node_modules/.+\\.js$': [
      'ts-jest',
      { diagnostics: false, tsconfig: { allowJs: true, module: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['^(?!.*/node_modules/@fastify/static/node_modules/).*/node_modules/'],
  testEnvironment: 'node',
};
const database = {
  ...base,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

module.exports = {
  testTimeout: 60000,
  maxWorkers: 2,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...database, displayName: 'medium', testMatch: ['<rootDir>/test/medium/**/*.test.ts'] },
    {
      ...database,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/*.test.ts', '<rootDir>/test/faults/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...BROWSER],
    },
    { ...database, displayName: 'browser', testMatch: BROWSER },
    { ...database, displayName: 'long', testMatch: ['<rootDir>/test/**/*.long.ts'] },
  ],
};
