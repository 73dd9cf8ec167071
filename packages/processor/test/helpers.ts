import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import * as sc from '@llm-workbench/semconv';

/** A fresh temporary folder. */
export function tempDir(prefix = 'wb-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Records a small run with the raw OpenTelemetry API and the wire contract: a run span with a
 * workflow snapshot, a step with a model_io event and an artifact, a gate step, and a GenAI
 * client span. Returns the trace id. Times are explicit, milliseconds apart in the recent past:
 * the SDK's clock ticks in milliseconds, and steps starting in the same one would be ordered by
 * their random span ids.
 */
/** How a raw run records an event: `span.addEvent` unless a test records them otherwise. */
export type EmitEvent = (span: Span, name: string, attributes: Attributes, time: number) => void;

const addEvent: EmitEvent = (span, name, attributes, time) => span.addEvent(name, attributes, time);

export function recordRawRun(
  tracer: Tracer,
  runId = 'run-1',
  emit: EmitEvent = addEvent,
  base = Date.now() - 1000,
): string {
  const run = tracer.startSpan('run newsletter', {
    attributes: { [sc.ATTR_RUN_ID]: runId, [sc.ATTR_RUN_NAME]: 'newsletter' },
    startTime: base,
  });
  emit(
    run,
    sc.EVENT_WORKFLOW_SNAPSHOT,
    {
      [sc.ATTR_WORKFLOW_ID]: 'newsletter',
      [sc.ATTR_WORKFLOW_REVISION]: 'r7',
      [sc.ATTR_WORKFLOW_DEFINITION]: JSON.stringify({
        nodes: [{ id: 'draft' }, { id: 'review' }],
        edges: [['draft', 'review']],
      }),
    },
    base,
  );
  const ctx = trace.setSpan(context.active(), run);
  const draft = tracer.startSpan(
    'step draft',
    { attributes: { [sc.ATTR_STEP_ID]: 'draft', [sc.ATTR_STEP_KIND]: 'llm' }, startTime: base + 1 },
    ctx,
  );
  emit(
    draft,
    sc.EVENT_MODEL_IO,
    {
      [sc.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'fake',
      [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'fake-1',
      [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 120,
      [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 80,
      [sc.ATTR_MODEL_IO_DURATION_MS]: 812.5,
      [sc.ATTR_MODEL_IO_COST_AMOUNT]: 0.0021,
      [sc.ATTR_MODEL_IO_COST_CURRENCY]: 'USD',
    },
    base + 2,
  );
  emit(
    draft,
    sc.EVENT_ARTIFACT,
    {
      [sc.ATTR_ARTIFACT_KEY]: 'draft.md',
      [sc.ATTR_ARTIFACT_VERSION]: 1,
      [sc.ATTR_ARTIFACT_SHA256]: 'a'.repeat(64),
      [sc.ATTR_ARTIFACT_MEDIA_TYPE]: 'text/markdown',
      [sc.ATTR_ARTIFACT_SIZE]: 12,
    },
    base + 2,
  );
  const llm = tracer.startSpan(
    'chat fake-2',
    {
      attributes: {
        [sc.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
        [sc.ATTR_GEN_AI_SYSTEM]: 'fake',
        [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'fake-2',
        [sc.ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: 10,
        [sc.ATTR_GEN_AI_USAGE_COMPLETION_TOKENS]: 5,
      },
      startTime: base + 1,
    },
    trace.setSpan(ctx, draft),
  );
  llm.end(base + 2);
  draft.end(base + 3);
  const review = tracer.startSpan(
    'step review',
    {
      attributes: { [sc.ATTR_STEP_ID]: 'review', [sc.ATTR_STEP_KIND]: 'human' },
      startTime: base + 4,
    },
    ctx,
  );
  emit(review, sc.EVENT_GATE_REQUESTED, { [sc.ATTR_GATE_ID]: 'review' }, base + 4);
  emit(
    review,
    sc.EVENT_GATE_RESOLVED,
    {
      [sc.ATTR_GATE_ID]: 'review',
      [sc.ATTR_GATE_DECISION]: 'approved',
      [sc.ATTR_GATE_ACTOR]: 'editor@example.com',
    },
    base + 5,
  );
  review.end(base + 6);
  run.end(base + 7);
  return run.spanContext().traceId;
}
