import * as sc from '@llm-workbench/semconv';
import type { SpanRecord } from '../src/index.js';
import { attrs, ev, span } from './fixtures.js';

export const SEG_TRACES = [
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1',
  '0bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2',
  'ccccccccccccccccccccccccccccccc3',
] as const;
const HOUR = 3_600_000_000_000n;
const BASE = span({ spanId: 'ffffffffffffffff' }).startTimeUnixNano;

/**
 * A run in three segments (three traces): segment 1 drafts and requests the `review` gate, then
 * suspends; segment 2 only waits (a restart); segment 3 resolves the gate and publishes. Segment 2's
 * trace id sorts lowest, so that "lowest trace id" is never mistaken for "first segment".
 */
export function segmentedRun(): SpanRecord[][] {
  const [t1, t2, t3] = SEG_TRACES;
  const runAttrs = (n: number, state: 'suspended' | 'ended'): ReturnType<typeof attrs> =>
    attrs({
      [sc.ATTR_RUN_ID]: 'run-seg',
      [sc.ATTR_RUN_NAME]: 'newsletter',
      [sc.ATTR_RUN_SEGMENT]: n,
      [sc.ATTR_RUN_SEGMENT_STATE]: state,
    });
  const link = (traceId: string, spanId: string): SpanRecord['links'] => [
    {
      traceId,
      spanId,
      attributes: attrs({ [sc.ATTR_LINK_KIND]: sc.LINK_KIND_PREVIOUS_SEGMENT }),
    },
  ];
  const seg1: SpanRecord[] = [
    span({
      traceId: t1,
      spanId: 'a000000000000001',
      name: 'run',
      endTimeUnixNano: BASE + 5_000_000_000n,
      attributes: runAttrs(1, 'suspended'),
      events: [
        ev(sc.EVENT_WORKFLOW_SNAPSHOT, 100n, {
          [sc.ATTR_WORKFLOW_ID]: 'wf',
          [sc.ATTR_WORKFLOW_REVISION]: '1',
          [sc.ATTR_WORKFLOW_DEFINITION]: '{"nodes":[{"id":"draft"},{"id":"review"}],"edges":[]}',
        }),
      ],
    }),
    span({
      traceId: t1,
      spanId: 'a000000000000002',
      parentSpanId: 'a000000000000001',
      name: 'step draft',
      startTimeUnixNano: BASE + 1_000_000_000n,
      endTimeUnixNano: BASE + 2_000_000_000n,
      attributes: attrs({ [sc.ATTR_STEP_ID]: 'draft', [sc.ATTR_STEP_KIND]: 'llm' }),
      events: [
        ev(sc.EVENT_ARTIFACT, 1_500_000_000n, {
          [sc.ATTR_ARTIFACT_KEY]: 'draft.md',
          [sc.ATTR_ARTIFACT_VERSION]: 1,
          [sc.ATTR_ARTIFACT_SHA256]: 'a'.repeat(64),
          [sc.ATTR_ARTIFACT_MEDIA_TYPE]: 'text/markdown',
          [sc.ATTR_ARTIFACT_SIZE]: 5,
        }),
      ],
    }),
    span({
      traceId: t1,
      spanId: 'a000000000000003',
      parentSpanId: 'a000000000000001',
      name: 'step review',
      startTimeUnixNano: BASE + 3_000_000_000n,
      endTimeUnixNano: BASE + 4_000_000_000n,
      attributes: attrs({ [sc.ATTR_STEP_ID]: 'review', [sc.ATTR_STEP_KIND]: 'human' }),
      events: [
        ev(sc.EVENT_GATE_REQUESTED, 3_500_000_000n, {
          [sc.ATTR_GATE_ID]: 'review',
          [sc.ATTR_GATE_SUBJECT_ARTIFACT_KEY]: 'draft.md',
          [sc.ATTR_GATE_SUBJECT_ARTIFACT_VERSION]: 1,
        }),
      ],
    }),
  ];
  const seg2: SpanRecord[] = [
    span({
      traceId: t2,
      spanId: 'b000000000000001',
      name: 'run',
      startTimeUnixNano: BASE + HOUR,
      endTimeUnixNano: BASE + HOUR + 1_000_000n,
      attributes: runAttrs(2, 'suspended'),
      links: link(t1, 'a000000000000001'),
    }),
  ];
  const start3 = BASE + 2n * HOUR;
  const seg3: SpanRecord[] = [
    span({
      traceId: t3,
      spanId: 'c000000000000001',
      name: 'run',
      startTimeUnixNano: start3,
      endTimeUnixNano: start3 + 3_000_000_000n,
      status: { code: 'ok' },
      attributes: runAttrs(3, 'ended'),
      links: link(t2, 'b000000000000001'),
    }),
    span({
      traceId: t3,
      spanId: 'c000000000000002',
      parentSpanId: 'c000000000000001',
      name: 'step review',
      startTimeUnixNano: start3 + 100_000_000n,
      endTimeUnixNano: start3 + 1_000_000_000n,
      attributes: attrs({ [sc.ATTR_STEP_ID]: 'review', [sc.ATTR_STEP_KIND]: 'human' }),
      events: [
        {
          name: sc.EVENT_GATE_RESOLVED,
          timeUnixNano: start3 + 500_000_000n,
          attributes: attrs({
            [sc.ATTR_GATE_ID]: 'review',
            [sc.ATTR_GATE_DECISION]: 'approved',
            [sc.ATTR_GATE_ACTOR]: 'editor@example.com',
          }),
        },
      ],
    }),
    span({
      traceId: t3,
      spanId: 'c000000000000003',
      parentSpanId: 'c000000000000001',
      name: 'step publish',
      startTimeUnixNano: start3 + 1_500_000_000n,
      endTimeUnixNano: start3 + 2_500_000_000n,
      attributes: attrs({ [sc.ATTR_STEP_ID]: 'publish', [sc.ATTR_STEP_KIND]: 'task' }),
    }),
  ];
  return [seg1, seg2, seg3];
}
