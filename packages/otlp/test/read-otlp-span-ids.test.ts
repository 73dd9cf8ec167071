import { describe, expect, it } from 'vitest';
import { attributesFrom, type AttributeValue, type SpanRecord } from '@llm-workbench/bundle';
import {
  decodeOtlpJson,
  decodeOtlpProtobuf,
  encodeOtlpJson,
  encodeOtlpProtobuf,
  readOtlpSpanIds,
  walkOtlpJsonTraces,
  walkOtlpProtobufTraces,
  type OtlpEncoding,
  type SpanVisitor,
} from '../src/index.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

function span(spanId: string, over: Partial<SpanRecord> = {}): SpanRecord {
  return {
    traceId: TRACE,
    spanId,
    parentSpanId: undefined,
    name: 'run',
    kind: 'internal',
    startTimeUnixNano: 1764151842123456789n,
    endTimeUnixNano: 1764151842123456790n,
    status: { code: 'unset', message: undefined },
    attributes: attributesFrom([['k', 'v']]),
    events: [],
    resource: attributesFrom([]),
    scope: { name: 's', version: undefined },
    ...over,
  };
}

/** A value nested `levels` arrays deep. */
function nested(levels: number): AttributeValue {
  let v: AttributeValue = 'leaf';
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

function encode(encoding: OtlpEncoding, spans: SpanRecord[]): Buffer {
  return Buffer.from(
    encoding === 'json' ? JSON.stringify(encodeOtlpJson(spans)) : encodeOtlpProtobuf(spans),
  );
}

describe('readOtlpSpanIds', () => {
  for (const encoding of ['json', 'protobuf'] as const) {
    it(`keeps the ids and roots of valid ${encoding} spans and refuses values nested too deep, as the decoder does`, () => {
      const body = encode(encoding, [
        span('00f067aa0ba902b7'),
        span('00f067aa0ba902b8', { parentSpanId: '00f067aa0ba902b7' }),
        span('00f067aa0ba902b9', { attributes: attributesFrom([['deep', nested(65)]]) }),
        span('00f067aa0ba902ba', { attributes: attributesFrom([['deep', nested(64)]]) }),
      ]);
      const read = readOtlpSpanIds(encoding, body);
      const decoded = encoding === 'json' ? decodeOtlpJson(body) : decodeOtlpProtobuf(body);
      if (!read.ok || !decoded.ok) throw new Error('did not read');
      expect(read.spans).toEqual({
        count: 3,
        traceIds: [TRACE, TRACE, TRACE],
        spanIds: ['00f067aa0ba902b7', '00f067aa0ba902b8', '00f067aa0ba902ba'],
        roots: [true, false, true],
      });
      expect(read.rejected).toEqual(decoded.rejected);
      expect(read.rejected.map((r) => [r.index, r.issues[0]?.code])).toEqual([
        [2, 'attribute_too_deep'],
      ]);
      // The limit is the walker's, for both visitors: raised, the deep span is valid.
      const raised = readOtlpSpanIds(encoding, body, { maxValueDepth: 100 });
      expect(raised.ok && raised.spans.count).toBe(4);
    });

    it(`refuses a ${encoding} body that does not decode, with the decoder's reason`, () => {
      const body = encode(encoding, [span('00f067aa0ba902b7')]).subarray(0, 20);
      const read = readOtlpSpanIds(encoding, body);
      expect(read.ok).toBe(false);
      expect(read).toEqual(encoding === 'json' ? decodeOtlpJson(body) : decodeOtlpProtobuf(body));
    });
  }
});

describe('walkOtlpProtobufTraces', () => {
  it('hands a visitor that builds no records the ids only', () => {
    const seen: Array<[string, boolean, unknown]> = [];
    const visitor: SpanVisitor = {
      buildsRecords: false,
      span: (_t, s, root, record) => seen.push([s, root, record]),
      rejected: () => {},
    };
    const body = encodeOtlpProtobuf([
      span('00f067aa0ba902b7'),
      span('00f067aa0ba902b8', { parentSpanId: '00f067aa0ba902b7' }),
    ]);
    expect(walkOtlpProtobufTraces(body, visitor)).toEqual({ ok: true, replacedInvalidUtf8: false });
    expect(seen).toEqual([
      ['00f067aa0ba902b7', true, undefined],
      ['00f067aa0ba902b8', false, undefined],
    ]);
  });
});

describe('walkOtlpJsonTraces', () => {
  it('reads a time written as a bare number beyond 2^53 exactly, with a fresh visitor', () => {
    const text = JSON.stringify(encodeOtlpJson([span('00f067aa0ba902b7')])).replace(
      '"startTimeUnixNano":"1764151842123456789"',
      '"startTimeUnixNano":1764151842123456789',
    );
    expect(text).toContain('"startTimeUnixNano":1764151842123456789,');
    let visitors = 0;
    const walked = walkOtlpJsonTraces(text, () => {
      visitors++;
      const spans: SpanRecord[] = [];
      return {
        spans,
        buildsRecords: true,
        span: (_t: string, _s: string, _root: boolean, r: SpanRecord | undefined) => {
          if (r !== undefined) spans.push(r);
        },
        rejected: () => {},
      };
    });
    if (!walked.ok) throw new Error('did not walk');
    // The plain parse rounded the time; the walk stopped there and read the text again exactly.
    expect(visitors).toBe(2);
    expect(walked.visitor.spans[0]?.startTimeUnixNano).toBe(1764151842123456789n);
  });

  it('walks text with 64-bit integers written as strings once', () => {
    let visitors = 0;
    const walked = walkOtlpJsonTraces(
      JSON.stringify(encodeOtlpJson([span('00f067aa0ba902b7')])),
      () => {
        visitors++;
        return { buildsRecords: false, span: () => {}, rejected: () => {} };
      },
    );
    expect(walked.ok).toBe(true);
    expect(visitors).toBe(1);
  });
});
