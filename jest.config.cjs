/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  // localforage looks for IndexedDB when it is first loaded: install the fake one before anything else.
  setupFiles: ['fake-indexeddb/auto', '<rootDir>/__tests__/setup/scopeChannels.ts'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }],
  },
};
