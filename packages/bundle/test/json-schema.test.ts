import { readFileSync } from 'node:fs';
import { Validator } from '@cfworker/json-schema';
import { describe, expect, it } from 'vitest';
import { bundleJsonSchemaDir, bundleJsonSchemas } from '../scripts/bundle-json-schemas.js';
import { foldRun, redactBundle, sealBundle } from '../src/index.js';
import { contentRun, sampleRun } from './fixtures.js';
import { segmentedRun } from './segment-fixtures.js';

function committed(file: string): string {
  return readFileSync(new URL(file, bundleJsonSchemaDir()), 'utf8');
}

function validatorFor(file: string): Validator {
  return new Validator(JSON.parse(committed(file)) as object, '2020-12', false);
}

describe('bundleJsonSchemas', () => {
  it('matches the committed schema files (run `pnpm --filter @llm-workbench/bundle schema` after changing src/schema.ts)', () => {
    for (const { file, text } of bundleJsonSchemas()) expect(committed(file), file).toBe(text);
  });

  it('gives one file per schema version, each a draft 2020-12 schema of its own version', () => {
    const files = bundleJsonSchemas().map((f) => JSON.parse(f.text) as Record<string, unknown>);
    expect(files.map((f) => f['$schema'])).toEqual(
      Array(3).fill('https://json-schema.org/draft/2020-12/schema'),
    );
    expect(
      files.map(
        (f) => (f['properties'] as Record<string, { const: number }>)['schemaVersion']?.const,
      ),
    ).toEqual([3, 2, 1]);
  });

  it('accepts, with an independent JSON Schema validator, what the fold seals and what redaction makes of it', () => {
    const validator = validatorFor('run-bundle.schema.json');
    for (const bundle of [
      sealBundle(foldRun(sampleRun())),
      sealBundle(foldRun(contentRun())),
      redactBundle(sealBundle(foldRun(contentRun()))),
      sealBundle(foldRun(segmentedRun().flat())),
    ]) {
      const result = validator.validate(JSON.parse(JSON.stringify(bundle)));
      expect(result.errors).toEqual([]);
      expect(result.valid).toBe(true);
    }
  });

  it('refuses what the zod schema refuses: an unknown member, a bad digest, another version', () => {
    const validator = validatorFor('run-bundle.schema.json');
    const bundle = JSON.parse(JSON.stringify(sealBundle(foldRun(sampleRun())))) as Record<
      string,
      unknown
    >;
    expect(validator.validate({ ...bundle, extra: 1 }).valid).toBe(false);
    expect(
      validator.validate({
        ...bundle,
        integrity: { canonicalization: 'RFC8785', algorithm: 'sha256', sha256: 'ABC' },
      }).valid,
    ).toBe(false);
    expect(validator.validate({ ...bundle, schemaVersion: 2 }).valid).toBe(false);
    expect(validator.validate('not a bundle').valid).toBe(false);
    const segmented = JSON.parse(JSON.stringify(sealBundle(foldRun(segmentedRun().flat())))) as {
      run: { segments: Array<Record<string, unknown>> };
    };
    segmented.run.segments[0]!['segment'] = 0;
    expect(validator.validate(segmented).valid).toBe(false);
  });
});
