/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 60000,
  // Both cores: jest's default (cores - 1) runs one worker here, and the contract suite alone then holds
  // the run for ~3 of its ~8 minutes. Every suite listens on port 0 and keeps its environment in its own
  // worker process, so two run side by side (npm test: 4.6 minutes instead of 8.2 on this 2-core machine).
  maxWorkers: 2,
};
