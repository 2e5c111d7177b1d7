// @ts-check
// Type-aware lint: the rules that catch what tests miss (a promise nobody awaits, an async
// callback where a sync one is expected). Formatting is Prettier's job, so its conflicts are off.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', '.data/**', 'test/artifacts/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // An async function that never awaits still turns a throw into a rejection, which is what
      // a caller of a Promise-returning signature (a batch writer, a fake transport) expects.
      '@typescript-eslint/require-await': 'off',
      // `_name`: a parameter a signature needs and the body does not.
      // A variable a callback reads before the line that assigns it cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // docs/architecture.md, "Data access": one way to each pool, and every raw query's rows named.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts', 'src/database/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'pg',
              importNames: ['Pool', 'Client'],
              allowTypeImports: true,
              message: 'The raw pool is PG_POOL (src/database/database.module.ts): inject it, do not open another.',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='driver']",
          message: "TypeORM's driver is its own business: the raw pool is PG_POOL (src/database/database.module.ts).",
        },
        {
          // A result that is used has a type argument; a statement whose result is dropped needs none.
          selector:
            "CallExpression[callee.property.name='query']:not([typeArguments]):not(ExpressionStatement > AwaitExpression > CallExpression):not(MemberExpression[property.name='catch'] > CallExpression.object)",
          message: 'Name the rows a raw query returns: query<Row[]>(…) on TypeORM, query<Row>(…) on pg.',
        },
        {
          selector: "CallExpression[callee.property.name='query'] > TSTypeParameterInstantiation TSTypeLiteral",
          message: 'A row type has a name (type FooRow = { … }), declared beside the query.',
        },
      ],
    },
  },
  {
    // supertest's `res.body` and JSON fixtures are `any` by design; a test's assertion is its type check.
    files: ['test/**/*.ts', 'src/**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { module: 'readonly', require: 'readonly', __dirname: 'readonly', process: 'readonly' },
    },
  },
  prettier,
);
