/**
 * The published JSON Schema of the bundle, as a reader in another language would use it: resolved
 * through @llm-workbench/bundle's `./schema/*.json` export and checked with an independent JSON
 * Schema validator against the demo agent's bundle, written by the processor to a real folder.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@cfworker/json-schema';
import { describe, expect, it } from 'vitest';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { verifyBundle } from '@llm-workbench/bundle';
import { runDemoAgent } from '@llm-workbench/demo';
import { RunBundleSpanProcessor } from '@llm-workbench/processor';
import { FileBundleSink } from '@llm-workbench/sink';

describe('run-bundle.schema.json', () => {
  it('validates the demo bundle the processor writes, and refuses it edited out of shape', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'wb-json-schema-'));
    const provider = new BasicTracerProvider({
      spanProcessors: [new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory }) })],
    });
    await runDemoAgent({ tracerProvider: provider });
    await provider.shutdown();
    const [file] = readdirSync(directory).filter((f) => /^[0-9a-f]{32}\.json$/.test(f));
    const text = readFileSync(join(directory, file!), 'utf8');
    expect(verifyBundle(text).ok).toBe(true);

    const schemaPath = createRequire(import.meta.url).resolve(
      '@llm-workbench/bundle/schema/run-bundle.schema.json',
    );
    const validator = new Validator(JSON.parse(readFileSync(schemaPath, 'utf8')), '2020-12', false);
    const bundle = JSON.parse(text);
    const result = validator.validate(bundle);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);

    expect(validator.validate({ ...bundle, steps: [{ name: 'forged' }] }).valid).toBe(false);
    expect(validator.validate({ ...bundle, run: { ...bundle.run, traceId: 'xyz' } }).valid).toBe(
      false,
    );
  });
});
