import { createHash } from 'node:crypto';
import * as sc from '@llm-workbench/semconv';
import {
  attributesFrom,
  type AttributeValue,
  type SpanEventRecord,
  type SpanRecord,
  type ToolCallEvent,
} from '../src/index.js';

export const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const BASE = 1_764_151_842_000_000_000n; // 2025-11-26T10:10:42Z in ns

export function attrs(o: Record<string, AttributeValue>): ReturnType<typeof attributesFrom> {
  return attributesFrom(Object.entries(o));
}

export function span(p: Partial<SpanRecord> & { spanId: string }): SpanRecord {
  return {
    traceId: TRACE,
    name: p.spanId,
    kind: 'internal',
    startTimeUnixNano: BASE,
    endTimeUnixNano: BASE + 1_000_000n,
    status: { code: 'unset' },
    attributes: attrs({}),
    events: [],
    resource: attrs({ [sc.ATTR_SERVICE_NAME]: 'agent' }),
    scope: { name: 'test' },
    ...p,
  };
}

export function ev(
  name: string,
  offsetNs: bigint,
  a: Record<string, AttributeValue>,
): SpanEventRecord {
  return { name, timeUnixNano: BASE + offsetNs, attributes: attrs(a) };
}

/** A run of five spans exercising every event type. Nanosecond digits are deliberately odd. */
export function sampleRun(): SpanRecord[] {
  return [
    span({
      spanId: '1000000000000001',
      name: 'run',
      startTimeUnixNano: BASE + 123n,
      endTimeUnixNano: BASE + 9_000_000_999n,
      status: { code: 'ok' },
      attributes: attrs({ [sc.ATTR_RUN_ID]: 'run-1', [sc.ATTR_RUN_NAME]: 'newsletter' }),
      events: [
        ev(sc.EVENT_WORKFLOW_SNAPSHOT, 500n, {
          [sc.ATTR_WORKFLOW_ID]: 'wf',
          [sc.ATTR_WORKFLOW_REVISION]: '3',
          [sc.ATTR_WORKFLOW_DEFINITION]:
            '{"nodes":[{"id":"draft"},{"id":"review"}],"edges":[["draft","review"]]}',
        }),
      ],
    }),
    span({
      spanId: '2000000000000002',
      parentSpanId: '1000000000000001',
      name: 'step draft',
      startTimeUnixNano: BASE + 1_000_000_001n,
      endTimeUnixNano: BASE + 3_000_000_001n,
      attributes: attrs({ [sc.ATTR_STEP_ID]: 'draft', [sc.ATTR_STEP_KIND]: 'llm' }),
      events: [
        ev(sc.EVENT_MODEL_IO, 2_000_000_000n, {
          [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'fake',
          [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'fake-1',
          [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 100,
          [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 50n,
          [sc.ATTR_MODEL_IO_DURATION_MS]: 900.25,
          [sc.ATTR_MODEL_IO_COST_AMOUNT]: 0.003,
          [sc.ATTR_MODEL_IO_COST_CURRENCY]: 'USD',
        }),
        ev(sc.EVENT_ARTIFACT, 2_500_000_000n, {
          [sc.ATTR_ARTIFACT_KEY]: 'draft.md',
          [sc.ATTR_ARTIFACT_VERSION]: 1,
          [sc.ATTR_ARTIFACT_SHA256]: 'b'.repeat(64),
          [sc.ATTR_ARTIFACT_MEDIA_TYPE]: 'text/markdown',
          [sc.ATTR_ARTIFACT_SIZE]: 5,
        }),
        ev('exception', 2_600_000_000n, {
          'exception.message': 'retry',
          'http.request.header.authorization': 'Bearer abc',
        }),
      ],
    }),
    span({
      spanId: '3000000000000003',
      parentSpanId: '2000000000000002',
      name: 'chat fake-2',
      kind: 'client',
      startTimeUnixNano: BASE + 1_500_000_000n,
      endTimeUnixNano: BASE + 1_700_000_500n,
      attributes: attrs({
        [sc.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
        [sc.ATTR_GEN_AI_SYSTEM]: 'fake',
        [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'fake-2',
        [sc.ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: 7,
        [sc.ATTR_GEN_AI_USAGE_COMPLETION_TOKENS]: 3,
      }),
    }),
    span({
      spanId: '4000000000000004',
      parentSpanId: '1000000000000001',
      name: 'step review',
      startTimeUnixNano: BASE + 4_000_000_000n,
      endTimeUnixNano: BASE + 7_000_000_000n,
      attributes: attrs({ [sc.ATTR_STEP_ID]: 'review', [sc.ATTR_STEP_KIND]: 'human' }),
      events: [
        ev(sc.EVENT_GATE_REQUESTED, 4_000_000_000n, {
          [sc.ATTR_GATE_ID]: 'review',
          [sc.ATTR_GATE_SUBJECT_ARTIFACT_KEY]: 'draft.md',
          [sc.ATTR_GATE_SUBJECT_ARTIFACT_VERSION]: 1,
        }),
        ev(sc.EVENT_GATE_RESOLVED, 6_500_000_000n, {
          [sc.ATTR_GATE_ID]: 'review',
          [sc.ATTR_GATE_DECISION]: 'approved',
          [sc.ATTR_GATE_ACTOR]: 'ed@example.com',
          [sc.ATTR_GATE_REASON]: 'ok',
        }),
      ],
    }),
    span({
      spanId: '5000000000000005',
      parentSpanId: '1000000000000001',
      name: 'step publish',
      startTimeUnixNano: BASE + 7_000_000_000n,
      endTimeUnixNano: BASE + 8_000_000_000n,
      attributes: attrs({ [sc.ATTR_STEP_ID]: 'publish' }),
      events: [
        ev(sc.EVENT_ARTIFACT, 7_500_000_000n, {
          [sc.ATTR_ARTIFACT_KEY]: 'draft.md',
          [sc.ATTR_ARTIFACT_VERSION]: 2,
          [sc.ATTR_ARTIFACT_PARENT_VERSION]: 1,
          [sc.ATTR_ARTIFACT_SHA256]: 'c'.repeat(64),
          [sc.ATTR_ARTIFACT_MEDIA_TYPE]: 'text/markdown',
          [sc.ATTR_ARTIFACT_SIZE]: 6,
          [sc.ATTR_ARTIFACT_PATCH]: '@@ -1 +1 @@\n-hello\n+hello!\n',
        }),
      ],
    }),
  ];
}

export { rng } from '@llm-workbench/test-support';

/**
 * The sample run with content captured: the model call's prompt and response, and the first
 * artifact's text, beside the commitments the instrumentation writes.
 */
export function contentRun(): SpanRecord[] {
  const sha = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
  const prompt = 'Write a newsletter about the Pont Neuf. ☃ 🌉';
  const response = 'The Pont Neuf is the oldest standing bridge across the Seine in Paris.';
  const body = 'hello';
  return sampleRun().map((s) => ({
    ...s,
    events: s.events.map((e) => {
      const add: Record<string, AttributeValue> =
        e.name === sc.EVENT_MODEL_IO
          ? {
              [sc.ATTR_MODEL_IO_INPUT]: prompt,
              [sc.ATTR_MODEL_IO_INPUT_SHA256]: sha(prompt),
              [sc.ATTR_MODEL_IO_OUTPUT]: response,
            }
          : e.name === sc.EVENT_ARTIFACT && e.attributes[sc.ATTR_ARTIFACT_PATCH] === undefined
            ? { [sc.ATTR_ARTIFACT_CONTENT]: body, [sc.ATTR_ARTIFACT_SHA256]: sha(body) }
            : {};
      return { ...e, attributes: attrs({ ...e.attributes, ...add }) };
    }),
  }));
}

/** A tool call event holding content beside its commitments, as no fold writes it but a tool might. */
export function toolCallWithContent(args: string, result: string): ToolCallEvent {
  const sha = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
  return {
    arguments: { content: args, omitted: null, sha256: sha(args) },
    callId: 'call_1',
    durationMs: 1,
    result: { content: result, omitted: null, sha256: sha(result) },
    spanId: '2000000000000002',
    status: { code: 'ok', message: null },
    stepId: 'draft',
    time: '2025-11-26T10:10:44.000000Z',
    toolName: 'get_weather',
    toolType: 'function',
    type: 'tool_call',
    vocabularies: ['gen_ai'],
  };
}
