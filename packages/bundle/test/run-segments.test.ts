import { describe, expect, it } from 'vitest';
import * as sc from '@llm-workbench/semconv';
import { missingSegments, runSegmentOf, segmentsComplete, type RunSegment } from '../src/index.js';
import { sampleRun, span, attrs } from './fixtures.js';
import { SEG_TRACES, segmentedRun } from './segment-fixtures.js';

const seg = (segment: number, state: RunSegment['state']): RunSegment => ({
  runId: 'r',
  segment,
  state,
  traceId: SEG_TRACES[0],
  runSpanId: 'a000000000000001',
  previous: null,
});

describe('runSegmentOf', () => {
  it('reads run id, number, state, run span and the previous segment of each segment', () => {
    const [s1, s2, s3] = segmentedRun();
    expect(runSegmentOf(s1!)).toEqual({
      runId: 'run-seg',
      segment: 1,
      state: 'suspended',
      traceId: SEG_TRACES[0],
      runSpanId: 'a000000000000001',
      previous: null,
    });
    expect(runSegmentOf(s2!)?.previous).toEqual({
      traceId: SEG_TRACES[0],
      spanId: 'a000000000000001',
    });
    expect(runSegmentOf(s3!)).toMatchObject({ segment: 3, state: 'ended' });
  });

  it('is null for an ordinary one-trace run and for no spans', () => {
    expect(runSegmentOf(sampleRun())).toBeNull();
    expect(runSegmentOf([])).toBeNull();
  });

  it('reads a segment number sent as text (Zipkin) or bigint, and refuses bad ones', () => {
    const runSpan = (value: unknown): ReturnType<typeof span> =>
      span({
        spanId: '1000000000000001',
        attributes: attrs({ [sc.ATTR_RUN_ID]: 'r', [sc.ATTR_RUN_SEGMENT]: value as never }),
      });
    expect(runSegmentOf([runSpan('2')])?.segment).toBe(2);
    expect(runSegmentOf([runSpan(3n)])?.segment).toBe(3);
    for (const bad of [0, -1, 1.5, '02', 'x', null, 2n ** 60n, Number.NaN]) {
      expect(runSegmentOf([runSpan(bad)])).toBeNull();
    }
  });

  it('reads an unknown state as null and ignores a link of another kind', () => {
    const s = span({
      spanId: '1000000000000001',
      attributes: attrs({
        [sc.ATTR_RUN_ID]: 'r',
        [sc.ATTR_RUN_SEGMENT]: 2,
        [sc.ATTR_RUN_SEGMENT_STATE]: 'paused',
      }),
      links: [{ traceId: SEG_TRACES[1], spanId: 'b000000000000001', attributes: attrs({}) }],
    });
    expect(runSegmentOf([s])).toMatchObject({ state: null, previous: null });
  });
});

describe('segmentsComplete', () => {
  it('is true when an ended segment closes an unbroken sequence from 1', () => {
    expect(segmentsComplete([seg(1, 'suspended'), seg(2, 'suspended'), seg(3, 'ended')])).toBe(
      true,
    );
    expect(segmentsComplete([seg(3, 'ended'), seg(1, 'suspended'), seg(2, 'suspended')])).toBe(
      true,
    );
    expect(segmentsComplete([seg(1, 'ended')])).toBe(true);
  });

  it('is false with a gap, without an ended segment, or with a segment after the end', () => {
    expect(segmentsComplete([seg(1, 'suspended'), seg(3, 'ended')])).toBe(false);
    expect(segmentsComplete([seg(1, 'suspended'), seg(2, 'suspended')])).toBe(false);
    expect(segmentsComplete([seg(1, 'ended'), seg(2, 'suspended')])).toBe(false);
    expect(segmentsComplete([])).toBe(false);
    expect(segmentsComplete([seg(Number.MAX_SAFE_INTEGER, 'ended')])).toBe(false);
  });

  it('counts a duplicated segment once', () => {
    expect(segmentsComplete([seg(1, 'suspended'), seg(1, 'suspended'), seg(2, 'ended')])).toBe(
      true,
    );
  });
});

describe('missingSegments', () => {
  it('lists the numbers below the last that no segment has, boundedly', () => {
    expect(missingSegments([seg(1, null), seg(4, 'ended')])).toEqual([2, 3]);
    expect(missingSegments([seg(2, null)])).toEqual([1]);
    expect(missingSegments([seg(Number.MAX_SAFE_INTEGER, null)])).toEqual([1, 2]);
  });
});
