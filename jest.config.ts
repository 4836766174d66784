import type { Config } from 'jest'

// One Jest run over every project: ESM throughout (run under --experimental-vm-modules),
// TypeScript through SWC with legacy decorators and metadata (NestJS needs both).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'es6' },
  },
]

const config: Config = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc as never },
  moduleNameMapper: {
    // nodenext-style relative imports name the emitted .js file
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironmentOptions: { customExportConditions: ['development', 'node', 'node-addons'] },
  testMatch: ['<rootDir>/{apps,libs,tools}/*/{src,e2e}/**/*.spec.ts'],
  setupFiles: ['<rootDir>/libs/core/src/polyfills.ts'],
  testTimeout: 60_000,
  reporters: ['default', '<rootDir>/tools/jest-summary-reporter.cjs'],
}

export default config
