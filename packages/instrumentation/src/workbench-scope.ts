import { context, trace, type HrTime, type Span } from '@opentelemetry/api';
import {
  ATTR_ARTIFACT_CONTENT,
  ATTR_ARTIFACT_KEY,
  ATTR_ARTIFACT_MEDIA_TYPE,
  ATTR_ARTIFACT_PARENT_VERSION,
  ATTR_ARTIFACT_PATCH,
  ATTR_ARTIFACT_PATCH_SHA256,
  ATTR_ARTIFACT_SHA256,
  ATTR_ARTIFACT_SIZE,
  ATTR_ARTIFACT_VERSION,
  ATTR_GATE_ACTOR,
  ATTR_GATE_DECISION,
  ATTR_GATE_ID,
  ATTR_GATE_POLICY,
  ATTR_GATE_REASON,
  ATTR_GATE_SUBJECT_ARTIFACT_KEY,
  ATTR_GATE_SUBJECT_ARTIFACT_VERSION,
  ATTR_GATE_SUBJECT_TOOL_ARGUMENTS,
  ATTR_GATE_SUBJECT_TOOL_ARGUMENTS_SHA256,
  ATTR_GATE_SUBJECT_TOOL_CALL_ID,
  ATTR_GATE_SUBJECT_TOOL_NAME,
  ATTR_STEP_ID,
  ATTR_STEP_KIND,
  EVENT_ARTIFACT,
  EVENT_GATE_REQUESTED,
  EVENT_GATE_RESOLVED,
  EVENT_MODEL_IO,
  GATE_DECISIONS,
  INLINE_LIMIT_BYTES,
} from '@llm-workbench/semconv';
import { AttributeBuilder } from './attribute-builder.js';
import { emitEvent } from './emit-event.js';
import { extraAttributes } from './extra-attributes.js';
import { inScope } from './in-scope.js';
import type { RunState } from './internal-types.js';
import { isTextMediaType } from './is-text-media-type.js';
import { modelIoAttributes } from './model-io-attributes.js';
import { priceModelIo } from './price-model-io.js';
import { recordError } from './record-error.js';
import { MAX_TOKEN_ENTRIES } from './resume-token.js';
import { sha256Hex } from './sha256-hex.js';
import { nonRecordingSpan, startSpan } from './start-span.js';
import { optionalTime, toHrTime } from './to-hr-time.js';
import { toWellFormed } from './to-well-formed.js';
import type {
  ArtifactInput,
  ArtifactRef,
  EventTime,
  GateRequest,
  GateResolution,
  ModelCallRequest,
  ModelCallResult,
  ModelIo,
  StepOptions,
} from './types.js';
import type { WorkbenchStep } from './workbench-step.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * What a run and a step have in common: a span, and the events recorded on it (gates, model
 * calls, artifacts) and child steps. No method throws into the caller; what is wrong is reported
 * through the `@llm-workbench/instrumentation` diag logger, and the callback forms rethrow only
 * the caller's own errors.
 *
 * @example
 * async function review(scope: WorkbenchScope) {
 *   scope.requestGate({ gateId: 'review' });
 * }
 */
export abstract class WorkbenchScope {
  private _ended = false;

  /** @internal Constructed by `Workbench`, never by callers. */
  constructor(
    /** The underlying span, for attributes and events of your own. */
    readonly span: Span,
    /** @internal */
    protected readonly _state: RunState,
  ) {}

  /** Whether `end()` or `fail()` was called. */
  get ended(): boolean {
    return this._ended;
  }

  /**
   * Starts a child step. End it with `end()` or `fail()`; or use {@link WorkbenchScope.step},
   * which does that for you.
   *
   * @example
   * const step = run.startStep('draft', { kind: 'llm' });
   * try { ... } finally { step.end(); }
   */
  abstract startStep(stepId: string, options?: StepOptions): WorkbenchStep;

  /**
   * Runs `fn` in a child step: the step span is active in `fn` (so spans started there are its
   * children, where a context manager is registered), ends when `fn` settles, and on a throw
   * records the error (status error, `exception` event) and rethrows it unchanged.
   *
   * @example
   * const text = await run.step('draft', { kind: 'llm' }, async (step) => callModel(step));
   */
  step<T>(stepId: string, fn: (step: WorkbenchStep) => T | Promise<T>): Promise<T>;
  step<T>(
    stepId: string,
    options: StepOptions,
    fn: (step: WorkbenchStep) => T | Promise<T>,
  ): Promise<T>;
  step<T>(
    stepId: string,
    optionsOrFn: StepOptions | ((step: WorkbenchStep) => T | Promise<T>),
    maybeFn?: (step: WorkbenchStep) => T | Promise<T>,
  ): Promise<T> {
    const options = typeof optionsOrFn === 'function' ? {} : optionsOrFn;
    const fn = typeof optionsOrFn === 'function' ? optionsOrFn : maybeFn;
    return inScope(this.startStep(stepId, options), fn as (step: WorkbenchStep) => T | Promise<T>);
  }

  /**
   * Records that a human gate was reached: a `workbench.gate.requested` event.
   *
   * @example
   * step.requestGate({ gateId: 'review', policy: 'one-editor', subject: { artifactKey: 'draft.md', artifactVersion: 1 } });
   */
  requestGate(request: GateRequest): void {
    this._safely('requestGate', undefined, () => {
      if (!this._isObject('requestGate', request)) return;
      const b = new AttributeBuilder();
      b.string(ATTR_GATE_ID, request.gateId, 'gateId', true);
      b.string(ATTR_GATE_POLICY, request.policy, 'policy');
      const subject: unknown = request.subject;
      if (subject !== undefined) {
        const s = (typeof subject === 'object' && subject !== null ? subject : {}) as Record<
          string,
          unknown
        >;
        // A subject with only a tool is a tool approval; any other subject names an artifact.
        const toolOnly = s['tool'] !== undefined && !('artifactKey' in s || 'artifactVersion' in s);
        if (!toolOnly) {
          b.string(ATTR_GATE_SUBJECT_ARTIFACT_KEY, s['artifactKey'], 'subject.artifactKey', true);
          b.positive(
            ATTR_GATE_SUBJECT_ARTIFACT_VERSION,
            s['artifactVersion'],
            'subject.artifactVersion',
            true,
          );
        }
        if (s['tool'] !== undefined) this._toolSubject(b, s['tool']);
      }
      if (this._addEvent(EVENT_GATE_REQUESTED, b, request.time)) this._gateOpened(request.gateId);
    });
  }

  /** Keeps a requested gate's id among the run's open gates, for a resume token. */
  private _gateOpened(gateId: unknown): void {
    if (typeof gateId !== 'string' || gateId === '') return;
    const open = this._state.openGates;
    open.delete(gateId); // requested again: it moves to the end, in request order
    if (open.size >= MAX_TOKEN_ENTRIES) {
      this._state.reporter.warn(
        'too_many_open_gates',
        `more than ${MAX_TOKEN_ENTRIES} gates are open; a resume token lists the first ones only`,
      );
      return;
    }
    open.add(gateId);
  }

  private _toolSubject(b: AttributeBuilder, tool: unknown): void {
    if (typeof tool !== 'object' || tool === null) {
      b.issues.push(`subject.tool is not an object (${tool === null ? 'null' : typeof tool})`);
      return;
    }
    const t = tool as Record<string, unknown>;
    b.string(ATTR_GATE_SUBJECT_TOOL_NAME, t['name'], 'subject.tool.name', true);
    b.string(ATTR_GATE_SUBJECT_TOOL_CALL_ID, t['callId'], 'subject.tool.callId');
    const args = t['arguments'];
    if (args === undefined) return;
    if (typeof args !== 'string') {
      b.issues.push(`subject.tool.arguments is not a string (${typeof args})`);
      return;
    }
    // Hashed always, like prompts; held as text only with capture on and within the inline limit.
    b.set(ATTR_GATE_SUBJECT_TOOL_ARGUMENTS_SHA256, sha256Hex(args));
    if (this._state.config.captureContent && Buffer.byteLength(args, 'utf8') <= INLINE_LIMIT_BYTES)
      b.set(ATTR_GATE_SUBJECT_TOOL_ARGUMENTS, toWellFormed(args));
  }

  /**
   * Records a gate decision: a `workbench.gate.resolved` event stamped with the decision time
   * (`time`, default now). A decision outside `GATE_DECISIONS` is recorded as given and reported.
   *
   * @example
   * step.resolveGate({ gateId: 'review', decision: 'approved', actor: 'editor@example.com', reason: 'LGTM' });
   */
  resolveGate(resolution: GateResolution): void {
    this._safely('resolveGate', undefined, () => {
      if (!this._isObject('resolveGate', resolution)) return;
      const b = new AttributeBuilder();
      b.string(ATTR_GATE_ID, resolution.gateId, 'gateId', true);
      b.string(ATTR_GATE_DECISION, resolution.decision, 'decision', true);
      if (
        typeof resolution.decision === 'string' &&
        !(GATE_DECISIONS as readonly string[]).includes(resolution.decision)
      ) {
        b.issues.push(
          `decision ${JSON.stringify(resolution.decision)} is not one of ${GATE_DECISIONS.join(', ')}; recorded as given`,
        );
      }
      b.string(ATTR_GATE_ACTOR, resolution.actor, 'actor', true);
      b.string(ATTR_GATE_REASON, resolution.reason, 'reason');
      if (this._addEvent(EVENT_GATE_RESOLVED, b, resolution.time)) {
        if (typeof resolution.gateId === 'string') this._state.openGates.delete(resolution.gateId);
      }
    });
  }

  /**
   * Records a receipt for one model call: a `workbench.model_io` event with the GenAI usage
   * attributes, duration, cost, and the sha256 of prompt and response. Their text is included
   * only with content capture on, and only when it fits INLINE_LIMIT_BYTES. Without a `cost`,
   * the `price` option (when set) is asked for one.
   *
   * @example
   * step.recordModelIo({ provider: 'openai', model: 'gpt-4o', inputTokens: 812, outputTokens: 164, durationMs: 2310 });
   */
  recordModelIo(io: ModelIo): void {
    this._safely('recordModelIo', undefined, () => {
      // Hashing is the costly part: skip it for spans that record nothing (sampled out).
      if (!this._isObject('recordModelIo', io) || (!this._ended && !this._recording())) return;
      const { price } = this._state.config;
      const cost =
        io.cost === undefined && price !== null
          ? priceModelIo(io, price, this._state.reporter)
          : undefined;
      const { attributes, issues } = modelIoAttributes(
        cost === undefined ? io : { ...io, cost },
        this._state.config.captureContent,
      );
      const b = new AttributeBuilder();
      Object.assign(b.attributes, attributes);
      b.issues.push(...issues);
      this._addEvent(EVENT_MODEL_IO, b, io.time);
    });
  }

  /**
   * Times a model call and records its receipt when it returns (not when it throws: the error
   * propagates unchanged, and a surrounding `step()` records it). `call` runs with this scope's
   * span active, so spans it starts (an HTTP client's, say) are its children. Returns what `call`
   * returned.
   *
   * @example
   * const res = await step.modelCall({ provider: 'openai', model: 'gpt-4o', input: prompt }, async () => {
   *   const r = await client.chat(prompt);
   *   return { output: r.text, inputTokens: r.usage.input, outputTokens: r.usage.output };
   * });
   */
  async modelCall<R extends ModelCallResult>(
    request: ModelCallRequest,
    call: () => R | Promise<R>,
  ): Promise<R> {
    const started = performance.now();
    const result = await context.with(trace.setSpan(context.active(), this.span), call);
    const durationMs = performance.now() - started;
    this._safely('modelCall', undefined, () => {
      if (typeof result !== 'object' || result === null) {
        this._state.reporter.warn(
          'bad_input',
          'modelCall: call returned no result object; not recorded',
        );
        return;
      }
      this.recordModelIo({ ...request, ...pickModelCallResult(result), durationMs });
    });
    return result;
  }

  /**
   * Records a keyed, versioned output: a `workbench.artifact` event. Versions count 1, 2, 3… per
   * key within the run. Text content (text and JSON media types, valid UTF-8) is held inline when
   * it fits INLINE_LIMIT_BYTES (unless `inlineArtifactContent` is off), with a unified diff from
   * the parent version when that fits too. Returns what was recorded, or `undefined` when nothing
   * was (invalid input, or the run or this scope already ended).
   *
   * @example
   * const ref = step.recordArtifact({ key: 'draft.md', content: '# Draft\n', mediaType: 'text/markdown' });
   */
  recordArtifact(artifact: ArtifactInput): ArtifactRef | undefined {
    return this._safely('recordArtifact', undefined, () =>
      this._isObject('recordArtifact', artifact) ? this._recordArtifact(artifact) : undefined,
    );
  }

  /**
   * Ends the span, now or at `time` (for steps recorded after the fact). Calling it again does
   * nothing.
   *
   * @example
   * step.end();
   */
  end(time?: EventTime): void {
    this._safely('end', undefined, () => {
      if (this._ended) return;
      this._ended = true;
      this.span.end(optionalTime(time, 'end', this._state.reporter));
    });
  }

  /**
   * Records an error on the span (status error and an `exception` event), then ends it. Does
   * nothing once the span has ended.
   *
   * @example
   * try { await work(); step.end(); } catch (err) { step.fail(err); throw err; }
   */
  fail(error: unknown): void {
    this._safely('fail', undefined, () => {
      if (this._ended) return;
      recordError(this.span, error);
    });
    this.end();
  }

  /** @internal Starts a child span of this scope's span. */
  protected _startChildSpan(stepId: string, options: StepOptions | undefined): Span {
    return this._safely('startStep', nonRecordingSpan(), () => {
      const b = new AttributeBuilder();
      b.string(ATTR_STEP_ID, stepId, 'stepId', true);
      b.string(ATTR_STEP_KIND, options?.kind, 'kind');
      this._reportIssues('startStep', b.issues);
      const name = typeof stepId === 'string' && stepId !== '' ? `step ${stepId}` : 'step';
      const attributes = {
        ...extraAttributes(options?.attributes, 'startStep', this._state.reporter),
        ...b.attributes,
      };
      const startTime = optionalTime(options?.startTime, 'startStep', this._state.reporter);
      return startSpan(
        this._state.config.tracer,
        name,
        { attributes, ...(startTime !== undefined ? { startTime } : {}) },
        trace.setSpan(context.active(), this.span),
        this._state.reporter,
      );
    });
  }

  /** @internal Runs `body`, reporting instead of throwing; returns `fallback` on a throw. */
  protected _safely<T>(what: string, fallback: T, body: () => T): T {
    try {
      return body();
    } catch (err) {
      this._state.reporter.error('internal_error', `${what}() failed inside instrumentation`, err);
      return fallback;
    }
  }

  private _recordArtifact(artifact: ArtifactInput): ArtifactRef | undefined {
    const { key, content, mediaType } = artifact;
    const problems: string[] = [];
    if (typeof key !== 'string' || key === '') problems.push('key is not a non-empty string');
    if (typeof content !== 'string' && !(content instanceof Uint8Array)) {
      problems.push('content is neither a string nor a Uint8Array');
    }
    if (typeof mediaType !== 'string' || mediaType === '') {
      problems.push('mediaType is not a non-empty string');
    }
    if (this._state.ended) problems.push('the run has ended');
    else if (this._ended) problems.push('this step has ended');
    if (problems.length > 0) {
      this._state.reporter.warn(
        'artifact_dropped',
        `recordArtifact: ${problems.join('; ')}; not recorded`,
      );
      return undefined;
    }

    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const text = isTextMediaType(mediaType) ? decodeText(content) : undefined;
    const sha256 = sha256Hex(bytes);
    const size = bytes.byteLength;
    const recording = this._recording();
    const b = new AttributeBuilder();
    let parentVersion = artifact.parentVersion;
    if (parentVersion != null && !(Number.isSafeInteger(parentVersion) && parentVersion >= 1)) {
      b.issues.push('parentVersion is not a positive integer or null; the previous version used');
      parentVersion = undefined;
    }
    const stored = this._state.artifacts.add(key, text, size, parentVersion, recording);
    if (!recording) return { key, version: stored.version, sha256, size };

    b.set(ATTR_ARTIFACT_KEY, key);
    b.set(ATTR_ARTIFACT_VERSION, stored.version);
    b.set(ATTR_ARTIFACT_SHA256, sha256);
    b.set(ATTR_ARTIFACT_MEDIA_TYPE, mediaType);
    b.set(ATTR_ARTIFACT_SIZE, size);
    if (stored.parentVersion !== null) {
      if (stored.parentVersion >= stored.version) {
        b.issues.push(
          `parentVersion ${stored.parentVersion} is not an earlier version; recorded as given`,
        );
      }
      b.set(ATTR_ARTIFACT_PARENT_VERSION, stored.parentVersion);
    }
    if (
      text !== undefined &&
      this._state.config.inlineArtifactContent &&
      size <= INLINE_LIMIT_BYTES
    ) {
      b.set(ATTR_ARTIFACT_CONTENT, text);
    }
    if (stored.patch !== undefined) {
      b.set(ATTR_ARTIFACT_PATCH, stored.patch);
      // The commitment travels with the patch, so a bundle keeps it when the patch is redacted.
      b.set(ATTR_ARTIFACT_PATCH_SHA256, sha256Hex(Buffer.from(stored.patch, 'utf8')));
    }
    this._addEvent(EVENT_ARTIFACT, b, artifact.time);
    return { key, version: stored.version, sha256, size };
  }

  /** Whether an argument is an object, as the types promise but plain JavaScript may not keep. */
  private _isObject(what: string, value: unknown): value is object {
    if (typeof value === 'object' && value !== null) return true;
    this._state.reporter.warn('bad_input', `${what}: expected an object, got ${String(value)}`);
    return false;
  }

  private _recording(): boolean {
    try {
      return this.span.isRecording();
    } catch {
      return false;
    }
  }

  /** Records an event on the span; false when it could not (the span had ended). */
  private _addEvent(name: string, b: AttributeBuilder, time: EventTime | undefined): boolean {
    let hrTime: HrTime | undefined;
    if (time !== undefined) {
      hrTime = toHrTime(time);
      if (hrTime === undefined)
        b.issues.push('time is not a valid Date, epoch milliseconds or HrTime; now used');
    }
    this._reportIssues(name, b.issues);
    if (this._ended) {
      this._state.reporter.warn('event_after_end', `${name}: the span has ended; not recorded`);
      return false;
    }
    emitEvent(this._state.config, this._state.reporter, this.span, name, b.attributes, hrTime);
    return true;
  }

  private _reportIssues(what: string, issues: readonly string[]): void {
    if (issues.length > 0) this._state.reporter.warn('bad_input', `${what}: ${issues.join('; ')}`);
  }
}

function decodeText(content: string | Uint8Array): string | undefined {
  if (typeof content === 'string') return toWellFormed(content);
  try {
    return UTF8.decode(content);
  } catch {
    return undefined;
  }
}

function pickModelCallResult(result: ModelCallResult): ModelCallResult {
  const picked: ModelCallResult = {
    inputTokens: result.inputTokens,
    outputTokens: result.outputTokens,
  };
  if (result.output !== undefined) picked.output = result.output;
  if (result.responseModel !== undefined) picked.responseModel = result.responseModel;
  if (result.cacheReadInputTokens !== undefined)
    picked.cacheReadInputTokens = result.cacheReadInputTokens;
  if (result.cacheWriteInputTokens !== undefined) {
    picked.cacheWriteInputTokens = result.cacheWriteInputTokens;
  }
  if (result.cacheCreationInputTokens !== undefined) {
    picked.cacheCreationInputTokens = result.cacheCreationInputTokens;
  }
  if (result.reasoningOutputTokens !== undefined)
    picked.reasoningOutputTokens = result.reasoningOutputTokens;
  if (result.cost !== undefined) picked.cost = result.cost;
  return picked;
}
