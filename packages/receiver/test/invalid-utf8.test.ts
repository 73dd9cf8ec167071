import { describe, expect, it } from 'vitest';
import type { RunBundle } from '@llm-workbench/bundle';
import { encodeOtlpJson, encodeOtlpProtobuf } from '@llm-workbench/otlp';
import { startReceiver } from '../src/index.js';
import { bundleFiles, readBundleText, runRecords, send, tempDir } from './helpers.js';

/** The run's name with one byte that no UTF-8 holds, in either encoding. */
function corrupt(body: Uint8Array, marker: string): Buffer {
  const bytes = Buffer.from(body);
  const at = bytes.indexOf(marker);
  expect(at).toBeGreaterThanOrEqual(0);
  bytes[at + 1] = 0xff;
  return bytes;
}

describe('bytes that are not UTF-8', () => {
  it.each(['json', 'protobuf'] as const)(
    'are read as U+FFFD in %s, as every door reads them: the batch is kept, not refused',
    async (format) => {
      const out = tempDir();
      const r = await startReceiver({ port: 0, dataDir: tempDir(), outDir: out, quietMs: 60_000 });
      try {
        const spans = runRecords(3);
        const root = spans[0]!;
        const named = [{ ...root, name: 'a#b' }, ...spans.slice(1)];
        const body =
          format === 'json'
            ? corrupt(Buffer.from(JSON.stringify(encodeOtlpJson(named))), 'a#b')
            : corrupt(encodeOtlpProtobuf(named), 'a#b');
        const answer = await send(r.url, {
          headers: {
            'content-type': format === 'json' ? 'application/json' : 'application/x-protobuf',
          },
          body,
        });
        expect(answer.status).toBe(200);
        await r.flush();
        const file = bundleFiles(out).find((f) => f.startsWith(root.traceId));
        expect(file).toBeDefined();
        const bundle = JSON.parse(readBundleText(out, file!)) as RunBundle;
        expect(bundle.run.spanCount).toBe(3);
        expect(readBundleText(out, file!)).not.toContain('a#b');
      } finally {
        await r.close();
      }
    },
  );
});
