import type { Span } from '@opentelemetry/api';
import type { RunState } from './internal-types.js';
import type { EventTime, StepOptions } from './types.js';
import { WorkbenchScope } from './workbench-scope.js';
import { WorkbenchStep } from './workbench-step.js';

/**
 * A run: the span named `run {name}` that carries `workbench.run.id`, `workbench.run.name` and
 * the workflow snapshot; its steps are child spans. Ending it releases the run's artifact state
 * (versions and the texts kept for diffing); artifacts recorded after that are refused.
 *
 * @example
 * const run = wb.startRun({ name: 'weekly-newsletter', workflow });
 * await run.step('draft', async (step) => { ... });
 * run.end();
 */
export class WorkbenchRun extends WorkbenchScope {
  /** @internal Constructed by `Workbench.startRun`, never by callers. */
  constructor(
    span: Span,
    state: RunState,
    /** The run id, `workbench.run.id`: as given, or generated. */
    readonly runId: string,
  ) {
    super(span, state);
  }

  /**
   * The trace id of the run's span (32 lowercase hex digits; all zeros when not recorded).
   *
   * @example
   * console.log(`trace ${run.traceId}`);
   */
  get traceId(): string {
    return this._safely('traceId', '0'.repeat(32), () => this.span.spanContext().traceId);
  }

  /**
   * Starts a step, child of the run's span.
   *
   * @example
   * const step = run.startStep('plan', { kind: 'llm' });
   */
  override startStep(stepId: string, options?: StepOptions): WorkbenchStep {
    return new WorkbenchStep(this._startChildSpan(stepId, options), this._state, stepId);
  }

  /**
   * Ends the run's span and releases its artifact state. Calling it again does nothing.
   *
   * @example
   * run.end();
   */
  override end(time?: EventTime): void {
    super.end(time);
    this._state.ended = true;
    this._state.artifacts.release();
  }
}
