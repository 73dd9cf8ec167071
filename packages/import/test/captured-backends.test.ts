import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { foldRun, sealBundle } from '@llm-workbench/bundle';
import { decodeTraceDocument, foldTraceGroups, readOtlpFile } from '../src/index.js';
import { backendFixture } from './fixtures.js';

/**
 * Real answers captured from the e2e stack for one trace (test/backends/smoke.mjs --fixtures):
 * what was sent, Jaeger v2.13's API v3 get and search, and the Collector's file exporter line.
 */
const sent = backendFixture('sent-otlp.json');
const jaegerTrace = backendFixture('jaeger-v3-trace.json');
const jaegerSearch = backendFixture('jaeger-search.json');
const collectorFile = backendFixture('collector-file.jsonl');

function hashOfDocument(text: string): string {
  const r = decodeTraceDocument(text);
  if (!r.ok) throw new Error(r.message);
  expect(r.rejected).toEqual([]);
  return sealBundle(foldRun(r.spans)).integrity.sha256;
}

describe.runIf(
  sent !== null && jaegerTrace !== null && jaegerSearch !== null && collectorFile !== null,
)('captured backend answers', () => {
  it('fold to the bundle of what was sent: Jaeger get, Jaeger search and the Collector file', async () => {
    const expected = hashOfDocument(sent!);
    expect(hashOfDocument(jaegerTrace!)).toBe(expected);
    expect(hashOfDocument(jaegerSearch!)).toBe(expected);
    const file = await readOtlpFile(Readable.from([collectorFile!]));
    expect(file.issues).toEqual([]);
    const { bundles } = foldTraceGroups(file.traces, { all: true });
    expect(bundles.map((b) => b.bundle.integrity.sha256)).toEqual([expected]);
  });

  it('keep the nanosecond digits Jaeger v2 memory storage returns', () => {
    const r = decodeTraceDocument(jaegerTrace!);
    if (!r.ok) throw new Error(r.message);
    expect(r.spans.some((s) => s.startTimeUnixNano % 1000n !== 0n)).toBe(true);
  });
});
