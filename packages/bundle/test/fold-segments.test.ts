import { describe, expect, it } from 'vitest';
import * as sc from '@llm-workbench/semconv';
import {
  diffBundles,
  foldRun,
  sealBundle,
  serializeBundle,
  summarizeBundle,
  verifyBundle,
  type SpanRecord,
} from '../src/index.js';
import { attrs, rng, sampleRun, span } from './fixtures.js';
import { SEG_TRACES, segmentedRun } from './segment-fixtures.js';

const bytes = (spans: Iterable<SpanRecord>): string => serializeBundle(sealBundle(foldRun(spans)));
const codes = (spans: Iterable<SpanRecord>): string[] =>
  foldRun(spans).diagnostics.map((d) => d.code);

function shuffle<T>(xs: T[], random: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

describe('foldRun over the segments of a run', () => {
  it('folds three segments into one complete bundle named by segment 1', () => {
    const b = foldRun(segmentedRun().flat());
    expect(b.run).toMatchObject({
      traceId: SEG_TRACES[0],
      runId: 'run-seg',
      name: 'newsletter',
      rootSpanId: 'a000000000000001',
      startTime: '2025-11-26T10:10:42.000000Z',
      endTime: '2025-11-26T12:10:45.000000Z',
      durationMs: 7_203_000,
      status: { code: 'ok', message: null },
      complete: true,
      spanCount: 7,
    });
    expect(b.run.workflowSnapshot?.id).toBe('wf');
    expect(b.run.segments).toEqual([
      {
        endTime: '2025-11-26T10:10:47.000000Z',
        runSpanId: 'a000000000000001',
        segment: 1,
        startTime: '2025-11-26T10:10:42.000000Z',
        state: 'suspended',
        traceId: SEG_TRACES[0],
      },
      {
        endTime: '2025-11-26T11:10:42.001000Z',
        runSpanId: 'b000000000000001',
        segment: 2,
        startTime: '2025-11-26T11:10:42.000000Z',
        state: 'suspended',
        traceId: SEG_TRACES[1],
      },
      {
        endTime: '2025-11-26T12:10:45.000000Z',
        runSpanId: 'c000000000000001',
        segment: 3,
        startTime: '2025-11-26T12:10:42.000000Z',
        state: 'ended',
        traceId: SEG_TRACES[2],
      },
    ]);
    expect(b.diagnostics).toEqual([]);
    expect(b.steps.map((s) => s.stepId)).toEqual(['draft', 'review', 'review', 'publish']);
    expect(verifyBundle(serializeBundle(sealBundle(b)))).toMatchObject({ ok: true });
  });

  it('makes a gate requested in segment 1 and resolved in segment 3 one gate, its wait across the pause', () => {
    const summary = summarizeBundle(sealBundle(foldRun(segmentedRun().flat())));
    const gate = summary.gates.get('review');
    expect(gate).toMatchObject({
      state: 'resolved',
      decision: 'approved',
      actor: 'editor@example.com',
      requestedAt: '2025-11-26T10:10:45.500000Z',
      resolvedAt: '2025-11-26T12:10:42.500000Z',
      waitMs: 7_197_000,
      resolvedAgain: false,
    });
    expect(gate?.history.map((h) => [h.type, h.segment])).toEqual([
      ['requested', 1],
      ['resolved', 3],
    ]);
  });

  it('gives the same bytes for the segments in any order, split or duplicated', () => {
    const expected = bytes(segmentedRun().flat());
    const random = rng(11);
    for (let i = 0; i < 60; i++) {
      const spans = segmentedRun().flat();
      const some = spans.filter(() => random() < 0.3); // delivered twice
      expect(bytes(shuffle([...spans, ...some], random))).toBe(expected);
    }
  });

  it('folds what is there of a run that misses a segment, flags it and is not complete', () => {
    const [s1, , s3] = segmentedRun();
    const b = foldRun([...s1!, ...s3!]);
    expect(b.run.complete).toBe(false);
    expect(b.run.traceId).toBe(SEG_TRACES[0]);
    expect(b.run.segments?.map((g) => g.segment)).toEqual([1, 3]);
    expect(b.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'segment_missing', subject: sc.ATTR_RUN_SEGMENT }),
    );
    // The gate is still one gate: matched by id across the gap.
    expect(summarizeBundle(sealBundle(b)).gates.get('review')?.state).toBe('resolved');
  });

  it('names the run by the trace segment 2 links to when segment 1 is missing', () => {
    const [, s2, s3] = segmentedRun();
    const b = foldRun([...s2!, ...s3!]);
    expect(b.run.traceId).toBe(SEG_TRACES[0]);
    expect(b.run.rootSpanId).toBe('b000000000000001');
    expect(b.run.complete).toBe(false);
    expect(codes([...s2!, ...s3!])).toContain('segment_missing');
  });

  it('is not complete while the last segment is suspended, and a gate requested is pending', () => {
    const [s1, s2] = segmentedRun();
    const b = foldRun([...s1!, ...s2!]);
    expect(b.run.complete).toBe(false);
    expect(b.run.status.code).toBe('unset');
    expect(b.diagnostics.map((d) => d.code)).toEqual(['run_not_ended']);
    expect(summarizeBundle(sealBundle(b)).gates.get('review')?.state).toBe('pending');
  });

  it('folds a lone segment 1 the same whether or not segment numbers are present elsewhere', () => {
    const [s1] = segmentedRun();
    const b = foldRun(s1!);
    expect(b.run.segments).toHaveLength(1);
    expect(b.run.traceId).toBe(SEG_TRACES[0]);
  });

  it('flags two traces that claim one segment and folds both', () => {
    const [s1, s2, s3] = segmentedRun();
    const again = s2!.map((s) => ({
      ...s,
      traceId: 'dddddddddddddddddddddddddddddd44',
      spanId: 'd000000000000001',
    }));
    const b = foldRun([...s1!, ...s2!, ...again, ...s3!]);
    expect(b.run.segments?.map((g) => g.segment)).toEqual([1, 2, 2, 3]);
    expect(b.run.complete).toBe(true);
    expect(b.diagnostics.map((d) => d.code)).toContain('segment_duplicate');
  });

  it('leaves out the traces of other runs, flagged mixed_traces', () => {
    const other = sampleRun(); // an ordinary run with a lower trace id
    const b = foldRun([...segmentedRun().flat(), ...other]);
    expect(b.run.runId).toBe('run-seg');
    expect(b.run.spanCount).toBe(7);
    expect(b.diagnostics.map((d) => d.code)).toEqual(['mixed_traces']);
  });

  it('keeps the earlier segment span when two segments share a span id', () => {
    const [s1, s2, s3] = segmentedRun();
    const clash = span({
      traceId: SEG_TRACES[2],
      spanId: 'a000000000000002', // segment 1's draft step
      parentSpanId: 'c000000000000001',
      attributes: attrs({ [sc.ATTR_STEP_ID]: 'clash' }),
    });
    const b = foldRun([...s1!, ...s2!, ...s3!, clash]);
    expect(b.steps.map((s) => s.stepId)).not.toContain('clash');
    expect(b.diagnostics.map((d) => d.code)).toContain('span_id_collision');
    expect(bytes([clash, ...s3!, ...s2!, ...s1!])).toBe(bytes([...s1!, ...s2!, ...s3!, clash]));
  });

  it('leaves a one-trace run without run.segments, and its gate history without segments', () => {
    expect(foldRun(sampleRun()).run).not.toHaveProperty('segments');
    const history = summarizeBundle(sealBundle(foldRun(sampleRun()))).gates.get('review')?.history;
    expect(history?.length).toBeGreaterThan(0);
    for (const h of history ?? []) expect(h).not.toHaveProperty('segment');
  });
});

describe('diffBundles over runs in segments', () => {
  it('compares segments and, per gate, its segments and wait', () => {
    const whole = sealBundle(foldRun(segmentedRun().flat()));
    const [s1, s2] = segmentedRun();
    const paused = sealBundle(foldRun([...s1!, ...s2!]));
    const changes = diffBundles(paused, whole).changes;
    expect(changes).toContainEqual({
      area: 'status',
      subject: 'segments',
      before: '1 suspended → 2 suspended',
      after: '1 suspended → 2 suspended → 3 ended',
    });
    expect(changes).toContainEqual({
      area: 'gate',
      subject: 'review.segments',
      before: '1',
      after: '1 → 3',
    });
    expect(changes).toContainEqual({
      area: 'gate',
      subject: 'review.waitMs',
      before: null,
      after: 7_197_000,
    });
  });

  it('adds nothing for one-trace runs', () => {
    const a = sealBundle(foldRun(sampleRun()));
    expect(diffBundles(a, a).changes).toEqual([]);
  });
});
