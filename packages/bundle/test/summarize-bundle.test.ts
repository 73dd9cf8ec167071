import { describe, expect, it } from 'vitest';
import * as sc from '@llm-workbench/semconv';
import { foldRun, sealBundle, summarizeBundle, type SpanEventRecord } from '../src/index.js';
import { attrs, ev, span } from './fixtures.js';

const ROOT = '1000000000000001';

function requested(at: bigint, gate = 'review'): SpanEventRecord {
  return ev(sc.EVENT_GATE_REQUESTED, at, { [sc.ATTR_GATE_ID]: gate });
}

function resolved(at: bigint, decision: string, actor: string, gate = 'review'): SpanEventRecord {
  return ev(sc.EVENT_GATE_RESOLVED, at, {
    [sc.ATTR_GATE_ID]: gate,
    [sc.ATTR_GATE_DECISION]: decision,
    [sc.ATTR_GATE_ACTOR]: actor,
  });
}

function runWith(...events: SpanEventRecord[]) {
  return sealBundle(
    foldRun([
      span({
        spanId: ROOT,
        name: 'run',
        endTimeUnixNano: 1_764_151_852_000_000_000n,
        attributes: attrs({ [sc.ATTR_RUN_ID]: 'r1' }),
        events,
      }),
    ]),
  );
}

const codes = (b: ReturnType<typeof runWith>): string[] => b.diagnostics.map((d) => d.code);

describe('summarizeBundle', () => {
  it('keeps every decision of a gate resolved twice, in order, and flags it', () => {
    const b = runWith(
      requested(1_000_000_000n),
      resolved(2_000_000_000n, 'rejected', 'zoe@example.com'),
      resolved(3_000_000_000n, 'approved', 'admin@example.com'),
    );
    const g = summarizeBundle(b).gates.get('review')!;
    expect(g.resolvedAgain).toBe(true);
    expect(g.state).toBe('resolved');
    expect(g.history.map((h) => [h.type, h.decision, h.actor])).toEqual([
      ['requested', null, null],
      ['resolved', 'rejected', 'zoe@example.com'],
      ['resolved', 'approved', 'admin@example.com'],
    ]);
    expect(codes(b)).toContain('gate_resolved_again');
    expect(codes(b)).not.toContain('gate_resolved_without_request');
  });

  it('flags a resolution without a request, as a diagnostic and a gate state', () => {
    const b = runWith(resolved(2_000_000_000n, 'approved', 'admin@example.com'));
    const g = summarizeBundle(b).gates.get('review')!;
    expect(g.state).toBe('resolved_without_request');
    expect(g.decision).toBe('approved');
    expect(g.waitMs).toBeNull();
    expect(b.diagnostics).toContainEqual({
      code: 'gate_resolved_without_request',
      message: 'gate "review" was resolved but never requested in this run',
      spanId: ROOT,
      subject: sc.ATTR_GATE_ID,
    });
  });

  it('says pending for a gate requested and never resolved, and never invents timed_out', () => {
    const b = runWith(requested(1_000_000_000n));
    const g = summarizeBundle(b).gates.get('review')!;
    expect(g.state).toBe('pending');
    expect(g.decision).toBeNull();
    expect(codes(b).filter((c) => c.startsWith('gate_'))).toEqual([]);
  });

  it('takes a request after a decision as a new round: pending again, then resolved, no flag', () => {
    const b = runWith(
      requested(1_000_000_000n),
      resolved(2_000_000_000n, 'changes_requested', 'zoe@example.com'),
      requested(3_000_000_000n),
    );
    expect(summarizeBundle(b).gates.get('review')).toMatchObject({
      state: 'pending',
      decision: null,
      resolvedAgain: false,
    });
    const done = runWith(
      requested(1_000_000_000n),
      resolved(2_000_000_000n, 'changes_requested', 'zoe@example.com'),
      requested(3_000_000_000n),
      resolved(4_500_000_000n, 'approved', 'zoe@example.com'),
    );
    expect(summarizeBundle(done).gates.get('review')).toMatchObject({
      state: 'resolved',
      decision: 'approved',
      waitMs: 1500,
      requestedAt: '2025-11-26T10:10:43.000000Z',
    });
    expect(codes(done).filter((c) => c.startsWith('gate_'))).toEqual([]);
  });
});
