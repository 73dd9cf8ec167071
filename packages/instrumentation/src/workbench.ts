import { context, diag, ROOT_CONTEXT, type DiagLogger } from '@opentelemetry/api';
import {
  ATTR_LINK_KIND,
  ATTR_RUN_ID,
  ATTR_RUN_NAME,
  ATTR_RUN_SEGMENT,
  EVENT_WORKFLOW_SNAPSHOT,
  LINK_KIND_PREVIOUS_SEGMENT,
} from '@llm-workbench/semconv';
import { ArtifactStore } from './artifact-store.js';
import { emitEvent } from './emit-event.js';
import { extraAttributes } from './extra-attributes.js';
import { generateRunId } from './generate-run-id.js';
import { inScope } from './in-scope.js';
import { INSTRUMENTATION_NAME } from './instrumentation-scope.js';
import type { ResolvedConfig, RunState } from './internal-types.js';
import { Reporter } from './reporter.js';
import { resolveConfig, type Environment } from './resolve-config.js';
import { parseResumeToken, type ResumeTokenData } from './resume-token.js';
import type { ResumeRunOptions, StartRunOptions, WorkbenchOptions } from './types.js';
import { WorkbenchRun } from './workbench-run.js';
import { nonRecordingSpan, startSpan } from './start-span.js';
import { optionalTime } from './to-hr-time.js';
import { workflowSnapshotAttributes } from './workflow-snapshot-attributes.js';

/**
 * Records LLM agent runs on your tracer: a run span with the workflow snapshot, step spans, and
 * span events for human gates, model calls and artifacts, named by `@llm-workbench/semconv`.
 * Only the constructor throws (a {@link WorkbenchConfigError}, for an invalid option); recording
 * never does, and reports problems through the diag logger `@llm-workbench/instrumentation`.
 *
 * @example
 * const wb = new Workbench({ tracerProvider: provider });
 * await wb.run({ name: 'newsletter', workflow }, async (run) => {
 *   await run.step('draft', { kind: 'llm' }, async (step) => {
 *     step.recordModelIo({ provider: 'openai', model: 'gpt-4o', inputTokens: 812, outputTokens: 164, durationMs: 2310 });
 *   });
 * });
 */
export class Workbench {
  private readonly _config: ResolvedConfig;
  private readonly _reporter: Reporter;

  /**
   * @param options see {@link WorkbenchOptions}; the environment is read here, once.
   * @throws WorkbenchConfigError when an option is invalid, quoting it
   */
  constructor(options: WorkbenchOptions = {}) {
    this._reporter = new Reporter(logger());
    this._config = resolveConfig(options, environment(), this._reporter);
  }

  /** Whether prompt and response content is recorded, as resolved from options and environment. */
  get captureContent(): boolean {
    return this._config.captureContent;
  }

  /**
   * Starts a run: its span (`run {name}`, with `workbench.run.id` and `workbench.run.name`) and,
   * when a workflow is given, the `workbench.workflow.snapshot` event. The span's parent is the
   * active context's span, if any. End the run with `end()` or `fail()`; or use
   * {@link Workbench.run}, which does that for you.
   *
   * @example
   * const run = wb.startRun({ name: 'newsletter', workflow });
   * try { await run.step('draft', draft); } finally { run.end(); }
   */
  startRun(options: StartRunOptions): WorkbenchRun {
    if (typeof options !== 'object' || options === null) {
      this._reporter.warn(
        'bad_input',
        `startRun: expected an options object, got ${String(options)}`,
      );
      options = { name: 'run' };
    }
    const state = this._newState(workflowOf(options.workflow));
    let runId: string | undefined;
    try {
      runId = this._runId(options.runId);
      let name = options.name;
      if (typeof name !== 'string' || name === '') {
        this._reporter.warn('bad_input', 'startRun: name is not a non-empty string; "run" used');
        name = 'run';
      }
      const startTime = optionalTime(options.startTime, 'startRun', this._reporter);
      const span = startSpan(
        this._config.tracer,
        `run ${name}`,
        {
          ...(startTime !== undefined ? { startTime } : {}),
          attributes: {
            ...extraAttributes(options.attributes, 'startRun', this._reporter),
            [ATTR_RUN_ID]: runId,
            [ATTR_RUN_NAME]: name,
          },
        },
        context.active(),
        this._reporter,
      );
      if (options.workflow !== undefined && span.isRecording()) {
        emitEvent(
          this._config,
          this._reporter,
          span,
          EVENT_WORKFLOW_SNAPSHOT,
          workflowSnapshotAttributes(options.workflow, this._reporter),
          startTime,
        );
      }
      return new WorkbenchRun(span, state, runId, name);
    } catch (err) {
      this._reporter.error('internal_error', 'startRun() failed inside instrumentation', err);
      return new WorkbenchRun(nonRecordingSpan(), state, runId ?? generateRunId());
    }
  }

  /**
   * Resumes a suspended run from the token `run.suspend()` returned, in this process or any other:
   * starts the run's next segment, a new trace whose run span (`run {name}`, with the same
   * `workbench.run.id`, `workbench.run.segment` = n and a `previous_segment` link to the suspended
   * segment's run span) is a root span, whatever context is active. Its steps may resolve gates
   * requested before the pause (`run.openGates` lists them); artifact versions continue. End it
   * with `end()` (the run is over: segment state `ended`) or suspend it again. A token that does
   * not parse is reported through diag and a fresh run is started instead, its span carrying an
   * `exception` event that says why, so the break shows in the bundle.
   *
   * @example
   * const run = wb.resumeRun(await db.load(runId));
   * await run.step('review', { kind: 'human' }, (step) =>
   *   step.resolveGate({ gateId: 'review', decision: 'approved', actor: 'editor@example.com' }),
   * );
   * run.end();
   */
  resumeRun(token: string, options: ResumeRunOptions = {}): WorkbenchRun {
    const read = parseResumeToken(token);
    if (!read.ok) {
      this._reporter.warn('bad_resume_token', `resumeRun: ${read.reason}; a new run started`);
      const run = this.startRun({
        name: 'run',
        ...(options.startTime !== undefined ? { startTime: options.startTime } : {}),
      });
      try {
        run.span.addEvent('exception', {
          'exception.type': 'WorkbenchResumeError',
          'exception.message': `resume token refused: ${read.reason}`,
        });
      } catch (err) {
        this._reporter.error('internal_error', 'resumeRun() failed inside instrumentation', err);
      }
      return run;
    }
    return this._resume(read.token, options);
  }

  /**
   * Resumes a suspended run and runs `fn` in it, as {@link Workbench.run} does: the run span is
   * active in `fn`, and the run ends when `fn` settles, unless `fn` suspended it again.
   *
   * @example
   * await wb.resume(token, async (run) => run.step('publish', publish));
   */
  resume<T>(
    token: string,
    fn: (run: WorkbenchRun) => T | Promise<T>,
    options: ResumeRunOptions = {},
  ): Promise<T> {
    return inScope(this.resumeRun(token, options), fn);
  }

  private _resume(token: ResumeTokenData, options: ResumeRunOptions): WorkbenchRun {
    const state = this._newState(token.workflow);
    state.artifacts.seed(token.artifacts);
    for (const gateId of token.openGates) state.openGates.add(gateId);
    try {
      const startTime = optionalTime(options.startTime, 'resumeRun', this._reporter);
      const span = startSpan(
        this._config.tracer,
        `run ${token.name}`,
        {
          ...(startTime !== undefined ? { startTime } : {}),
          attributes: {
            ...extraAttributes(options.attributes, 'resumeRun', this._reporter),
            [ATTR_RUN_ID]: token.runId,
            [ATTR_RUN_NAME]: token.name,
            [ATTR_RUN_SEGMENT]: token.segment,
          },
          links: [
            {
              context: {
                traceId: token.previous.traceId,
                spanId: token.previous.spanId,
                traceFlags: 1,
                isRemote: true,
              },
              attributes: { [ATTR_LINK_KIND]: LINK_KIND_PREVIOUS_SEGMENT },
            },
          ],
          // A new trace: the segment is not a child of whatever the resuming code runs under.
          root: true,
        },
        ROOT_CONTEXT,
        this._reporter,
      );
      return new WorkbenchRun(span, state, token.runId, token.name, token.segment);
    } catch (err) {
      this._reporter.error('internal_error', 'resumeRun() failed inside instrumentation', err);
      return new WorkbenchRun(nonRecordingSpan(), state, token.runId, token.name, token.segment);
    }
  }

  private _newState(workflow: RunState['workflow']): RunState {
    return {
      config: this._config,
      reporter: this._reporter,
      artifacts: new ArtifactStore({
        diffMaxBytes: this._config.artifactDiffMaxBytes,
        cacheMaxBytes: this._config.artifactCacheMaxBytes,
      }),
      ended: false,
      openGates: new Set(),
      workflow,
    };
  }

  /**
   * Runs `fn` in a new run: the run span is active in `fn` (so steps and any spans started there
   * are its children), ends when `fn` settles, and on a throw records the error (status error, an
   * `exception` event) and rethrows it unchanged. Resolves to what `fn` returned.
   *
   * @example
   * const summary = await wb.run({ name: 'newsletter', workflow }, async (run) => {
   *   return run.step('draft', { kind: 'llm' }, (step) => draft(step));
   * });
   */
  run<T>(options: StartRunOptions, fn: (run: WorkbenchRun) => T | Promise<T>): Promise<T> {
    return inScope(this.startRun(options), fn);
  }

  private _runId(given: unknown): string {
    if (typeof given === 'string' && given !== '') return given;
    if (given !== undefined) {
      this._reporter.warn('bad_input', 'startRun: runId is not a non-empty string; one generated');
    }
    try {
      const id: unknown = this._config.generateRunId();
      if (typeof id === 'string' && id !== '') return id;
      this._reporter.warn('bad_run_id', 'generateRunId() returned no string; the default used');
    } catch (err) {
      this._reporter.error('bad_run_id', 'generateRunId() threw; the default used', err);
    }
    return generateRunId();
  }
}

/** The id and revision of a workflow option, for a resume token; null when not both strings. */
function workflowOf(workflow: unknown): RunState['workflow'] {
  if (typeof workflow !== 'object' || workflow === null) return null;
  const { id, revision } = workflow as Record<string, unknown>;
  return typeof id === 'string' && typeof revision === 'string' ? { id, revision } : null;
}

function logger(): DiagLogger {
  return diag.createComponentLogger({ namespace: INSTRUMENTATION_NAME });
}

function environment(): Environment {
  return typeof process === 'undefined' ? {} : process.env;
}
