import { describe, expect, it } from 'vitest';
import { foldRun, sealBundle } from '@llm-workbench/bundle';
import { encodeOtlpJson } from '@llm-workbench/otlp';
import { decodeTraceDocument, unwrapTraceDocument } from '../src/index.js';
import { asTempo, backendFixture, smallRun } from './fixtures.js';

const otlp = encodeOtlpJson(smallRun()) as unknown as Record<string, unknown>;
const expected = sealBundle(foldRun(smallRun())).integrity.sha256;

function hashOf(text: string): string {
  const r = decodeTraceDocument(text);
  if (!r.ok) throw new Error(r.message);
  expect(r.rejected).toEqual([]);
  return sealBundle(foldRun(r.spans)).integrity.sha256;
}

describe('decodeTraceDocument', () => {
  it('decodes plain OTLP JSON', () => {
    expect(hashOf(JSON.stringify(otlp))).toBe(expected);
  });

  it('decodes the Jaeger API v3 wrapper {"result":{"resourceSpans":…}}', () => {
    const r = decodeTraceDocument(JSON.stringify({ result: otlp }));
    expect(r.ok && r.kind).toBe('jaeger_v3');
    expect(hashOf(JSON.stringify({ result: otlp }))).toBe(expected);
  });

  it('decodes Tempo /api/v2/traces answers: base64 ids and enum names', () => {
    const text = JSON.stringify({ trace: asTempo(otlp) });
    const r = decodeTraceDocument(text);
    expect(r.ok && r.kind).toBe('tempo_v2');
    expect(hashOf(text)).toBe(expected);
  });

  it('decodes Tempo /api/traces answers {"batches":[…]}', () => {
    const text = JSON.stringify({ batches: asTempo(otlp)['resourceSpans'] });
    expect(decodeTraceDocument(text).ok && 'tempo_v1').toBe('tempo_v1');
    expect(hashOf(text)).toBe(expected);
  });

  it('says when Tempo marks a trace partial', () => {
    const r = decodeTraceDocument(JSON.stringify({ trace: otlp, status: 'PARTIAL' }));
    expect(r.ok && r.partial).toBe('PARTIAL');
  });

  it('keeps 64-bit integers written as bare numbers exact', () => {
    const text = JSON.stringify(otlp).replace(
      /"startTimeUnixNano":"(\d+)"/,
      '"startTimeUnixNano":$1',
    );
    expect(hashOf(text)).toBe(expected);
  });

  it('fails with a reason on text that is not JSON or not a trace document', () => {
    expect(decodeTraceDocument('{"resourceSpans": [')).toMatchObject({ ok: false });
    const other = decodeTraceDocument('{"hello":1}');
    expect(other.ok).toBe(false);
    expect(!other.ok && other.message).toMatch(/not a trace document/);
  });

  it('reads an empty Tempo trace as no spans', () => {
    expect(unwrapTraceDocument({ trace: null })?.kind).toBe('tempo_v2');
    const r = decodeTraceDocument('{"batches":[]}');
    expect(r.ok && r.spans).toEqual([]);
  });

  it.each(['jaeger-v3-trace.json', 'tempo-v2-trace.json', 'tempo-v1-trace.json'])(
    'decodes the captured real answer %s when present',
    (name) => {
      const text = backendFixture(name);
      if (text === null) return;
      const r = decodeTraceDocument(text);
      expect(r.ok).toBe(true);
      expect(r.ok && r.spans.length).toBeGreaterThan(0);
    },
  );
});
