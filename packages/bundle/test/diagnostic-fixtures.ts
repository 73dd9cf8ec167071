import * as sc from '@llm-workbench/semconv';
import type { AttributeValue, SpanRecord, STRUCTURED_DIAGNOSTIC_CODES } from '../src/index.js';
import { attrs, ev, span } from './fixtures.js';

type StructuredCode = (typeof STRUCTURED_DIAGNOSTIC_CODES)[number];

const ROOT = '1000000000000001';
const CHILD = '2000000000000002';
const LONG = 'x'.repeat(sc.INLINE_LIMIT_BYTES + 10);

/** A run: a root span with the run id, and one child span with `attributes` and `events`. */
function run(
  attributes: Parameters<typeof attrs>[0],
  events: SpanRecord['events'] = [],
  extra: Partial<SpanRecord> = {},
): SpanRecord[] {
  return [
    span({ spanId: ROOT, name: 'run', attributes: attrs({ [sc.ATTR_RUN_ID]: 'r1' }) }),
    span({
      spanId: CHILD,
      parentSpanId: ROOT,
      name: 'step',
      attributes: attrs({ [sc.ATTR_STEP_ID]: 's1', ...attributes }),
      events,
      ...extra,
    }),
  ];
}

/** An artifact event with `a` over a well-formed one. */
function artifact(offset: bigint, a: Parameters<typeof attrs>[0]): SpanRecord['events'][number] {
  return ev(sc.EVENT_ARTIFACT, offset, {
    [sc.ATTR_ARTIFACT_KEY]: 'draft.md',
    [sc.ATTR_ARTIFACT_VERSION]: 1,
    [sc.ATTR_ARTIFACT_SHA256]: 'b'.repeat(64),
    ...a,
  });
}

/**
 * For each code the fold records with structured fields, a run that makes it record that code,
 * on a span's own attribute and on an event's where the code can be either. Not `spans_dropped`:
 * a door's span cap records it (the fold's `droppedSpans` option), never the spans themselves.
 */
export const STRUCTURED_DIAGNOSTIC_RUNS: Record<
  Exclude<StructuredCode, 'spans_dropped'>,
  SpanRecord[]
> = {
  // One mistyped value a span and event name: replay gives each back on its own span.
  wrong_type: [
    ...run({ [sc.ATTR_STEP_KIND]: 7 }),
    ...(
      [1.5, true, 'one', [1], new Uint8Array([1])] as const satisfies readonly AttributeValue[]
    ).map((version, i) =>
      span({
        spanId: `30000000000000${String(i).padStart(2, '0')}`,
        parentSpanId: ROOT,
        name: `tool ${i}`,
        events: [artifact(BigInt(i) * 1000n, { [sc.ATTR_ARTIFACT_VERSION]: version })],
      }),
    ),
    span({
      spanId: '3100000000000000',
      parentSpanId: ROOT,
      name: 'call',
      events: [
        ev(sc.EVENT_MODEL_IO, 7000n, {
          [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'fake',
          [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'fake-1',
          [sc.ATTR_MODEL_IO_DURATION_MS]: 'slow',
        }),
      ],
    }),
  ],
  out_of_range: run({}, [artifact(1000n, { [sc.ATTR_ARTIFACT_VERSION]: 2n ** 60n })]),
  non_finite: run({}, [
    ev(sc.EVENT_MODEL_IO, 1000n, {
      [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'fake',
      [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'fake-1',
      [sc.ATTR_MODEL_IO_DURATION_MS]: Number.NaN,
    }),
    ev(sc.EVENT_MODEL_IO, 2000n, {
      [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'fake',
      [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'fake-2',
      [sc.ATTR_MODEL_IO_COST_AMOUNT]: Number.NEGATIVE_INFINITY,
    }),
  ]),
  missing_field: run({}, [
    ev(sc.EVENT_ARTIFACT, 1000n, {
      [sc.ATTR_ARTIFACT_VERSION]: 1,
      [sc.ATTR_ARTIFACT_SHA256]: 'b'.repeat(64),
    }),
  ]),
  over_inline_limit: run({}, [
    ev(sc.EVENT_WORKFLOW_SNAPSHOT, 1000n, {
      [sc.ATTR_WORKFLOW_ID]: 'wf',
      [sc.ATTR_WORKFLOW_REVISION]: '1',
      [sc.ATTR_WORKFLOW_DEFINITION]: JSON.stringify({ long: LONG }),
    }),
  ]),
  identifier_truncated: run(
    { [sc.ATTR_STEP_ID]: `s${LONG}` },
    [
      ev(`odd ${LONG}`, 1000n, {}),
      ev(sc.EVENT_GATE_RESOLVED, 2000n, {
        [sc.ATTR_GATE_ID]: 'g1',
        [sc.ATTR_GATE_DECISION]: 'approved',
        [sc.ATTR_GATE_ACTOR]: `a${LONG}`,
      }),
    ],
    { name: `step ${LONG}` },
  ),
  bad_hash: run({}, [artifact(1000n, { [sc.ATTR_ARTIFACT_SHA256]: 'not-hex' })]),
  missing_parent: [
    ...run({}),
    span({ spanId: '3000000000000003', parentSpanId: 'abcdefabcdefabcd', name: 'orphan' }),
  ],
  multiple_run_spans: [
    ...run({}),
    span({
      spanId: '4000000000000004',
      parentSpanId: ROOT,
      name: 'another run',
      attributes: attrs({ [sc.ATTR_RUN_ID]: 'r2' }),
    }),
  ],
  multiple_roots: [
    span({ spanId: ROOT, name: 'a' }),
    span({ spanId: '5000000000000005', name: 'b' }),
    span({ spanId: '6000000000000006', name: 'c' }),
  ],
};
