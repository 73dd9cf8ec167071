import { describe, expect, it } from 'vitest';
import { foldRun, sealBundle, type SpanRecord } from '@llm-workbench/bundle';
import { segmentedRun, SEG_TRACES } from '../../bundle/test/segment-fixtures.js';
import { addToTraceGroups, foldTraceGroups, type TraceGroups } from '../src/index.js';
import { smallRun } from './fixtures.js';

function groupsOf(...traces: SpanRecord[][]): TraceGroups {
  const groups: TraceGroups = new Map();
  for (const spans of traces) addToTraceGroups(groups, spans);
  return groups;
}

describe('foldTraceGroups', () => {
  it('folds the segments of a run that spans traces into one bundle, beside other runs', () => {
    const [s1, s2, s3] = segmentedRun() as [SpanRecord[], SpanRecord[], SpanRecord[]];
    const other = smallRun();
    const { bundles, skipped } = foldTraceGroups(groupsOf(s3, other, s1, s2));
    expect(skipped).toEqual([]);
    expect(bundles).toHaveLength(2);
    const run = bundles.find((b) => b.traceIds.length === 3);
    expect(run?.traceId).toBe(SEG_TRACES[0]);
    expect(run?.traceIds).toEqual([...SEG_TRACES].sort());
    expect(run?.bundle.integrity.sha256).toBe(
      sealBundle(foldRun([...s1, ...s2, ...s3])).integrity.sha256,
    );
    expect(run?.bundle.run.complete).toBe(true);
    const alone = bundles.find((b) => b.traceIds.length === 1);
    expect(alone?.bundle).toEqual(sealBundle(foldRun(other)));
  });

  it('gives the same bundle whatever the order the segments and their spans come in', () => {
    const [s1, s2, s3] = segmentedRun() as [SpanRecord[], SpanRecord[], SpanRecord[]];
    const a = foldTraceGroups(groupsOf(s1, s2, s3)).bundles[0]?.bundle;
    const b = foldTraceGroups(groupsOf([...s3].reverse(), s2, [...s1].reverse())).bundles[0]
      ?.bundle;
    expect(b).toEqual(a);
  });

  it('folds the segments it has of a run as one incomplete bundle that names the missing one', () => {
    const [s1, , s3] = segmentedRun() as [SpanRecord[], SpanRecord[], SpanRecord[]];
    const { bundles } = foldTraceGroups(groupsOf(s1, s3));
    expect(bundles).toHaveLength(1);
    expect(bundles[0]?.bundle.run.complete).toBe(false);
    expect(JSON.stringify(bundles[0]?.bundle.diagnostics)).toContain('segment_missing');
  });

  it('folds a segment as incomplete when a backend said its trace is partial', () => {
    const [s1, s2, s3] = segmentedRun() as [SpanRecord[], SpanRecord[], SpanRecord[]];
    const { bundles } = foldTraceGroups(groupsOf(s1, s2, s3), {
      truncated: new Set([SEG_TRACES[1]]),
    });
    expect(bundles[0]?.bundle.run.complete).toBe(false);
  });
});

describe('addToTraceGroups with a cap', () => {
  it('keeps the first root past the cap and no other span, counting the rest', () => {
    const [root, ...children] = smallRun();
    const child = children[0]!;
    const more = Array.from({ length: 5 }, (_, i) => ({
      ...child,
      spanId: `5${String(i).padStart(15, '0')}`,
    }));
    const roots = ['a', 'b', 'c'].map((c) => ({ ...root!, spanId: c.repeat(16) }));
    const groups: TraceGroups = new Map();
    const cap = { maxSpansPerTrace: 3, dropped: new Map<string, number>() };
    // Split over calls, as the lines of a file are: the cap holds across them.
    addToTraceGroups(groups, more.slice(0, 2), cap);
    addToTraceGroups(groups, [...more.slice(2), ...roots], cap);
    const kept = groups.get(root!.traceId)!;
    expect(kept.map((s) => s.spanId)).toEqual(
      [...more.slice(0, 3), roots[0]!].map((s) => s.spanId),
    );
    expect(cap.dropped.get(root!.traceId)).toBe(2 + 2);
  });
});
