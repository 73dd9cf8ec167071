// Writes packages/bundle/schema/*.schema.json from the zod schemas (see bundle-json-schemas.ts).
// Run after changing src/schema.ts: pnpm --filter @llm-workbench/bundle schema
// (test/json-schema.test.ts fails while the committed files differ from a fresh generation).
import { renameSync, writeFileSync } from 'node:fs';
import { bundleJsonSchemaDir, bundleJsonSchemas } from './bundle-json-schemas.js';

for (const { file, text } of bundleJsonSchemas()) {
  const target = new URL(file, bundleJsonSchemaDir());
  const temporary = new URL(`.${file}.tmp`, bundleJsonSchemaDir());
  writeFileSync(temporary, text);
  renameSync(temporary, target);
  process.stdout.write(`wrote ${target.pathname}\n`);
}
