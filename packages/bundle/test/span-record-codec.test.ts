import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  attributesFrom,
  decodeSegmentFile,
  encodeSegmentFile,
  foldRun,
  openRunKey,
  runSegmentOf,
  SEGMENT_FILE_NAME,
  SEGMENT_FILE_VERSION,
  segmentFileName,
  serializeBundle,
  sealBundle,
  sumDroppedSpans,
  type SegmentFile,
  type SpanRecord,
} from '../src/index.js';
import { segmentedRun } from './segment-fixtures.js';

/** Segment 2 of the fixture run, plus a span with every odd value (as the v1 fixtures hold). */
function oddSegment(): SegmentFile {
  const [, s2] = segmentedRun() as [SpanRecord[], SpanRecord[]];
  const run = s2[0]!;
  const odd: SpanRecord = {
    ...run,
    links: undefined,
    parentSpanId: run.spanId,
    spanId: 'b0000000000000ff',
    status: { code: 'error', message: 'boom' },
    scope: { name: 'scope', version: '1.2.3' },
    attributes: attributesFrom([
      ['big', 2n ** 63n - 1n],
      ['bytes', new Uint8Array([0, 255, 7])],
      ['nan', Number.NaN],
      ['inf', -Infinity],
      ['list', [1, 'two', [true, null]]],
      ['__proto__', { kvlist: attributesFrom([['constructor', 'data']]) }],
    ]),
  };
  return {
    segment: runSegmentOf(s2)!,
    heldAt: 1764151842123,
    truncated: true,
    spans: [...s2, odd],
    logEvents: [
      {
        traceId: odd.traceId,
        spanId: odd.spanId,
        name: 'workbench.note',
        timeUnixNano: 2n ** 62n,
        attributes: attributesFrom([['constructor', 1]]),
      },
    ],
  };
}

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/segment-files/${name}`, import.meta.url), 'utf8');

describe('encodeSegmentFile', () => {
  it('gives back every span exactly: 64-bit integers, bytes, odd numbers, nested lists, links, __proto__ keys', () => {
    const file = oddSegment();
    const withNegZero: SpanRecord = {
      ...file.spans[1]!,
      attributes: attributesFrom([['negzero', -0]]),
    };
    const input = { ...file, spans: [...file.spans, withNegZero] };
    const text = encodeSegmentFile(input);
    expect(JSON.parse(text)).toMatchObject({ v: SEGMENT_FILE_VERSION });
    const back = decodeSegmentFile(text);
    expect(back).toEqual(input);
    const attrs = back.spans[1]!.attributes;
    expect(Object.getPrototypeOf(attrs)).toBeNull();
    expect(Object.keys(attrs)).toContain('__proto__');
    expect(attrs['big']).toBe(2n ** 63n - 1n);
    expect(Object.is(back.spans[2]!.attributes['negzero'], -0)).toBe(true);
    expect(back.spans[0]!.links).toEqual(file.spans[0]!.links);
  });

  it('keeps the spans a segment dropped at a span cap, and writes nothing for none', () => {
    const file = oddSegment();
    const cut = { ...file, droppedSpans: { count: 12, limit: 500 } };
    expect(decodeSegmentFile(encodeSegmentFile(cut))).toEqual(cut);
    // No member when none were dropped: files written before it keep their bytes.
    const none = encodeSegmentFile({ ...file, droppedSpans: { count: 0, limit: 500 } });
    expect(none).toBe(encodeSegmentFile(file));
    expect(JSON.parse(none)).not.toHaveProperty('droppedSpans');
    const bad = JSON.parse(encodeSegmentFile(cut)) as Record<string, unknown>;
    for (const droppedSpans of [null, 3, { count: -1, limit: 5 }, { count: 1.5, limit: 5 }, {}]) {
      expect(() => decodeSegmentFile(JSON.stringify({ ...bad, droppedSpans }))).toThrow(
        /droppedSpans/,
      );
    }
  });

  it('adds up the spans dropped across segments with sumDroppedSpans', () => {
    expect(sumDroppedSpans([])).toBeUndefined();
    expect(sumDroppedSpans([undefined, { count: 0, limit: 9 }])).toBeUndefined();
    expect(sumDroppedSpans([{ count: 3, limit: 10 }, undefined, { count: 4, limit: 20 }])).toEqual({
      count: 7,
      limit: 20,
    });
  });

  it('folds to the same bundle after a round trip', () => {
    const segments = segmentedRun();
    const back = segments.flatMap(
      (spans) =>
        decodeSegmentFile(
          encodeSegmentFile({
            segment: runSegmentOf(spans)!,
            heldAt: 0,
            truncated: false,
            spans,
            logEvents: [],
          }),
        ).spans,
    );
    expect(serializeBundle(sealBundle(foldRun(back)))).toBe(
      serializeBundle(sealBundle(foldRun(segments.flat()))),
    );
  });
});

describe('decodeSegmentFile', () => {
  // Files written before the codec was shared: each door had its own layout, both version 1.
  it.each(['processor-v1.json', 'receiver-v1.json'])(
    'reads a file the %s layout wrote, exactly',
    (name) => {
      expect(decodeSegmentFile(fixture(name))).toEqual(oddSegment());
    },
  );

  it('throws a reason for text that is not a segment file', () => {
    expect(() => decodeSegmentFile('[')).toThrow();
    expect(() => decodeSegmentFile('[]')).toThrow(/not a segment file/);
    expect(() => decodeSegmentFile('{"v":3,"spans":[],"logEvents":[]}')).toThrow(/version 3/);
    expect(() => decodeSegmentFile('{"v":2}')).toThrow(/spans/);
    expect(() => decodeSegmentFile('{"v":2,"spans":[],"logEvents":[]}')).toThrow(/segment/);
    // A processor v1 file whose spans hold no run span of a segment.
    expect(() => decodeSegmentFile('{"v":1,"spans":[],"logEvents":[]}')).toThrow(/segment/);
    expect(() => decodeSegmentFile('{"v":1,"spans":[{"traceId":1}],"logEvents":[]}')).toThrow(
      /status is not a list/,
    );
    const good = JSON.parse(encodeSegmentFile(oddSegment())) as { spans: Array<{ start: string }> };
    good.spans[0]!.start = '1.5';
    expect(() => decodeSegmentFile(JSON.stringify(good))).toThrow(/integer/);
  });
});

describe('openRunKey and segmentFileName', () => {
  it('name a run folder by the sha256 of any run id, and a segment file by number and trace id', () => {
    expect(openRunKey('../../x\u0000')).toBe(
      createHash('sha256').update('../../x\u0000').digest('hex'),
    );
    const name = segmentFileName({ segment: 3, traceId: 'c'.repeat(32) });
    expect(name).toBe(`segment-3-${'c'.repeat(32)}.json`);
    expect(SEGMENT_FILE_NAME.test(name)).toBe(true);
    expect(SEGMENT_FILE_NAME.test(`.${name}.tmp-abc`)).toBe(false);
  });
});
