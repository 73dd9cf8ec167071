import {
  approveReview,
  demoWorkbench,
  draftText,
  publishAndEnd,
  runUntilReview,
  SimulatedClock,
} from './demo-steps.js';
import { DEMO_REVIEW_WAIT_MS } from './run-demo-agent.js';
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
  const workbench = demoWorkbench(options);
  const clock = new SimulatedClock(options.clockMs ?? Date.now() - PAUSED_RUN_MS);
  if (options.segment === 1) {
    const { run, review } = runUntilReview(workbench, clock, options);
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
  approveReview(review, clock.advance(10));
  review.end(clock.advance(20));
  // The draft's text, as segment 1 wrote it (in another process): the fake model answers the same
  // prompts the same way.
  publishAndEnd(run, clock, draftText(options.topic));
  return Promise.resolve({
    token: null,
    clockMs: clock.now(),
    traceId: run.traceId,
    runId: run.runId,
  });
}
