import type { Span } from '@opentelemetry/api';
import type { RunState } from './internal-types.js';
import type { StepOptions } from './types.js';
import { WorkbenchScope } from './workbench-scope.js';

/**
 * One step of a run: a span named `step {stepId}` with `workbench.step.id` and
 * `workbench.step.kind`, child of the run's span or of an enclosing step's. Gates, model calls
 * and artifacts recorded on it are attributed to the step.
 *
 * @example
 * await run.step('draft', { kind: 'llm' }, async (step) => {
 *   step.recordArtifact({ key: 'draft.md', content: text, mediaType: 'text/markdown' });
 * });
 */
export class WorkbenchStep extends WorkbenchScope {
  /** @internal Constructed by `startStep`, never by callers. */
  constructor(
    span: Span,
    state: RunState,
    /** The step id, as given. */
    readonly stepId: string,
  ) {
    super(span, state);
  }

  /**
   * Starts a nested step, child of this one.
   *
   * @example
   * const sub = step.startStep('fetch-sources', { kind: 'tool' });
   */
  override startStep(stepId: string, options?: StepOptions): WorkbenchStep {
    return new WorkbenchStep(this._startChildSpan(stepId, options), this._state, stepId);
  }
}
