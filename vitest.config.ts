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
    server: {
      deps: {
        // Workers run with `--conditions source`, and eventsource-parser (under the AI SDK) also
        // exports TypeScript under `source`, which Node cannot load. Inlined, the AI SDK's modules
        // are resolved and compiled by Vite instead. The OpenAI Agents SDK reaches eventsource
        // (through the MCP SDK), which does the same.
        inline: [
          /[\\/]node_modules[\\/](ai|@ai-sdk[\\/][^\\/]+|eventsource-parser|eventsource)[\\/]/,
          /[\\/]node_modules[\\/](@openai[\\/]agents[^\\/]*|@modelcontextprotocol[\\/][^\\/]+)[\\/]/,
        ],
      },
    },
  },
});
