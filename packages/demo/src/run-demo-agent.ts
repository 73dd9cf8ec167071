import { Workbench, type WorkbenchStep } from '@llm-workbench/instrumentation';
import { DEMO_ARTIFACT_KEY, DEMO_GATE_ID, DEMO_WORKFLOW } from './demo-workflow.js';
import { DEMO_MODELS, DEMO_PROVIDER, fakeModel } from './fake-model.js';
import type { DemoAgentResult, RunDemoAgentOptions } from './types.js';

const DEFAULT_TOPIC = 'OpenTelemetry span events';

/**
 * Runs the demo agent once and records it: a run `demo-newsletter` with the workflow snapshot,
 * then the steps `plan` (a model call), `draft` (a model call and `draft.md` v1), `review` (a
 * human gate, requested and then approved by `editor@example.com`) and `publish` (`draft.md` v2,
 * with a patch from v1). Calls no model and never waits: times come from a simulated clock (the
 * run lasts {@link DEMO_RUN_MS} and ends now; the editor decides after {@link DEMO_REVIEW_WAIT_MS}),
 * so everything but ids and the start time is the same on every run.
 *
 * @example
 * const { traceId, runId } = await runDemoAgent({ tracerProvider: provider });
 */
export async function runDemoAgent(options: RunDemoAgentOptions = {}): Promise<DemoAgentResult> {
  const workbench =
    options.workbench ??
    new Workbench({
      captureContent: true,
      ...(options.tracer !== undefined ? { tracer: options.tracer } : {}),
      ...(options.tracerProvider !== undefined ? { tracerProvider: options.tracerProvider } : {}),
    });
  const topic = options.topic ?? DEFAULT_TOPIC;
  // A simulated clock: the run is recorded as having taken DEMO_RUN_MS and ended just now, with
  // each step lasting as long as its model call and the editor deciding after DEMO_REVIEW_WAIT_MS.
  // Nothing waits: the times are passed explicitly.
  const clock = new SimulatedClock(Date.now() - DEMO_RUN_MS);
  const run = workbench.startRun({
    name: 'demo-newsletter',
    workflow: DEMO_WORKFLOW,
    startTime: clock.now(),
    ...(options.runId !== undefined ? { runId: options.runId } : {}),
  });

  clock.advance(120);
  const plan = run.startStep('plan', { kind: 'llm', startTime: clock.now() });
  const outline = callModel(
    plan,
    clock,
    DEMO_MODELS.planner,
    `Plan a short newsletter about ${topic}. Reply with three numbered sections.`,
  );
  plan.end(clock.advance(30));

  const draftStep = run.startStep('draft', { kind: 'llm', startTime: clock.advance(30) });
  const text = callModel(
    draftStep,
    clock,
    DEMO_MODELS.writer,
    `Write a draft following this plan:\n${outline}`,
  );
  const ref = draftStep.recordArtifact({
    key: DEMO_ARTIFACT_KEY,
    content: text,
    mediaType: 'text/markdown',
    time: clock.advance(30),
  });
  draftStep.end(clock.advance(20));
  const draftVersion = ref?.version ?? 1;

  const review = run.startStep('review', { kind: 'human', startTime: clock.advance(30) });
  review.requestGate({
    gateId: DEMO_GATE_ID,
    policy: 'one-editor',
    subject: { artifactKey: DEMO_ARTIFACT_KEY, artifactVersion: draftVersion },
    time: clock.advance(10),
  });
  review.resolveGate({
    gateId: DEMO_GATE_ID,
    decision: 'approved',
    actor: 'editor@example.com',
    reason: 'Accurate and short. Tighten the title, then ship it.',
    time: clock.advance(DEMO_REVIEW_WAIT_MS),
  });
  review.end(clock.advance(20));

  const publish = run.startStep('publish', { kind: 'task', startTime: clock.advance(40) });
  publish.recordArtifact({
    key: DEMO_ARTIFACT_KEY,
    content: publishEdits(text),
    mediaType: 'text/markdown',
    time: clock.advance(120),
  });
  publish.end(clock.advance(30));
  run.end(clock.advance(30));
  return Promise.resolve({ traceId: run.traceId, runId: run.runId });
}

/** How long the editor takes to decide, on the demo's simulated clock. */
export const DEMO_REVIEW_WAIT_MS = 252_500;
/** How long a demo run takes on its simulated clock, from run start to run end. */
export const DEMO_RUN_MS =
  120 + 640 + 30 + 30 + 1830 + 30 + 20 + 30 + 10 + DEMO_REVIEW_WAIT_MS + 20 + 40 + 120 + 30 + 30;

/** Epoch milliseconds that only move when told to. */
export class SimulatedClock {
  constructor(private ms: number) {}
  now(): number {
    return this.ms;
  }
  /** Moves the clock forward and returns the new time. */
  advance(ms: number): number {
    this.ms += ms;
    return this.ms;
  }
}

export function callModel(
  step: WorkbenchStep,
  clock: SimulatedClock,
  model: string,
  prompt: string,
): string {
  const response = fakeModel({ model, prompt });
  step.recordModelIo({
    time: clock.advance(response.durationMs),
    operation: 'chat',
    provider: DEMO_PROVIDER,
    model,
    responseModel: `${model}-2026-11`,
    inputTokens: response.inputTokens,
    outputTokens: response.outputTokens,
    durationMs: response.durationMs,
    cost: response.cost,
    input: prompt,
    output: response.output,
  });
  return response.output;
}

/** The editor's requested change and the sign-off: what publishing adds to the draft. */
export function publishEdits(text: string): string {
  return `${text.replace(/^# This week: /, '# ')}\n---\nPublished by the demo agent after review.\n`;
}
