import { describe, expect, it } from 'vitest';
import { attributesFrom, type SpanRecord } from '@llm-workbench/bundle';
import {
  decodeOtlpJson,
  decodeOtlpProtobuf,
  encodeExportResponseJson,
  encodeExportResponseProtobuf,
  encodeOtlpJson,
  encodeOtlpProtobuf,
  encodeRpcStatusJson,
  encodeRpcStatusProtobuf,
} from '../src/index.js';

const resource = attributesFrom([
  ['service.name', 'newsletter'],
  ['host.id', 'h1'],
]);

function span(overrides: Partial<SpanRecord> = {}): SpanRecord {
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    parentSpanId: undefined,
    name: 'run',
    kind: 'internal',
    startTimeUnixNano: 1764151842123456789n,
    endTimeUnixNano: 18446744073709551615n,
    status: { code: 'error', message: 'boom' },
    attributes: attributesFrom([
      ['s', 'text ✓'],
      ['b', true],
      ['i', -42],
      ['big', -9223372036854775808n],
      ['d', 0.5],
      ['unsafe-double', 2 ** 60],
      ['nan', NaN],
      ['inf', Infinity],
      ['bytes', new Uint8Array([0, 255])],
      ['arr', ['a', 1, null]],
      ['kv', { kvlist: attributesFrom([['__proto__', 'x']]) }],
      ['null', null],
    ]),
    events: [
      {
        name: 'workbench.artifact',
        timeUnixNano: 1764151842123456790n,
        attributes: attributesFrom([['k', 'v']]),
      },
    ],
    resource,
    scope: { name: 'scope', version: '1.0' },
    ...overrides,
  };
}

const spans: SpanRecord[] = [
  span(),
  span({
    spanId: 'b7ad6b7169203331',
    parentSpanId: '00f067aa0ba902b7',
    kind: 'client',
    status: { code: 'unset', message: undefined },
    events: [],
  }),
  span({
    spanId: 'c7ad6b7169203331',
    scope: { name: 'other', version: undefined },
    resource: attributesFrom([['service.name', 'b']]),
  }),
];

function normalize(records: SpanRecord[]): unknown {
  return records.map((r) => ({
    ...r,
    attributes: { ...r.attributes },
    resource: { ...r.resource },
  }));
}

function expectSameRecords(actual: SpanRecord[], expected: SpanRecord[]): void {
  // Structural comparison; NaN equals NaN under toEqual.
  expect(normalize(actual)).toEqual(normalize(expected));
}

describe('encodeOtlpProtobuf', () => {
  it('round-trips span records through decodeOtlpProtobuf', () => {
    const result = decodeOtlpProtobuf(encodeOtlpProtobuf(spans));
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.rejected).toEqual([]);
    expectSameRecords(result.spans, spans);
  });
});

describe('encodeOtlpJson', () => {
  it('round-trips span records through decodeOtlpJson', () => {
    const result = decodeOtlpJson(JSON.stringify(encodeOtlpJson(spans)));
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.rejected).toEqual([]);
    expectSameRecords(result.spans, spans);
  });

  it('groups spans by resource and scope content', () => {
    const request = encodeOtlpJson(spans);
    expect(request.resourceSpans).toHaveLength(2);
    expect(request.resourceSpans[0]?.scopeSpans[0]?.spans).toHaveLength(2);
  });
});

describe('export responses', () => {
  it('writes an empty partial success for a full success', () => {
    expect(encodeExportResponseJson({ rejectedSpans: 0, errorMessage: '' })).toBe(
      '{"partialSuccess":{}}',
    );
    expect(encodeExportResponseProtobuf({ rejectedSpans: 0, errorMessage: '' })).toHaveLength(0);
  });

  it('writes rejected spans and the message', () => {
    expect(JSON.parse(encodeExportResponseJson({ rejectedSpans: 2, errorMessage: 'bad' }))).toEqual(
      {
        partialSuccess: { rejectedSpans: '2', errorMessage: 'bad' },
      },
    );
    // field 1 (len 7) { field 1 varint 2, field 2 "bad" }
    expect([...encodeExportResponseProtobuf({ rejectedSpans: 2, errorMessage: 'bad' })]).toEqual([
      0x0a, 7, 0x08, 2, 0x12, 3, 98, 97, 100,
    ]);
  });

  it('writes google.rpc.Status', () => {
    expect(encodeRpcStatusJson(3, 'no')).toBe('{"code":3,"message":"no"}');
    expect([...encodeRpcStatusProtobuf(3, 'no')]).toEqual([0x08, 3, 0x12, 2, 110, 111]);
  });

  it('puts a RetryInfo in a status when given a delay, an empty Duration for zero', () => {
    const type = [...Buffer.from('type.googleapis.com/google.rpc.RetryInfo')];
    // details (3) = Any { type_url (1), value (2) = RetryInfo { retry_delay (1) = Duration } }
    const any = (duration: number[]): number[] => {
      const value = [0x0a, duration.length, ...duration];
      return [0x0a, type.length, ...type, 0x12, value.length, ...value];
    };
    const five = any([0x08, 5]);
    expect([...encodeRpcStatusProtobuf(14, '', 5.9)]).toEqual([
      0x08,
      14,
      0x1a,
      five.length,
      ...five,
    ]);
    const zero = any([]);
    expect([...encodeRpcStatusProtobuf(8, 'x', 0)]).toEqual([
      0x08,
      8,
      0x12,
      1,
      120,
      0x1a,
      zero.length,
      ...zero,
    ]);
  });
});
