import type { Attributes, Context, HrTime, Tracer, TracerProvider } from '@opentelemetry/api';
import type { GateDecision } from '@llm-workbench/semconv';

/**
 * Options of {@link Workbench}. Every option is optional; precedence is code options, then the
 * environment (read once, when the workbench is constructed), then the defaults documented here.
 *
 * @example
 * const wb = new Workbench({ tracerProvider: provider, captureContent: true });
 */
export interface WorkbenchOptions {
  /**
   * The tracer to record on. Takes precedence over `tracerProvider`.
   * @default a tracer named `@llm-workbench/instrumentation` from `tracerProvider`
   */
  tracer?: Tracer;
  /**
   * The provider to get a tracer from, when no `tracer` is given.
   * @default the global provider, `trace.getTracerProvider()`
   */
  tracerProvider?: TracerProvider;
  /**
   * Record prompt and response content (`workbench.model_io.input` / `.output`) on model_io
   * events. Hashes are recorded either way. When unset, the environment variable
   * `WORKBENCH_CAPTURE_CONTENT` decides (`true` or `false`, case-insensitive).
   * @default false
   */
  captureContent?: boolean;
  /**
   * Record text artifact content (`workbench.artifact.content`) inline when it fits
   * `INLINE_LIMIT_BYTES`. Artifacts are the workflow's own outputs, so this is on by default,
   * unlike prompt capture.
   * @default true
   */
  inlineArtifactContent?: boolean;
  /**
   * Largest text artifact, in UTF-8 bytes, kept in memory to diff its next version against.
   * Larger versions get no patch. `0` turns patches off.
   * @default 65536
   */
  artifactDiffMaxBytes?: number;
  /**
   * Cap, in UTF-8 bytes, on the artifact contents one run keeps for diffing, across all its keys.
   * The least recently recorded contents are dropped first; their next versions get no patch.
   * @default 4194304 (4 MiB)
   */
  artifactCacheMaxBytes?: number;
  /**
   * Makes a run id when `startRun` is given none.
   * @default `run-YYYYMMDD-HHMMSS-` (UTC) followed by 12 random hex digits
   */
  generateRunId?: () => string;
  /**
   * Prices a model call at record time, when the caller gave no `cost`: what it returns is
   * recorded as `workbench.model_io.cost.amount` / `.currency`, a reported cost like one the
   * caller gave. `null` or `undefined` records no cost. It must be synchronous and should be
   * cheap; if it throws or returns something that is not a cost, no cost is recorded and that is
   * reported through diag, never thrown. `@llm-workbench/pricing` exports one built on
   * `@pydantic/genai-prices`: `genaiPricesPricer`.
   * @default none: only costs the caller gives are recorded
   */
  price?: ModelPricer;
  /**
   * How workbench events (gates, model calls, artifacts, the workflow snapshot) are recorded:
   * `'span'` as span events, or `'log'` as Logs API records with an `eventName`, correlated to
   * the span that is recording them (OTEP 4430, which deprecates the Span Event API). With
   * `'log'`, give `loggerProvider` (or `logger`) and export its records beside the spans: the
   * bundle folds them back into their spans, to the same `integrity.sha256`. Span events stay the
   * default because trace backends such as Jaeger and Tempo keep only traces.
   * @default 'span'
   */
  events?: 'span' | 'log';
  /**
   * The logger to emit event records on, with `events: 'log'`. Takes precedence over
   * `loggerProvider`.
   * @default a logger named `@llm-workbench/instrumentation` from `loggerProvider`
   */
  logger?: EventLogger;
  /**
   * The provider to get a logger from, with `events: 'log'`: an `@opentelemetry/sdk-logs`
   * `LoggerProvider` (or the one `logs.getLoggerProvider()` of `@opentelemetry/api-logs` returns
   * once you set it global). Required with `events: 'log'` when no `logger` is given.
   * @default none
   */
  loggerProvider?: EventLoggerProvider;
}

/**
 * The one record shape {@link EventLogger} is given: a subset of `@opentelemetry/api-logs`'
 * `LogRecord`, so that a Logs API logger fits without this package importing the Logs API.
 *
 * @example
 * const record: EventLogRecord = { eventName: 'workbench.artifact', attributes: {}, context: context.active() };
 */
export interface EventLogRecord {
  eventName: string;
  timestamp?: HrTime | Date;
  attributes: Attributes;
  context: Context;
}

/**
 * What `events: 'log'` needs of a Logs API `Logger` (`@opentelemetry/api-logs` 0.223.x on OTel
 * JS 2.x; the Logs API of `@opentelemetry/api` 1.10 on 3.x).
 *
 * @example
 * const logger: EventLogger = loggerProvider.getLogger('my-app');
 */
export interface EventLogger {
  emit(record: EventLogRecord): void;
}

/**
 * What `events: 'log'` needs of a Logs API `LoggerProvider`.
 *
 * @example
 * const provider: EventLoggerProvider = new LoggerProvider({ processors: [processor] });
 */
export interface EventLoggerProvider {
  getLogger(name: string, version?: string): EventLogger;
}

/**
 * What a {@link ModelPricer} is given: the call's model and usage as about to be recorded, and
 * when it was made.
 *
 * @example
 * const call: ModelPriceRequest = { provider: 'openai', model: 'gpt-4o', inputTokens: 812, outputTokens: 164, time: new Date() };
 */
export interface ModelPriceRequest extends Pick<
  ModelIo,
  | 'provider'
  | 'model'
  | 'responseModel'
  | 'inputTokens'
  | 'outputTokens'
  | 'cacheReadInputTokens'
  | 'cacheWriteInputTokens'
  | 'reasoningOutputTokens'
> {
  /** The event's time (the call's `time`, or now). */
  time: Date;
}

/**
 * Prices one model call for {@link WorkbenchOptions.price}: a cost, or `null` / `undefined` for
 * none.
 *
 * @example
 * const flat: ModelPricer = (call) => ({ amount: call.inputTokens * 1e-6, currency: 'USD' });
 */
export type ModelPricer = (call: ModelPriceRequest) => ModelCost | null | undefined;

/**
 * An event time: a `Date`, milliseconds since the Unix epoch (never a `performance.now()` value),
 * or an OpenTelemetry `HrTime` (`[seconds, nanoseconds]` since the epoch).
 *
 * @example
 * const decidedAt: EventTime = new Date('2026-11-26T10:10:42.123Z');
 */
export type EventTime = Date | number | HrTime;

/**
 * The workflow a run executes, frozen on the run span as a `workbench.workflow.snapshot` event.
 *
 * @example
 * const workflow: WorkflowInfo = {
 *   id: 'newsletter',
 *   revision: '2026-11-20.3',
 *   definition: { nodes: [{ id: 'draft' }], edges: [] },
 * };
 */
export interface WorkflowInfo {
  /** Workflow id. */
  id: string;
  /** Workflow revision. */
  revision: string;
  /**
   * The DAG: any JSON-serializable object, typically `{ nodes, edges, gates }`. Recorded as
   * `JSON.stringify(definition)`, split into parts above `INLINE_LIMIT_BYTES`.
   */
  definition: object;
}

/**
 * Options of {@link Workbench.startRun} and {@link Workbench.run}.
 *
 * @example
 * wb.startRun({ name: 'weekly-newsletter', workflow });
 */
export interface StartRunOptions {
  /** Human name of the run; also names its span, `run {name}`. */
  name: string;
  /** Run id. @default generated by `WorkbenchOptions.generateRunId` */
  runId?: string;
  /** The workflow to snapshot on the run span. @default none: no snapshot event */
  workflow?: WorkflowInfo;
  /** Extra attributes for the run span. */
  attributes?: Attributes;
  /**
   * When the run started, for runs recorded after the fact or on a simulated clock; the workflow
   * snapshot is stamped with it too. @default now
   */
  startTime?: EventTime;
}

/**
 * Options of {@link Workbench.resumeRun}.
 *
 * @example
 * wb.resumeRun(token, { attributes: { 'app.worker': 'b' } });
 */
export interface ResumeRunOptions {
  /** Extra attributes for the resumed segment's run span. */
  attributes?: Attributes;
  /** When the segment started, for runs recorded after the fact. @default now */
  startTime?: EventTime;
}

/**
 * Kind of a step; the usual ones are listed, any string is accepted.
 *
 * @example
 * const kind: StepKind = 'human';
 */
export type StepKind = 'llm' | 'tool' | 'human' | 'task' | (string & {});

/**
 * Options of `step` and `startStep`.
 *
 * @example
 * run.startStep('review', { kind: 'human' });
 */
export interface StepOptions {
  /** Kind of step, recorded as `workbench.step.kind`. @default none */
  kind?: StepKind;
  /** Extra attributes for the step span. */
  attributes?: Attributes;
  /** When the step started, for steps recorded after the fact. @default now */
  startTime?: EventTime;
}

/**
 * A human gate reached: recorded as a `workbench.gate.requested` event.
 *
 * @example
 * step.requestGate({ gateId: 'review', policy: 'one-editor', subject: { artifactKey: 'draft.md', artifactVersion: 1 } });
 */
export interface GateRequest {
  /** Gate id, unique within the run. */
  gateId: string;
  /** Policy that governs the gate. */
  policy?: string;
  /** What the gate decides on: an artifact version, a tool call, or both. */
  subject?: GateSubject;
  /** When the gate was reached. @default now */
  time?: EventTime;
}

/**
 * What a gate decides on: an artifact version (`artifactKey` and `artifactVersion` together), a
 * tool call (`tool`, as framework approvals give it), or both.
 *
 * @example
 * const subject: GateSubject = { tool: { name: 'send_email', callId: 'call_1', arguments: '{"to":"a@b.c"}' } };
 */
export type GateSubject =
  | { artifactKey: string; artifactVersion: number; tool?: GateToolSubject }
  | { tool: GateToolSubject };

/**
 * The tool call a gate decides on. The arguments text is always hashed
 * (`workbench.gate.subject.tool.arguments.sha256`) and held inline only when content capture is on
 * and it fits `INLINE_LIMIT_BYTES`, as prompts are.
 *
 * @example
 * const tool: GateToolSubject = { name: 'send_email', callId: 'call_1', arguments: '{"to":"a@b.c"}' };
 */
export interface GateToolSubject {
  /** Tool name. */
  name: string;
  /** The framework's id of the call. */
  callId?: string;
  /** The call's arguments as the framework holds them: JSON text. */
  arguments?: string;
}

/**
 * A human gate decided: recorded as a `workbench.gate.resolved` event stamped with the decision
 * time.
 *
 * @example
 * step.resolveGate({ gateId: 'review', decision: 'approved', actor: 'editor@example.com' });
 */
export interface GateResolution {
  /** Gate id, as requested. */
  gateId: string;
  /** One of `GATE_DECISIONS`. Another value is recorded as given, with a diag warning. */
  decision: GateDecision;
  /** Who decided. */
  actor: string;
  /** Why. */
  reason?: string;
  /** When the decision was made. @default now */
  time?: EventTime;
}

/**
 * The cost of one model call.
 *
 * @example
 * const cost: ModelCost = { amount: 0.0042, currency: 'USD' };
 */
export interface ModelCost {
  /** Amount, in `currency`. */
  amount: number;
  /** ISO 4217 currency code. */
  currency: string;
}

/**
 * A receipt for one model call: recorded as a `workbench.model_io` event.
 *
 * @example
 * step.recordModelIo({
 *   provider: 'openai', model: 'gpt-4o', inputTokens: 812, outputTokens: 164, durationMs: 2310,
 *   input: prompt, output: answer,
 * });
 */
export interface ModelIo {
  /** `gen_ai.operation.name`. @default 'chat' */
  operation?: string;
  /** `gen_ai.provider.name`. */
  provider: string;
  /** `gen_ai.request.model`. */
  model: string;
  /** `gen_ai.response.model`. */
  responseModel?: string;
  /** `gen_ai.usage.input_tokens`. */
  inputTokens: number;
  /** `gen_ai.usage.output_tokens`. */
  outputTokens: number;
  /** `gen_ai.usage.cache_read.input_tokens`. */
  cacheReadInputTokens?: number;
  /** `gen_ai.usage.cache_write.input_tokens`: input tokens written to the provider's cache. */
  cacheWriteInputTokens?: number;
  /**
   * The older name of {@link ModelIo.cacheWriteInputTokens}, still accepted (written under the
   * current attribute name).
   * @deprecated Use `cacheWriteInputTokens`.
   */
  cacheCreationInputTokens?: number;
  /** `gen_ai.usage.reasoning.output_tokens`. */
  reasoningOutputTokens?: number;
  /** How long the call took, in milliseconds. */
  durationMs: number;
  /** What the call cost. */
  cost?: ModelCost;
  /** The prompt: always hashed; held inline only when content capture is on and it fits. */
  input?: string;
  /** The response: always hashed; held inline only when content capture is on and it fits. */
  output?: string;
  /** When the call finished. @default now */
  time?: EventTime;
}

/**
 * What `modelCall` needs before the call.
 *
 * @example
 * const request: ModelCallRequest = { provider: 'openai', model: 'gpt-4o', input: prompt };
 */
export type ModelCallRequest = Pick<ModelIo, 'operation' | 'provider' | 'model' | 'input'>;

/**
 * What the function given to `modelCall` returns; it may return more, which `modelCall` hands back.
 *
 * @example
 * const result: ModelCallResult = { output: 'Hello', inputTokens: 12, outputTokens: 3 };
 */
export type ModelCallResult = Pick<
  ModelIo,
  | 'output'
  | 'responseModel'
  | 'inputTokens'
  | 'outputTokens'
  | 'cacheReadInputTokens'
  | 'cacheWriteInputTokens'
  | 'cacheCreationInputTokens'
  | 'reasoningOutputTokens'
  | 'cost'
>;

/**
 * A keyed, versioned step output: recorded as a `workbench.artifact` event.
 *
 * @example
 * step.recordArtifact({ key: 'draft.md', content: '# Draft\n', mediaType: 'text/markdown' });
 */
export interface ArtifactInput {
  /** Key, stable across versions. Any string; keys are data, never paths. */
  key: string;
  /** The content: text (recorded as UTF-8) or bytes. */
  content: string | Uint8Array;
  /** Media type, e.g. `text/markdown`. Text and JSON types get inline content and patches. */
  mediaType: string;
  /**
   * The version this one derives from; `null` for none.
   * @default the previous version of the same key in this run, if any
   */
  parentVersion?: number | null;
  /** When the artifact was produced. @default now */
  time?: EventTime;
}

/**
 * What `recordArtifact` recorded.
 *
 * @example
 * const ref = step.recordArtifact({ key: 'draft.md', content, mediaType: 'text/markdown' });
 * if (ref) step.requestGate({ gateId: 'review', subject: { artifactKey: ref.key, artifactVersion: ref.version } });
 */
export interface ArtifactRef {
  /** The key. */
  key: string;
  /** The version given to this content: 1, 2, 3… per key within the run. */
  version: number;
  /** sha256, lowercase hex, of the content bytes. */
  sha256: string;
  /** Size of the content in bytes. */
  size: number;
}
