import { z } from 'zod';
import { runBundleSchema, runBundleSchemaV1, runBundleSchemaV2 } from '../src/schema.js';

/** One generated JSON Schema file of packages/bundle/schema. */
export interface JsonSchemaFile {
  /** File name inside packages/bundle/schema. */
  readonly file: string;
  /** The file's text: the schema as indented JSON and a final newline. */
  readonly text: string;
}

const SCHEMA_DIR = new URL('../schema/', import.meta.url);

const VERSIONS = [
  {
    version: 3,
    file: 'run-bundle.schema.json',
    schema: runBundleSchema,
    note: 'the current version',
  },
  {
    version: 2,
    file: 'run-bundle-v2.schema.json',
    schema: runBundleSchemaV2,
    note: 'still read, never written',
  },
  {
    version: 1,
    file: 'run-bundle-v1.schema.json',
    schema: runBundleSchemaV1,
    note: 'still read, never written',
  },
] as const;

/**
 * The JSON Schemas (draft 2020-12) of a sealed run bundle, one per schema version, generated from
 * the zod schemas with zod's `z.toJSONSchema`, for readers in other languages. Generated as the
 * input a reader accepts (`io: 'input'`): strict objects refuse unknown members, others (events)
 * allow them, as the zod schemas do. What JSON Schema cannot say is left to `verifyBundle`: the
 * integrity hash, content commitments and the rules across members.
 *
 * @example
 * for (const { file, text } of bundleJsonSchemas()) writeFileSync(new URL(file, bundleJsonSchemaDir()), text);
 */
export function bundleJsonSchemas(): JsonSchemaFile[] {
  return VERSIONS.map(({ version, file, schema, note }) => {
    const generated = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' });
    const { $schema, ...rest } = generated;
    const document = {
      $schema,
      title: `LLM Workbench run bundle, schema version ${version}`,
      description:
        `A sealed run bundle of schema version ${version} (${note}), generated from the zod ` +
        'schema of @llm-workbench/bundle. A bundle this schema accepts may still fail ' +
        'verification: integrity.sha256 (RFC 8785 over the integrity view) and content ' +
        'commitments are checked by `workbench verify` or docs/verify-offline.py.',
      ...rest,
    };
    return { file, text: `${JSON.stringify(document, null, 2)}\n` };
  });
}

/** The folder the generated schemas are committed and published in (packages/bundle/schema). */
export function bundleJsonSchemaDir(): URL {
  return SCHEMA_DIR;
}
