import { Workbench, type WorkbenchRun, type WorkbenchStep } from '@llm-workbench/instrumentation';
import { DEMO_ARTIFACT_KEY, DEMO_GATE_ID, DEMO_WORKFLOW } from './demo-workflow.js';
import { DEMO_MODELS, DEMO_PROVIDER, fakeModel } from './fake-model.js';
import type { RunDemoAgentOptions } from './types.js';

// The steps of the demo run, shared by the run in one go (runDemoAgent) and the run paused for its
// gate (runDemoSegment), so that both record the same plan, draft, review and publish.

const DEFAULT_TOPIC = 'OpenTelemetry span events';

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

/** The workbench the options give, or one on their tracer (provider), capturing content. */
export function demoWorkbench(options: RunDemoAgentOptions): Workbench {
  return (
    options.workbench ??
    new Workbench({
      captureContent: true,
      ...(options.tracer !== undefined ? { tracer: options.tracer } : {}),
      ...(options.tracerProvider !== undefined ? { tracerProvider: options.tracerProvider } : {}),
    })
  );
}

/**
 * The demo run up to its human gate: starts the run `demo-newsletter` with its workflow snapshot
 * at the clock's time, records `plan` and `draft`, then opens the step `review` and requests its
 * gate on the draft's version. Returns the run, the open review step and the draft's text.
 */
export function runUntilReview(
  workbench: Workbench,
  clock: SimulatedClock,
  options: Pick<RunDemoAgentOptions, 'runId' | 'topic'>,
): { run: WorkbenchRun; review: WorkbenchStep; text: string } {
  const run = startDemoRun(workbench, clock, options.runId);
  const { text, version } = recordPlanAndDraft(run, clock, options.topic);
  const review = run.startStep('review', { kind: 'human', startTime: clock.advance(30) });
  requestReview(review, clock, version);
  return { run, review, text };
}

/** Starts the run `demo-newsletter` with its workflow snapshot, at the clock's time. */
function startDemoRun(
  workbench: Workbench,
  clock: SimulatedClock,
  runId: string | undefined,
): WorkbenchRun {
  return workbench.startRun({
    name: 'demo-newsletter',
    workflow: DEMO_WORKFLOW,
    startTime: clock.now(),
    ...(runId !== undefined ? { runId } : {}),
  });
}

/** The planner's prompt for a topic. */
export function planPrompt(topic = DEFAULT_TOPIC): string {
  return `Plan a short newsletter about ${topic}. Reply with three numbered sections.`;
}

/** The writer's prompt for an outline. */
export function draftPrompt(outline: string): string {
  return `Write a draft following this plan:\n${outline}`;
}

/** The draft's text for a topic: the fake model answers the same prompts the same way. */
export function draftText(topic?: string): string {
  const outline = fakeModel({ model: DEMO_MODELS.planner, prompt: planPrompt(topic) }).output;
  return fakeModel({ model: DEMO_MODELS.writer, prompt: draftPrompt(outline) }).output;
}

/** The steps `plan` (a model call) and `draft` (a model call and `draft.md` v1). */
function recordPlanAndDraft(
  run: WorkbenchRun,
  clock: SimulatedClock,
  topic: string | undefined,
): { text: string; version: number } {
  clock.advance(120);
  const plan = run.startStep('plan', { kind: 'llm', startTime: clock.now() });
  const outline = callModel(plan, clock, DEMO_MODELS.planner, planPrompt(topic));
  plan.end(clock.advance(30));
  const draft = run.startStep('draft', { kind: 'llm', startTime: clock.advance(30) });
  const text = callModel(draft, clock, DEMO_MODELS.writer, draftPrompt(outline));
  const ref = draft.recordArtifact({
    key: DEMO_ARTIFACT_KEY,
    content: text,
    mediaType: 'text/markdown',
    time: clock.advance(30),
  });
  draft.end(clock.advance(20));
  return { text, version: ref?.version ?? 1 };
}

/** The review gate's request, on the draft's version. */
function requestReview(review: WorkbenchStep, clock: SimulatedClock, version: number): void {
  review.requestGate({
    gateId: DEMO_GATE_ID,
    policy: 'one-editor',
    subject: { artifactKey: DEMO_ARTIFACT_KEY, artifactVersion: version },
    time: clock.advance(10),
  });
}

/** The editor's approval of the review gate, at `time`. */
export function approveReview(review: WorkbenchStep, time: number): void {
  review.resolveGate({
    gateId: DEMO_GATE_ID,
    decision: 'approved',
    actor: 'editor@example.com',
    reason: 'Accurate and short. Tighten the title, then ship it.',
    time,
  });
}

/** The step `publish` (`draft.md` v2, with the editor's change), then the run's end. */
export function publishAndEnd(run: WorkbenchRun, clock: SimulatedClock, text: string): void {
  const publish = run.startStep('publish', { kind: 'task', startTime: clock.advance(40) });
  publish.recordArtifact({
    key: DEMO_ARTIFACT_KEY,
    content: publishEdits(text),
    mediaType: 'text/markdown',
    time: clock.advance(120),
  });
  publish.end(clock.advance(30));
  run.end(clock.advance(30));
}

/** One model call of the fake model, recorded on `step`, lasting as long as it says. */
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
