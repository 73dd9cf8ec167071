import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Workspace packages expose their TypeScript under the `source` export condition,
    // so tests run against src/ with no prebuild.
    conditions: ['source'],
  },
  ssr: {
    resolve: {
      conditions: ['source'],
    },
  },
  test: {
    // In CI, also a JSON report, from which .ci/run prints the plain 'N passed, N failed' line.
    reporters: process.env['CI']
      ? ['default', ['json', { outputFile: 'test-output/vitest.json' }]]
      : ['default'],
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
