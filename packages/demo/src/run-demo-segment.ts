import { Workbench } from '@llm-workbench/instrumentation';
import { DEMO_ARTIFACT_KEY, DEMO_GATE_ID, DEMO_WORKFLOW } from './demo-workflow.js';
import { DEMO_MODELS, fakeModel } from './fake-model.js';
import { callModel, DEMO_REVIEW_WAIT_MS, publishEdits, SimulatedClock } from './run-demo-agent.js';
import type { RunDemoAgentOptions } from './types.js';

/** Options of {@link runDemoSegment}. */
export interface RunDemoSegmentOptions extends RunDemoAgentOptions {
  /**
   * Which part of the paused demo to record: 1 drafts and requests the review gate, then
   * suspends; 2 is a restart while the editor has not decided (resumes and suspends again); 3
   * resolves the gate, publishes and ends the run.
   */
  segment: 1 | 2 | 3;
  /** The resume token segment `segment − 1` returned (required for 2 and 3). */
  token?: string;
  /** The simulated clock, epoch ms, as the previous segment left it. @default for 1: the past, so the run ends about now */
  clockMs?: number;
}

/** What {@link runDemoSegment} recorded. */
export interface DemoSegmentResult {
  /** The resume token for the next segment; null after segment 3 (the run ended). */
  token: string | null;
  /** The simulated clock after this segment, for the next one. */
  clockMs: number;
  /** This segment's trace id. */
  traceId: string;
  runId: string;
}

/** The segments' share of the editor's wait: the restart (segment 2) comes halfway. */
const HALF_WAIT_MS = Math.floor(DEMO_REVIEW_WAIT_MS / 2);
/** How far back segment 1 starts, so that segment 3 ends about now. */
const PAUSED_RUN_MS =
  120 + 640 + 30 + 30 + 1830 + 30 + 20 + 30 + 10 + 20 + DEMO_REVIEW_WAIT_MS + 400 + 400;

/**
 * Records one segment of the demo run paused for its human gate: the same plan → draft → review →
 * publish as `runDemoAgent`, but the run is suspended while the editor decides, so that each
 * segment can run in its own process (as `workbench demo --pause` does) and the bundle of the
 * whole run comes from all three. Calls no model and never waits (a simulated clock).
 *
 * @example
 * const s1 = await runDemoSegment({ segment: 1, tracerProvider });
 * const s2 = await runDemoSegment({ segment: 2, token: s1.token!, clockMs: s1.clockMs, tracerProvider });
 * await runDemoSegment({ segment: 3, token: s2.token!, clockMs: s2.clockMs, tracerProvider });
 */
export function runDemoSegment(options: RunDemoSegmentOptions): Promise<DemoSegmentResult> {
  const workbench =
    options.workbench ??
    new Workbench({
      captureContent: true,
      ...(options.tracer !== undefined ? { tracer: options.tracer } : {}),
      ...(options.tracerProvider !== undefined ? { tracerProvider: options.tracerProvider } : {}),
    });
  const clock = new SimulatedClock(options.clockMs ?? Date.now() - PAUSED_RUN_MS);
  if (options.segment === 1) {
    const run = workbench.startRun({
      name: 'demo-newsletter',
      workflow: DEMO_WORKFLOW,
      startTime: clock.now(),
      ...(options.runId !== undefined ? { runId: options.runId } : {}),
    });
    clock.advance(120);
    const plan = run.startStep('plan', { kind: 'llm', startTime: clock.now() });
    const outline = callModel(plan, clock, DEMO_MODELS.planner, planPrompt(options.topic));
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
    const review = run.startStep('review', { kind: 'human', startTime: clock.advance(30) });
    review.requestGate({
      gateId: DEMO_GATE_ID,
      policy: 'one-editor',
      subject: { artifactKey: DEMO_ARTIFACT_KEY, artifactVersion: ref?.version ?? 1 },
      time: clock.advance(10),
    });
    review.end(clock.advance(20));
    const token = run.suspend(clock.advance(10));
    return Promise.resolve({ token, clockMs: clock.now(), traceId: run.traceId, runId: run.runId });
  }
  const run = workbench.resumeRun(options.token ?? '', {
    startTime: clock.advance(
      options.segment === 2 ? HALF_WAIT_MS : DEMO_REVIEW_WAIT_MS - HALF_WAIT_MS,
    ),
  });
  if (options.segment === 2) {
    // A restart while the editor has not decided: the gate is still open; suspend again.
    const token = run.suspend(clock.advance(200));
    return Promise.resolve({ token, clockMs: clock.now(), traceId: run.traceId, runId: run.runId });
  }
  const review = run.startStep('review', { kind: 'human', startTime: clock.advance(10) });
  review.resolveGate({
    gateId: DEMO_GATE_ID,
    decision: 'approved',
    actor: 'editor@example.com',
    reason: 'Accurate and short. Tighten the title, then ship it.',
    time: clock.advance(10),
  });
  review.end(clock.advance(20));
  const publish = run.startStep('publish', { kind: 'task', startTime: clock.advance(40) });
  // The draft's text, as segment 1 wrote it: the fake model answers the same prompt the same way.
  const draftText = fakeModel({
    model: DEMO_MODELS.writer,
    prompt: draftPrompt(planPrompt(options.topic)),
  }).output;
  publish.recordArtifact({
    key: DEMO_ARTIFACT_KEY,
    content: publishEdits(draftText),
    mediaType: 'text/markdown',
    time: clock.advance(120),
  });
  publish.end(clock.advance(30));
  run.end(clock.advance(30));
  return Promise.resolve({
    token: null,
    clockMs: clock.now(),
    traceId: run.traceId,
    runId: run.runId,
  });
}

function planPrompt(topic = 'OpenTelemetry span events'): string {
  return `Plan a short newsletter about ${topic}. Reply with three numbered sections.`;
}

/** The writer's prompt for an outline, or for the outline the planner gives `planPrompt`'s text. */
function draftPrompt(outlineOrPlanPrompt: string): string {
  const outline = /numbered sections/.test(outlineOrPlanPrompt)
    ? fakeModel({ model: DEMO_MODELS.planner, prompt: outlineOrPlanPrompt }).output
    : outlineOrPlanPrompt;
  return `Write a draft following this plan:\n${outline}`;
}
