import { foldRun, type UnsealedRunBundle } from '@llm-workbench/bundle';
import { Workbench } from '@llm-workbench/instrumentation';
import { spanRecordFromReadableSpan } from '@llm-workbench/processor';
import {
  ATTR_ARTIFACT_KEY,
  ATTR_ARTIFACT_PARENT_VERSION,
  ATTR_ARTIFACT_PATCH,
  ATTR_ARTIFACT_VERSION,
  ATTR_GATE_ACTOR,
  ATTR_GATE_DECISION,
  ATTR_GATE_ID,
  ATTR_GATE_SUBJECT_ARTIFACT_VERSION,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_MODEL_IO_COST_AMOUNT,
  ATTR_MODEL_IO_DURATION_MS,
  ATTR_MODEL_IO_INPUT,
  ATTR_MODEL_IO_OUTPUT,
  ATTR_RUN_ID,
  ATTR_STEP_ID,
  ATTR_STEP_KIND,
  EVENT_ARTIFACT,
  EVENT_GATE_REQUESTED,
  EVENT_GATE_RESOLVED,
  EVENT_MODEL_IO,
  EVENT_WORKFLOW_SNAPSHOT,
} from '@llm-workbench/semconv';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { DEMO_WORKFLOW, runDemoAgent } from '../src/index.js';

async function recordDemo(runId = 'demo-run-1') {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const result = await runDemoAgent({ tracerProvider: provider, runId });
  const spans = exporter.getFinishedSpans();
  const byName = (name: string): ReadableSpan => {
    const span = spans.find((s) => s.name === name);
    if (span === undefined) throw new Error(`no span ${name}`);
    return span;
  };
  return { result, spans, byName };
}

/** Everything but ids and clock times. */
function shape(spans: readonly ReadableSpan[]) {
  return spans.map((s) => ({
    name: s.name,
    attributes: s.attributes,
    status: s.status,
    events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
  }));
}

describe('runDemoAgent', () => {
  it('records the run span with the workflow snapshot and four step spans under it', async () => {
    const { result, spans, byName } = await recordDemo();
    expect(result.runId).toBe('demo-run-1');
    expect(result.traceId).toMatch(/^[0-9a-f]{32}$/);
    const run = byName('run demo-newsletter');
    expect(run.attributes[ATTR_RUN_ID]).toBe('demo-run-1');
    expect(run.spanContext().traceId).toBe(result.traceId);
    expect(run.events.map((e) => e.name)).toEqual([EVENT_WORKFLOW_SNAPSHOT]);
    expect(spans.map((s) => s.name)).toEqual([
      'step plan',
      'step draft',
      'step review',
      'step publish',
      'run demo-newsletter',
    ]);
    for (const step of spans.slice(0, 4)) {
      expect(step.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
    }
    expect(
      spans.slice(0, 4).map((s) => [s.attributes[ATTR_STEP_ID], s.attributes[ATTR_STEP_KIND]]),
    ).toEqual([
      ['plan', 'llm'],
      ['draft', 'llm'],
      ['review', 'human'],
      ['publish', 'task'],
    ]);
  });

  it('records model calls with captured content, fixed durations and costs', async () => {
    const { byName } = await recordDemo();
    const plan = byName('step plan').events;
    expect(plan.map((e) => e.name)).toEqual([EVENT_MODEL_IO]);
    const io = plan[0]!.attributes ?? {};
    expect(io[ATTR_GEN_AI_REQUEST_MODEL]).toBe('demo-planner-small');
    expect(io[ATTR_MODEL_IO_DURATION_MS]).toBe(640);
    expect(io[ATTR_MODEL_IO_INPUT]).toContain('OpenTelemetry span events');
    expect(io[ATTR_MODEL_IO_OUTPUT]).toBe(
      '1. Why OpenTelemetry span events matters\n2. How OpenTelemetry span events works\n3. What to try next with OpenTelemetry span events',
    );
    expect(io[ATTR_MODEL_IO_COST_AMOUNT]).toBeGreaterThan(0);
    expect(byName('step draft').events.map((e) => e.name)).toEqual([
      EVENT_MODEL_IO,
      EVENT_ARTIFACT,
    ]);
  });

  it('requests the review gate on draft.md v1, then resolves it approved, in order', async () => {
    const { byName } = await recordDemo();
    const review = byName('step review');
    const [requested, resolved] = review.events;
    expect(requested!.name).toBe(EVENT_GATE_REQUESTED);
    expect(requested!.attributes?.[ATTR_GATE_ID]).toBe('review');
    expect(requested!.attributes?.[ATTR_GATE_SUBJECT_ARTIFACT_VERSION]).toBe(1);
    expect(resolved!.name).toBe(EVENT_GATE_RESOLVED);
    expect(resolved!.attributes?.[ATTR_GATE_DECISION]).toBe('approved');
    expect(resolved!.attributes?.[ATTR_GATE_ACTOR]).toBe('editor@example.com');
    const t = (time: [number, number]) => time[0] * 1e9 + time[1];
    expect(t(resolved!.time)).toBeGreaterThanOrEqual(t(requested!.time));
    expect(t(resolved!.time)).toBeLessThanOrEqual(t(review.endTime));
  });

  it('publishes draft.md v2 with a patch from v1', async () => {
    const { byName } = await recordDemo();
    const [artifact] = byName('step publish').events;
    expect(artifact!.name).toBe(EVENT_ARTIFACT);
    expect(artifact!.attributes?.[ATTR_ARTIFACT_KEY]).toBe('draft.md');
    expect(artifact!.attributes?.[ATTR_ARTIFACT_VERSION]).toBe(2);
    expect(artifact!.attributes?.[ATTR_ARTIFACT_PARENT_VERSION]).toBe(1);
    const patch = artifact!.attributes?.[ATTR_ARTIFACT_PATCH] as string;
    expect(patch).toContain('-# This week: OpenTelemetry span events');
    expect(patch).toContain('+Published by the demo agent after review.');
  });

  it('is deterministic apart from ids and clock times', async () => {
    const first = await recordDemo('same');
    const second = await recordDemo('same');
    expect(shape(second.spans)).toEqual(shape(first.spans));
    expect(second.result.traceId).not.toBe(first.result.traceId);
  });

  it('uses a given workbench as configured', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const workbench = new Workbench({ tracerProvider: provider, captureContent: false });
    const { runId } = await runDemoAgent({ workbench });
    expect(runId).toMatch(/^run-/);
    const io = exporter.getFinishedSpans().find((s) => s.name === 'step plan')!.events[0]!;
    expect(io.attributes?.[ATTR_MODEL_IO_INPUT]).toBeUndefined();
  });

  it('folds into a run bundle with no diagnostics', async () => {
    const { spans, result } = await recordDemo();
    const bundle: UnsealedRunBundle = foldRun(spans.map((s) => spanRecordFromReadableSpan(s)));
    expect(bundle.diagnostics).toEqual([]);
    expect(bundle.run.runId).toBe(result.runId);
    expect(bundle.run.traceId).toBe(result.traceId);
    expect(bundle.run.complete).toBe(true);
    expect(bundle.run.workflowSnapshot?.definition).toEqual(DEMO_WORKFLOW.definition);
    // SDK 2.x start times have millisecond resolution, so the four steps of this instant demo
    // often start "together"; how the fold orders such ties is its business, not the demo's.
    expect(bundle.steps.map((s) => s.stepId).sort()).toEqual([
      'draft',
      'plan',
      'publish',
      'review',
    ]);
    expect(bundle.model_io.map((m) => m.stepId).sort()).toEqual(['draft', 'plan']);
    expect(bundle.model_io).toHaveLength(2);
    expect(
      bundle.model_io.every((m) => m.input.content !== null && m.output.content !== null),
    ).toBe(true);
    const artifacts = bundle.artifacts.map((a) => [a.stepId, a.key, a.version, a.parentVersion]);
    expect(artifacts.sort()).toEqual([
      ['draft', 'draft.md', 1, null],
      ['publish', 'draft.md', 2, 1],
    ]);
    expect(bundle.events.filter((e) => e.type === 'human_gate_resolved')).toHaveLength(1);
  });
});
