import {
  approveReview,
  demoWorkbench,
  publishAndEnd,
  runUntilReview,
  SimulatedClock,
} from './demo-steps.js';
import type { DemoAgentResult, RunDemoAgentOptions } from './types.js';

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
  const workbench = demoWorkbench(options);
  // A simulated clock: the run is recorded as having taken DEMO_RUN_MS and ended just now, with
  // each step lasting as long as its model call and the editor deciding after DEMO_REVIEW_WAIT_MS.
  // Nothing waits: the times are passed explicitly.
  const clock = new SimulatedClock(Date.now() - DEMO_RUN_MS);
  const { run, review, text } = runUntilReview(workbench, clock, options);
  approveReview(review, clock.advance(DEMO_REVIEW_WAIT_MS));
  review.end(clock.advance(20));
  publishAndEnd(run, clock, text);
  return Promise.resolve({ traceId: run.traceId, runId: run.runId });
}

/** How long the editor takes to decide, on the demo's simulated clock. */
export const DEMO_REVIEW_WAIT_MS = 252_500;
/** How long a demo run takes on its simulated clock, from run start to run end. */
export const DEMO_RUN_MS =
  120 + 640 + 30 + 30 + 1830 + 30 + 20 + 30 + 10 + DEMO_REVIEW_WAIT_MS + 20 + 40 + 120 + 30 + 30;
