/** Jest runs every test under test/: unit, integration (nock, inject) and end-to-end (browser). */
module.exports = {
  testEnvironment: 'node',
  // nock keeps an interceptor on the global scope across test files; keep Jest from soft-deleting it.
  testEnvironmentOptions: { globalsCleanup: 'off' },
  roots: ['<rootDir>/test'],
  // auth0-deploy-cli logs every step at info level; the deploy tests keep errors only.
  setupFiles: ['<rootDir>/test/setup-env.js'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // tsconfig sets isolatedModules, so ts-jest only strips types (fast); `npm run typecheck` checks them.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    '/node_modules/cookie/.+\\.js$': '<rootDir>/test/esm-to-cjs-transform.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!cookie/)'],
  testTimeout: 20000,
};
