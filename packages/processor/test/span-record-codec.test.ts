import { describe, expect, it } from 'vitest';
import { attributesFrom, type SpanRecord } from '@llm-workbench/bundle';
import { decodeSegment, encodeSegment } from '../src/span-record-codec.js';

const odd = attributesFrom([
  ['s', 'text \u00e9'],
  ['b', true],
  ['n', 1.5],
  ['nan', Number.NaN],
  ['inf', Number.NEGATIVE_INFINITY],
  ['big', 2n ** 70n],
  ['bytes', new Uint8Array([0, 255, 7])],
  ['list', ['a', 1, [null, false]]],
  ['__proto__', { kvlist: attributesFrom([['constructor', 'x']]) }],
  ['none', null],
]);

const span: SpanRecord = {
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  parentSpanId: undefined,
  name: 'run',
  kind: 'internal',
  startTimeUnixNano: 1_764_151_842_123_456_789n,
  endTimeUnixNano: 2n ** 63n,
  status: { code: 'error', message: 'boom' },
  attributes: odd,
  events: [{ name: 'e', timeUnixNano: 5n, attributes: odd }],
  resource: attributesFrom([['service.name', 'agent']]),
  scope: { name: 'scope', version: undefined },
  links: [{ traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), attributes: odd }],
};

describe('encodeSegment and decodeSegment', () => {
  it('give back every span field and attribute value exactly', () => {
    const back = decodeSegment(
      encodeSegment({ persistedAt: 42, truncated: true, spans: [span], logEvents: [] }),
    );
    expect(back.persistedAt).toBe(42);
    expect(back.truncated).toBe(true);
    expect(back.spans).toEqual([span]);
    const attrs = back.spans[0]!.attributes;
    expect(Object.getPrototypeOf(attrs)).toBeNull();
    expect(Object.keys(attrs)).toContain('__proto__');
    expect(attrs['big']).toBe(2n ** 70n);
    expect(attrs['bytes']).toEqual(new Uint8Array([0, 255, 7]));
  });

  it('keeps log events', () => {
    const log = {
      traceId: 'a'.repeat(32),
      spanId: 'e'.repeat(16),
      name: 'x',
      timeUnixNano: 9n,
      attributes: odd,
    };
    const back = decodeSegment(
      encodeSegment({ persistedAt: 1, truncated: false, spans: [], logEvents: [log] }),
    );
    expect(back.logEvents).toEqual([log]);
  });

  it('throws a reason for text that is not a segment', () => {
    expect(() => decodeSegment('{"v":2}')).toThrow(/segment/);
    expect(() => decodeSegment('[')).toThrow();
    expect(() => decodeSegment('{"v":1,"spans":[{"traceId":1}],"logEvents":[]}')).toThrow(/string/);
  });
});
