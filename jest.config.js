/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // The stand-in Functions host provides the module the real worker injects at run time.
  moduleNameMapper: { '^@azure/functions-core$': '<rootDir>/dev/host/functionsCore.ts' },
  testTimeout: 60000,
  // Most suites wait on local servers (Azurite, the stand-ins, the host's queue polling) rather than compute: two
  // workers on a 2-core machine finish sooner than jest's default of one (cores - 1).
  maxWorkers: 2,
};
