import { describe, expect, it } from 'vitest';
import { attributesFrom, type SpanRecord } from '@llm-workbench/bundle';
import { decodeOtlpProtobuf, encodeOtlpProtobuf } from '../src/index.js';
import { ProtoWriter } from '../src/protobuf/proto-writer.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

/** Builds one request holding one span written by `write`. */
function requestWith(
  write: (w: ProtoWriter) => void,
  extraTopLevel?: (w: ProtoWriter) => void,
): Uint8Array {
  const w = new ProtoWriter();
  w.fork(); // ResourceSpans
  w.fork(); // ScopeSpans
  w.fork(); // Span
  write(w);
  w.ldelim(2);
  w.ldelim(2);
  w.ldelim(1);
  extraTopLevel?.(w);
  return w.finish();
}

function validSpan(w: ProtoWriter, spanId = '00f067aa0ba902b7'): void {
  w.hex(1, TRACE)
    .hex(2, spanId)
    .string(5, 'x')
    .fixed64(7, 1764151842123456789n)
    .fixed64(8, 1764151842123456790n);
}

describe('decodeOtlpProtobuf', () => {
  it('reads bytes that are not UTF-8 as U+FFFD and flags them, as the JSON decoder does', () => {
    const bytes = Buffer.from(encodeOtlpProtobuf([{ ...sampleSpan(), name: 'a#b' }]));
    bytes[bytes.indexOf('a#b') + 1] = 0xff;
    const result = decodeOtlpProtobuf(bytes);
    expect(result).toMatchObject({ ok: true, replacedInvalidUtf8: true });
    expect(result.ok && result.spans[0]?.name).toBe('a\ufffdb');
    expect('replacedInvalidUtf8' in decodeOtlpProtobuf(encodeOtlpProtobuf([sampleSpan()]))).toBe(
      false,
    );
  });

  it('reads fixed64 times exactly, above 2^53 and up to 2^64 - 1', () => {
    const body = requestWith((w) =>
      w
        .hex(1, TRACE)
        .hex(2, '00f067aa0ba902b7')
        .fixed64(7, 1764151842123456789n)
        .fixed64(8, 2n ** 64n - 1n),
    );
    const result = decodeOtlpProtobuf(body);
    expect(result.ok && result.spans[0]?.startTimeUnixNano).toBe(1764151842123456789n);
    expect(result.ok && result.spans[0]?.endTimeUnixNano).toBe(2n ** 64n - 1n);
  });

  it('skips unknown fields of every wire type', () => {
    const body = requestWith(
      (w) => {
        validSpan(w);
        w.uint(99, 7).fixed64(98, 1n).string(97, 'unknown').double(96, 1.5);
      },
      (w) => w.string(50, 'top-level unknown'),
    );
    const result = decodeOtlpProtobuf(body);
    expect(result.ok && result.spans).toHaveLength(1);
  });

  it('reads instrumentation_library_spans (field 1000) from old producers', () => {
    const w = new ProtoWriter();
    w.fork();
    w.fork();
    w.fork().string(1, 'legacy').string(2, '0.1').ldelim(1);
    w.fork();
    validSpan(w);
    w.ldelim(2);
    w.ldelim(1000);
    w.ldelim(1);
    const result = decodeOtlpProtobuf(w.finish());
    expect(result.ok && result.spans[0]?.scope).toEqual({ name: 'legacy', version: '0.1' });
  });

  it.each([
    [
      'a 15-byte trace id',
      (w: ProtoWriter) =>
        w
          .bytes(1, new Uint8Array(15).fill(1))
          .hex(2, '00f067aa0ba902b7')
          .fixed64(7, 1n)
          .fixed64(8, 2n),
      'invalid_trace_id',
    ],
    [
      'an all-zero span id',
      (w: ProtoWriter) => w.hex(1, TRACE).hex(2, '0000000000000000').fixed64(7, 1n).fixed64(8, 2n),
      'invalid_span_id',
    ],
    [
      'a 7-byte parent',
      (w: ProtoWriter) =>
        w
          .hex(1, TRACE)
          .hex(2, '00f067aa0ba902b7')
          .bytes(4, new Uint8Array(7).fill(1))
          .fixed64(7, 1n)
          .fixed64(8, 2n),
      'invalid_parent_span_id',
    ],
    [
      'no start time',
      (w: ProtoWriter) => w.hex(1, TRACE).hex(2, '00f067aa0ba902b7').fixed64(8, 2n),
      'missing_time',
    ],
  ])('rejects a span with %s and keeps its neighbours', (_what, write, code) => {
    const w = new ProtoWriter();
    w.fork();
    w.fork();
    w.fork();
    validSpan(w, 'aaaaaaaaaaaaaaaa');
    w.ldelim(2);
    w.fork();
    write(w);
    w.ldelim(2);
    w.ldelim(2);
    w.ldelim(1);
    const result = decodeOtlpProtobuf(w.finish());
    if (!result.ok) throw new Error('request failed');
    expect(result.spans).toHaveLength(1);
    expect(result.rejected[0]).toMatchObject({
      index: 1,
      issues: [expect.objectContaining({ code })],
    });
  });

  it.each([
    ['truncated', () => encodeOtlpProtobuf([sampleSpan()]).subarray(0, 20)],
    ['a length past the end', () => new Uint8Array([0x0a, 0x7f, 0x00])],
    ['a group wire type', () => new Uint8Array([0x0b])],
    [
      'a varint longer than 10 bytes',
      () =>
        new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
    ],
    ['JSON', () => new TextEncoder().encode('{"resourceSpans":[]}')],
  ])('fails the whole request when it is %s', (_what, body) => {
    const result = decodeOtlpProtobuf(body());
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.code).toBe('malformed_request');
  });

  it('accepts an empty request', () => {
    expect(decodeOtlpProtobuf(new Uint8Array(0))).toEqual({ ok: true, spans: [], rejected: [] });
  });

  it('rejects values nested deeper than the limit', () => {
    const w = new ProtoWriter();
    w.fork().fork().fork();
    validSpan(w);
    w.fork(); // KeyValue
    w.string(1, 'deep');
    const depth = 2000;
    w.fork(); // the outer AnyValue
    for (let i = 0; i < depth; i++) w.fork().fork(); // ArrayValue > AnyValue
    for (let i = 0; i < depth; i++) w.ldelim(1).ldelim(5);
    w.ldelim(2); // value
    w.ldelim(9);
    w.ldelim(2).ldelim(2).ldelim(1);
    const result = decodeOtlpProtobuf(w.finish());
    if (!result.ok) throw new Error('request failed');
    expect(result.rejected[0]).toMatchObject({
      issues: [expect.objectContaining({ code: 'attribute_too_deep' })],
    });
  });
});

function sampleSpan(): SpanRecord {
  return {
    traceId: TRACE,
    spanId: '00f067aa0ba902b7',
    parentSpanId: undefined,
    name: 'run',
    kind: 'internal',
    startTimeUnixNano: 1n,
    endTimeUnixNano: 2n,
    status: { code: 'unset', message: undefined },
    attributes: attributesFrom([['k', 'a long enough value to cut']]),
    events: [],
    resource: attributesFrom([]),
    scope: { name: 's', version: undefined },
  };
}
