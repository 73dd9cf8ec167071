import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '@llm-workbench/bundle';
import { decodeOtlpJson, decodeOtlpJsonValue, parseOtlpJson } from '../src/index.js';

const fixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

function ok(result: ReturnType<typeof decodeOtlpJson>): {
  spans: SpanRecord[];
  rejected: unknown[];
} {
  if (!result.ok) throw new Error(`decode failed: ${JSON.stringify(result.issues)}`);
  return result;
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

function request(span: Record<string, unknown>): string {
  return JSON.stringify({
    resourceSpans: [
      { resource: { attributes: [] }, scopeSpans: [{ scope: { name: 's' }, spans: [span] }] },
    ],
  });
}

const base = {
  traceId: TRACE,
  spanId: SPAN,
  name: 'x',
  startTimeUnixNano: '1764151842123456789',
  endTimeUnixNano: '1764151842123456790',
};

describe('decodeOtlpJson', () => {
  it('decodes a Collector file exporter line exactly', () => {
    const { spans, rejected } = ok(decodeOtlpJson(fixture('collector-file-exporter.json')));
    expect(rejected).toEqual([]);
    expect(spans).toHaveLength(2);
    const [root, child] = spans as [SpanRecord, SpanRecord];
    expect(root.traceId).toBe(TRACE);
    expect(root.parentSpanId).toBeUndefined();
    expect(root.startTimeUnixNano).toBe(1764151842123456789n);
    expect(root.endTimeUnixNano).toBe(1764151845987654321n);
    expect(root.kind).toBe('internal');
    expect(root.status).toEqual({ code: 'ok', message: undefined });
    expect({ ...root.attributes }).toEqual({
      'workbench.run.id': 'run-1',
      retries: 3,
      score: 0.75,
      ok: true,
      tags: ['a', 'b'],
    });
    expect(root.events[0]?.timeUnixNano).toBe(1764151842200000001n);
    expect(root.resource['service.name']).toBe('newsletter');
    expect(root.scope).toEqual({ name: '@llm-workbench/instrumentation', version: '0.1.0' });
    expect(child.parentSpanId).toBe(SPAN);
    expect(child.kind).toBe('client');
    expect(child.status).toEqual({ code: 'error', message: 'rate limited' });
  });

  it('reads base64 ids and enum names as Tempo writes them', () => {
    const value = parseOtlpJson(fixture('tempo-v2.json')) as { trace: unknown };
    const { spans } = ok(decodeOtlpJsonValue(value.trace));
    expect(spans[0]?.traceId).toBe(TRACE);
    expect(spans[0]?.spanId).toBe(SPAN);
    expect(spans[0]?.kind).toBe('internal');
    expect(spans[0]?.status.code).toBe('ok');
  });

  it('reads snake_case, instrumentationLibrarySpans, uppercase hex, numeric times and every AnyValue member', () => {
    const { spans, rejected } = ok(decodeOtlpJson(fixture('snake-case-legacy.json')));
    expect(rejected).toEqual([]);
    const span = spans[0] as SpanRecord;
    expect(span.traceId).toBe(TRACE);
    expect(span.spanId).toBe(SPAN);
    expect(span.scope).toEqual({ name: 'legacy-lib', version: '0.9' });
    // Bare numbers above 2^53 stay exact.
    expect(span.startTimeUnixNano).toBe(1764151842123456789n);
    expect(span.attributes['big']).toBe(9007199254740993n);
    expect(span.attributes['neg']).toBe(-9223372036854775808n);
    expect(span.attributes['nan']).toBeNaN();
    expect(span.attributes['inf']).toBe(-Infinity);
    expect(span.attributes['raw']).toEqual(new Uint8Array([0, 1, 2, 255]));
    expect({ ...(span.attributes['kv'] as { kvlist: object }).kvlist }).toEqual({ inner: false });
    expect(span.attributes['empty']).toBeNull();
    expect(span.status).toEqual({ code: 'unset', message: undefined });
  });

  it('prefers scopeSpans over instrumentationLibrarySpans when a producer double-publishes', () => {
    const body = JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [{ scope: { name: 'new' }, spans: [base] }],
          instrumentationLibrarySpans: [{ instrumentationLibrary: { name: 'old' }, spans: [base] }],
        },
      ],
    });
    const { spans } = ok(decodeOtlpJson(body));
    expect(spans.map((s) => s.scope.name)).toEqual(['new']);
  });

  it('accepts an empty request', () => {
    expect(decodeOtlpJson('{}')).toEqual({ ok: true, spans: [], rejected: [] });
    expect(decodeOtlpJson('{"resourceSpans":[]}')).toEqual({ ok: true, spans: [], rejected: [] });
  });

  it.each([
    ['not JSON', 'nope'],
    ['truncated', '{"resourceSpans":[{"scopeSpans":['],
    ['an array', '[]'],
    ['resourceSpans not an array', '{"resourceSpans":{}}'],
  ])('fails the whole request when the body is %s', (_what, body) => {
    const result = decodeOtlpJson(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.code).toBe('malformed_request');
  });

  it('reads bytes that are not UTF-8 as U+FFFD, as protobuf does, and flags them', () => {
    const bytes = Buffer.from(request({ ...base, name: 'a#b' }), 'utf8');
    bytes[bytes.indexOf('a#b') + 1] = 0xff; // a byte no UTF-8 holds
    const result = decodeOtlpJson(bytes);
    expect(result).toMatchObject({ ok: true, replacedInvalidUtf8: true });
    expect(ok(result).spans[0]?.name).toBe('a\ufffdb');
    expect('replacedInvalidUtf8' in decodeOtlpJson(Buffer.from(request(base)))).toBe(false);
    expect(decodeOtlpJson(new Uint8Array([0x7b, 0xff, 0x7d])).ok).toBe(false); // still not JSON
  });

  it.each([
    ['short trace id', { traceId: 'abc' }, 'invalid_trace_id'],
    ['non-hex trace id', { traceId: 'z'.repeat(32) }, 'invalid_trace_id'],
    ['all-zero trace id', { traceId: '0'.repeat(32) }, 'invalid_trace_id'],
    ['missing span id', { spanId: undefined }, 'invalid_span_id'],
    ['all-zero span id', { spanId: '0'.repeat(16) }, 'invalid_span_id'],
    ['long span id', { spanId: 'a'.repeat(18) }, 'invalid_span_id'],
    ['bad parent id', { parentSpanId: 'xyz' }, 'invalid_parent_span_id'],
    ['negative time', { startTimeUnixNano: '-5' }, 'invalid_time'],
    ['fractional time', { startTimeUnixNano: 1.5 }, 'invalid_time'],
    ['text time', { endTimeUnixNano: 'soon' }, 'invalid_time'],
    ['time above 2^64', { endTimeUnixNano: '18446744073709551616' }, 'time_out_of_range'],
    ['missing time', { startTimeUnixNano: undefined }, 'missing_time'],
    ['zero time', { startTimeUnixNano: '0' }, 'missing_time'],
    [
      'AnyValue with two members',
      { attributes: [{ key: 'k', value: { stringValue: 'a', intValue: '1' } }] },
      'invalid_attribute',
    ],
    [
      'AnyValue of the wrong type',
      { attributes: [{ key: 'k', value: { boolValue: 'yes' } }] },
      'invalid_attribute',
    ],
    [
      'fractional intValue',
      { attributes: [{ key: 'k', value: { intValue: '1.5' } }] },
      'invalid_attribute',
    ],
    [
      'bad base64 bytes',
      { attributes: [{ key: 'k', value: { bytesValue: '!!' } }] },
      'invalid_attribute',
    ],
    ['attribute key not a string', { attributes: [{ key: 5, value: {} }] }, 'invalid_attribute'],
    ['event without time', { events: [{ name: 'e' }] }, 'missing_time'],
  ])('rejects only the span with a %s', (_what, change, code) => {
    const bad = { ...base, spanId: 'b7ad6b7169203331', ...change };
    const body = JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ spans: [base, bad] }] }],
    });
    const { spans, rejected } = ok(decodeOtlpJson(body));
    expect(spans).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ index: 1, issues: [expect.objectContaining({ code })] });
  });

  it('keeps times exact across every accepted spelling', () => {
    const spellings = [
      '1764151842123456789',
      1764151842123456789,
      '1.764151842123456789e18',
      1.764151842123456789e18,
    ];
    for (const t of spellings) {
      const text = request({
        ...base,
        startTimeUnixNano: t,
        endTimeUnixNano: '1764151842123456790',
      }).replace(
        /"startTimeUnixNano":[^,]+/,
        `"startTimeUnixNano":${typeof t === 'string' ? JSON.stringify(t) : '1764151842123456789'}`,
      );
      const { spans } = ok(decodeOtlpJson(text));
      expect(spans[0]?.startTimeUnixNano).toBe(1764151842123456789n);
    }
  });

  it('reads an intValue beyond int64 (the JS exporters write 1e300 so) as the double it was', () => {
    const text = request({ ...base, attributes: [{ key: 'k', value: { intValue: 0 } }] }).replace(
      '"intValue":0',
      '"intValue":1e+300',
    );
    const { spans } = ok(decodeOtlpJson(text));
    expect(spans[0]?.attributes['k']).toBe(1e300);
    const edge = ok(
      decodeOtlpJson(
        request({
          ...base,
          attributes: [{ key: 'k', value: { intValue: '9223372036854775808' } }],
        }),
      ),
    );
    expect(edge.spans[0]?.attributes['k']).toBe(9223372036854775808);
  });

  it('accepts times between 2^63 and 2^64 - 1 exactly', () => {
    const { spans } = ok(
      decodeOtlpJson(request({ ...base, endTimeUnixNano: '18446744073709551615' })),
    );
    expect(spans[0]?.endTimeUnixNano).toBe(18446744073709551615n);
  });

  it('keeps a span that ends before it starts, for the fold to flag', () => {
    const { spans } = ok(
      decodeOtlpJson(request({ ...base, startTimeUnixNano: '20', endTimeUnixNano: '10' })),
    );
    expect(spans).toHaveLength(1);
  });

  it('treats an all-zero parent span id as no parent', () => {
    const { spans } = ok(decodeOtlpJson(request({ ...base, parentSpanId: '0000000000000000' })));
    expect(spans[0]?.parentSpanId).toBeUndefined();
  });

  it('rejects values nested deeper than the limit without overflowing the stack', () => {
    const levels = 5000;
    const value =
      '{"kvlistValue":{"values":[{"key":"k","value":'.repeat(levels) +
      '{"stringValue":"leaf"}' +
      '}]}}'.repeat(levels);
    const body = request({ ...base, attributes: [{ key: 'deep', value: 'PLACEHOLDER' }] }).replace(
      '"PLACEHOLDER"',
      value,
    );
    const { spans, rejected } = ok(decodeOtlpJson(body));
    expect(spans).toHaveLength(0);
    expect(rejected[0]).toMatchObject({
      issues: [expect.objectContaining({ code: 'attribute_too_deep' })],
    });
    const within = request({
      ...base,
      attributes: [{ key: 'deep', value: 'PLACEHOLDER' }],
    }).replace(
      '"PLACEHOLDER"',
      '{"arrayValue":{"values":['.repeat(500) + '{"stringValue":"leaf"}' + ']}}'.repeat(500),
    );
    expect(ok(decodeOtlpJson(within)).rejected).toHaveLength(1);
    const allowed = ok(decodeOtlpJson(within, { maxValueDepth: 500 }));
    expect(allowed.spans).toHaveLength(1);
  });

  it('keeps keys such as __proto__ and constructor as data', () => {
    const body = request({
      ...base,
      attributes: [
        { key: '__proto__', value: { stringValue: 'p' } },
        {
          key: 'constructor',
          value: { kvlistValue: { values: [{ key: '__proto__', value: { intValue: '1' } }] } },
        },
      ],
    });
    const { spans } = ok(decodeOtlpJson(body));
    const attrs = spans[0]?.attributes as Record<string, unknown>;
    expect(Object.getPrototypeOf(attrs)).toBeNull();
    expect(attrs['__proto__']).toBe('p');
    expect(Object.keys(attrs)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>)['p']).toBeUndefined();
  });

  it('decodes 10,000 events and a 10 MB attribute', () => {
    const events = Array.from({ length: 10_000 }, (_, i) => ({
      name: `e${i}`,
      timeUnixNano: String(1764151842123456789n + BigInt(i)),
    }));
    const big = 'x'.repeat(10 * 1024 * 1024);
    const { spans } = ok(
      decodeOtlpJson(
        request({ ...base, events, attributes: [{ key: 'big', value: { stringValue: big } }] }),
      ),
    );
    expect(spans[0]?.events).toHaveLength(10_000);
    expect((spans[0]?.attributes['big'] as string).length).toBe(big.length);
  });
});
