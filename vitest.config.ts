import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Removes the temp folders of shared test helpers after each file.
    setupFiles: ['test/support/cleanupTempDirs.ts'],
    // Circuit compiles, key setup and an embedded chain take seconds, not milliseconds.
    testTimeout: 240_000,
    hookTimeout: 600_000,
    // Two cores: files that compile circuits or run pools compete for them.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.vitest-report.json' }]] : ['default'],
  },
})
