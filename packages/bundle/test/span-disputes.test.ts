import { describe, expect, it } from 'vitest';
import * as sc from '@llm-workbench/semconv';
import {
  foldRun,
  runBundleSchema,
  sealBundle,
  serializeBundle,
  summarizeBundle,
  verifyBundle,
  type SpanRecord,
} from '../src/index.js';
import { attrs, ev, sampleRun, span } from './fixtures.js';

const REVIEW = '4000000000000004';

/** The review step's span with its gate resolved as `decision` by `actor`. */
function review(decision: string, actor: string, extra: Record<string, string> = {}): SpanRecord {
  return span({
    spanId: REVIEW,
    parentSpanId: '1000000000000001',
    name: 'step review',
    startTimeUnixNano: 1_764_151_846_000_000_000n,
    endTimeUnixNano: 1_764_151_849_000_000_000n,
    attributes: attrs({ [sc.ATTR_STEP_ID]: 'review', [sc.ATTR_STEP_KIND]: 'human', ...extra }),
    events: [
      ev(sc.EVENT_GATE_REQUESTED, 4_000_000_000n, { [sc.ATTR_GATE_ID]: 'review' }),
      ev(sc.EVENT_GATE_RESOLVED, 6_500_000_000n, {
        [sc.ATTR_GATE_ID]: 'review',
        [sc.ATTR_GATE_DECISION]: decision,
        [sc.ATTR_GATE_ACTOR]: actor,
      }),
    ],
  });
}

function withReview(...versions: SpanRecord[]): SpanRecord[] {
  return [...sampleRun().filter((s) => s.spanId !== REVIEW), ...versions];
}

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  return xs.flatMap((x, i) =>
    permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]),
  );
}

const bytes = (spans: SpanRecord[]): string => serializeBundle(sealBundle(foldRun(spans)));

describe('foldRun with conflicting duplicate spans', () => {
  it('keeps both versions of a forged gate decision and marks the gate disputed', () => {
    const honest = review('rejected', 'zoe@example.com');
    const forged = review('approved', 'admin@example.com');
    const b = foldRun(withReview(honest, forged));
    expect(b.disputes).toEqual([
      {
        spanId: REVIEW,
        paths: [
          '/events/1/attributes/workbench.gate.actor',
          '/events/1/attributes/workbench.gate.decision',
        ],
        pathsOmitted: 0,
        variants: [
          {
            '/events/1/attributes/workbench.gate.actor': 'admin@example.com',
            '/events/1/attributes/workbench.gate.decision': 'approved',
          },
          {
            '/events/1/attributes/workbench.gate.actor': 'zoe@example.com',
            '/events/1/attributes/workbench.gate.decision': 'rejected',
          },
        ],
        variantsOmitted: 0,
      },
    ]);
    const gateEvents = b.events.filter((e) => e.spanId === REVIEW);
    expect(gateEvents.length).toBeGreaterThan(0);
    for (const e of gateEvents) expect(e.disputed).toBe(true);
    expect(b.steps.find((s) => s.spanId === REVIEW)?.disputed).toBe(true);
    // Nothing else is marked.
    expect(b.events.filter((e) => e.spanId !== REVIEW && e.disputed)).toEqual([]);
    expect(b.diagnostics.filter((d) => d.code === 'conflicting_duplicate_span')).toHaveLength(1);
    expect(summarizeBundle(sealBundle(b)).gates.get('review')?.disputed).toBe(true);
  });

  it('gives the same bytes for forged duplicates in every arrival order', () => {
    const versions = [
      review('rejected', 'zoe@example.com'),
      review('approved', 'admin@example.com'),
      review('approved', 'zoe@example.com'),
      review('rejected', 'zoe@example.com'), // an honest duplicate of the first
    ];
    const rest = sampleRun().filter((s) => s.spanId !== REVIEW);
    let reference: string | null = null;
    for (const order of permutations(versions)) {
      for (const at of [0, rest.length]) {
        const spans = [...rest.slice(0, at), ...order, ...rest.slice(at)];
        const got = bytes(spans);
        reference ??= got;
        expect(got).toBe(reference);
      }
    }
    const sealed = JSON.parse(reference!) as unknown;
    expect(verifyBundle(reference!).ok).toBe(true);
    expect(runBundleSchema.safeParse(sealed).success).toBe(true);
    expect(
      (sealed as { disputes: Array<{ variants: unknown[] }> }).disputes[0]!.variants,
    ).toHaveLength(3);
  });

  it('is no dispute when the copies are the same (a span delivered twice)', () => {
    const b = foldRun(
      withReview(review('approved', 'ed@example.com'), review('approved', 'ed@example.com')),
    );
    expect(b.disputes).toBeUndefined();
    expect(b.diagnostics.map((d) => d.code)).not.toContain('conflicting_duplicate_span');
    expect(bytes(withReview(review('approved', 'ed@example.com')))).toBe(
      bytes(withReview(review('approved', 'ed@example.com'), review('approved', 'ed@example.com'))),
    );
  });

  it('is no dispute when the copies differ only in what the fold does not read', () => {
    const a = review('approved', 'ed@example.com');
    const b = { ...a, kind: 'server' as const, endTimeUnixNano: a.endTimeUnixNano + 7n };
    expect(bytes(withReview(a, b))).toBe(bytes(withReview(a)));
    expect(bytes(withReview(b, a))).toBe(bytes(withReview(a)));
  });

  it('shows content by its hash, never inline, and secrets redacted', () => {
    const call = (input: string, key: string): SpanRecord =>
      span({
        spanId: '6000000000000006',
        parentSpanId: '1000000000000001',
        name: 'chat',
        attributes: attrs({
          [sc.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
          [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
          [sc.ATTR_MODEL_IO_INPUT]: input,
          'http.request.header.authorization': key,
        }),
      });
    const b = foldRun([
      ...sampleRun(),
      call('secret prompt one', 'k1'),
      call('secret prompt two', 'k2'),
    ]);
    const text = JSON.stringify(b.disputes);
    expect(text).not.toContain('secret prompt');
    expect(text).not.toContain('"k1"');
    expect(b.disputes?.[0]?.paths).toEqual([
      '/attributes/http.request.header.authorization',
      `/attributes/${sc.ATTR_MODEL_IO_INPUT}`,
    ]);
    expect(b.disputes?.[0]?.variants[0]?.['/attributes/http.request.header.authorization']).toBe(
      '[REDACTED]',
    );
    expect(b.disputes?.[0]?.variants[0]?.[`/attributes/${sc.ATTR_MODEL_IO_INPUT}`]).toMatchObject({
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
    });
    expect(b.model_io.find((m) => m.spanId === '6000000000000006')?.disputed).toBe(true);
  });

  it('escapes keys in paths and bounds how many paths and versions it lists', () => {
    const many = (n: number): SpanRecord =>
      review('approved', 'ed@example.com', {
        'a/b~c': String(n),
        ...Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, `${n}-${i}`])),
      });
    const b = foldRun(withReview(...Array.from({ length: 12 }, (_, n) => many(n))));
    const d = b.disputes![0]!;
    expect(d.paths).toHaveLength(64);
    expect(d.pathsOmitted).toBe(101 - 64);
    expect(d.paths[0]).toBe('/attributes/a~1b~0c');
    expect(d.variants).toHaveLength(8);
    expect(d.variantsOmitted).toBe(4);
  });
});
