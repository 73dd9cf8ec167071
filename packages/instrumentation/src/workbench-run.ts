import type { Span } from '@opentelemetry/api';
import { ATTR_RUN_SEGMENT, ATTR_RUN_SEGMENT_STATE } from '@llm-workbench/semconv';
import type { RunState } from './internal-types.js';
import { encodeResumeToken, MAX_RESUME_TOKEN_LENGTH } from './resume-token.js';
import type { EventTime, StepOptions } from './types.js';
import { WorkbenchScope } from './workbench-scope.js';
import { WorkbenchStep } from './workbench-step.js';

/**
 * A run: the span named `run {name}` that carries `workbench.run.id`, `workbench.run.name` and
 * the workflow snapshot; its steps are child spans. Ending it releases the run's artifact state
 * (versions and the texts kept for diffing); artifacts recorded after that are refused. A run
 * that waits for a person can be suspended ({@link WorkbenchRun.suspend}) and resumed in any
 * process (`Workbench.resumeRun`): each part is a segment, a trace of its own, and the fold makes
 * one bundle of them all.
 *
 * @example
 * const run = wb.startRun({ name: 'weekly-newsletter', workflow });
 * await run.step('draft', async (step) => { ... });
 * run.end();
 */
export class WorkbenchRun extends WorkbenchScope {
  /** @internal Constructed by `Workbench.startRun` and `resumeRun`, never by callers. */
  constructor(
    span: Span,
    state: RunState,
    /** The run id, `workbench.run.id`: as given, or generated. */
    readonly runId: string,
    /** @internal The run's name, for a resume token. */
    private readonly _name: string = 'run',
    /**
     * The segment this run object records: 1 for a run started here (it becomes a segment only if
     * suspended), n for one resumed from a token of segment n − 1.
     */
    readonly segment: number = 1,
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
   * Gate ids requested in this run (in this segment or an earlier one) and not yet resolved, in
   * request order.
   *
   * @example
   * for (const gateId of run.openGates) await askReviewer(gateId);
   */
  get openGates(): string[] {
    return [...this._state.openGates];
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
   * Suspends the run: ends this segment's run span (marked `workbench.run.segment` = this segment,
   * `workbench.run.segment.state` = `suspended`) and returns a resume token, a small JSON text
   * (run id, name, next segment number, this run span's ids, the open gates, artifact versions,
   * workflow id and revision; no content) to store wherever the app keeps state and give to
   * `Workbench.resumeRun` in this or another process, minutes or days later. End the steps you
   * started before suspending: a span left open is never exported. Returns `''` (and reports it)
   * when the run has already ended.
   *
   * @example
   * await run.step('review', { kind: 'human' }, (step) => step.requestGate({ gateId: 'review' }));
   * await db.save(run.runId, run.suspend());
   * process.exit(0);
   */
  suspend(time?: EventTime): string {
    const token = this._safely('suspend', '', () => {
      if (this.ended) {
        this._state.reporter.warn('suspend_after_end', 'suspend: the run has ended; no token');
        return '';
      }
      const ctx = this.span.spanContext();
      this.span.setAttribute(ATTR_RUN_SEGMENT, this.segment);
      this.span.setAttribute(ATTR_RUN_SEGMENT_STATE, 'suspended');
      const data = {
        runId: this.runId,
        name: this._name,
        segment: this.segment + 1,
        previous: { traceId: ctx.traceId, spanId: ctx.spanId },
        openGates: [...this._state.openGates],
        artifacts: this._state.artifacts.versions(),
        workflow: this._state.workflow,
      };
      let text = encodeResumeToken(data);
      // A token must stay readable by resumeRun: past its limit, artifact versions go first,
      // then open gates (the run goes on; what is left out is reported).
      if (text.length > MAX_RESUME_TOKEN_LENGTH) {
        text = encodeResumeToken({ ...data, artifacts: [] });
        if (text.length > MAX_RESUME_TOKEN_LENGTH) {
          text = encodeResumeToken({ ...data, artifacts: [], openGates: [] });
        }
        this._state.reporter.warn(
          'resume_token_too_long',
          `suspend: the resume token would pass ${MAX_RESUME_TOKEN_LENGTH} characters; artifact versions${text.includes('"openGates":[]') ? ' and open gates' : ''} left out`,
        );
      }
      return text;
    });
    if (!this.ended) this._finish(time);
    return token;
  }

  /**
   * Ends the run's span and releases its artifact state. Calling it again does nothing. On a
   * resumed run (segment 2 or later) it marks the segment `ended`: the run is over, with this
   * span's status.
   *
   * @example
   * run.end();
   */
  override end(time?: EventTime): void {
    if (!this.ended && this.segment > 1) {
      this._safely('end', undefined, () => {
        this.span.setAttribute(ATTR_RUN_SEGMENT, this.segment);
        this.span.setAttribute(ATTR_RUN_SEGMENT_STATE, 'ended');
      });
    }
    this._finish(time);
  }

  private _finish(time: EventTime | undefined): void {
    super.end(time);
    this._state.ended = true;
    this._state.artifacts.release();
  }
}
