/** Jest runs every test under test/: unit, integration (nock, inject) and end-to-end (browser). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // tsconfig sets isolatedModules, so ts-jest only strips types (fast); `npm run typecheck` checks them.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    '/node_modules/cookie/.+\\.js$': '<rootDir>/test/esm-to-cjs-transform.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!cookie/)'],
  testTimeout: 20000,
};
