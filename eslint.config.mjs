// ESLint (flat config) with typescript-eslint's type-aware rules: recommended + strict, plus
// the stylistic rules Prettier does not cover. `npm run lint` runs it and `prettier --check`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'actions/**/code.js', 'bench/results/', 'sandbox/.data/', 'coverage/', 'test-output/', 'reports/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Template strings of numbers and booleans are fine here (messages, keys).
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `void promise` marks fire-and-forget on purpose (signal handlers).
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Fastify plugins and Store implementations are async by contract, with or without an await.
      '@typescript-eslint/require-await': 'off',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    // Small modules: the forms server, the sandbox, the Action's sources and the token contract keep files and functions short.
    files: ['forms-server/**/*.ts', 'sandbox/**/*.ts', 'actions/**/src/*.ts', 'lib/token-contract/*.ts'],
    rules: {
      'max-lines': ['error', { max: 250 }],
      'max-lines-per-function': ['error', { max: 80 }],
    },
  },
  {
    // The admin and deploy scripts keep files short too (functions may run longer: a tool's steps read in order).
    files: ['scripts/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 250 }] },
  },
  {
    files: ['**/*.ts'],
    // Catalogues hold whole sentences: a line per message reads better than a broken string.
    ignores: ['forms-server/i18n/**'],
    rules: { 'max-len': ['error', { code: 140, ignoreUrls: true, ignoreRegExpLiterals: true }] },
  },
  {
    // Plain JavaScript: the build script, the browser scripts, jest's config and transform.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        document: 'readonly',
        window: 'readonly',
        fetch: 'readonly',
        URL: 'readonly',
      },
    },
  },
  {
    // package.json has no "type": "module": .js files are CommonJS, where require() is the import.
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests: jest's matchers and mocks are typed loosely.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
      // JSON replies are read as loosely as the unsafe-* rules above allow.
      '@typescript-eslint/no-explicit-any': 'off',
      // jest.mock factories run before the imports, so they load their stand-ins with require().
      '@typescript-eslint/no-require-imports': ['error', { allow: ['/fixtures/deploy/esm-shims$'] }],
      // A test's name is one sentence that reports and greps find whole; Prettier cannot break it either.
      'max-len': [
        'error',
        { code: 140, ignoreUrls: true, ignoreRegExpLiterals: true, ignorePattern: '^\\s*(describe|it|test)(\\.\\w+)*\\(' },
      ],
    },
  },
);
