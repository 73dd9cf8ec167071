/**
 * The run bundle, version 3 (versions 1 and 2 are still read: see `upgradeBundle`). Field names
 * are part of the public contract.
 *
 * Version 3 seals commitments, not content: `integrity.sha256` hashes the bundle with every inline
 * content (model input and output, tool arguments and result, artifact content and patch) set to
 * null, and each inline content sits beside its sha256. So content can be redacted (see
 * `redactBundle`) or lost without changing the hash; `verifyBundle` checks what is present.
 *
 * Times are RFC 3339 UTC strings with exactly six fractional digits (microseconds), e.g.
 * `2026-11-26T10:10:42.123456Z`: exact, sortable as text, and no finer than what every backend
 * keeps (Jaeger's classic storages keep microseconds). Durations are milliseconds derived from
 * microsecond-truncated times, so they are the same whichever way a trace travelled.
 */

/** A JSON value as it may appear in a bundle. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The current bundle schema version. */
export const BUNDLE_SCHEMA_VERSION = 3;

export interface BundleIntegrity {
  canonicalization: 'RFC8785';
  algorithm: 'sha256';
  /**
   * sha256, lowercase hex, of the RFC 8785 form of the bundle's integrity view: without its
   * `integrity` and `redactions` members and with every inline content set to null (version 3;
   * versions 1 and 2 hashed everything but `integrity`).
   */
  sha256: string;
}

export interface BundleStatus {
  code: 'unset' | 'ok' | 'error';
  message: string | null;
}

export interface WorkflowSnapshot {
  id: string | null;
  revision: string | null;
  /** sha256 of the RFC 8785 form of the parsed definition; null when it did not parse. */
  sha256: string | null;
  /** The parsed DAG (nodes, edges, gates); null when missing or not valid JSON. */
  definition: JsonValue | null;
}

export interface BundleRun {
  /** The run's trace id; for a run in segments, segment 1's (it names the bundle's file). */
  traceId: string;
  /** `workbench.run.id`, or null for a trace with no run span (standard GenAI spans only). */
  runId: string | null;
  name: string;
  /** `service.name` of the run span's resource. */
  service: string | null;
  rootSpanId: string | null;
  startTime: string | null;
  endTime: string | null;
  durationMs: number | null;
  status: BundleStatus;
  /**
   * False when the trace was folded before all its spans arrived, or has missing parents; for a
   * run in segments also when a segment is missing or the last one did not end the run.
   */
  complete: boolean;
  workflowSnapshot: WorkflowSnapshot | null;
  /** Number of distinct spans folded. */
  spanCount: number;
  /**
   * The segments of a run that spans traces (it was suspended and resumed), by segment number
   * then trace id; absent for a run that is one trace. Version 3 only.
   */
  segments?: BundleSegment[];
}

/** One trace of a run that spans traces, as the bundle lists it in `run.segments`. */
export interface BundleSegment {
  /** `workbench.run.segment`, from 1. */
  segment: number;
  traceId: string;
  /** The span id of the segment's run span. */
  runSpanId: string;
  /** `suspended` (more segments follow), `ended` (the run ended here), or null when unset. */
  state: 'suspended' | 'ended' | null;
  /** The segment's run span's start and end. */
  startTime: string | null;
  endTime: string | null;
}

export interface BundleStep {
  /**
   * `workbench.step.id`; for a step read from another vocabulary (an agent span of a run with no
   * workbench steps), its span id.
   */
  stepId: string;
  /** `workbench.step.kind`, or for an agent span `agent`, `workflow`, `chain` or `task`. */
  kind: string | null;
  name: string;
  spanId: string;
  parentSpanId: string | null;
  /** The nearest enclosing step, if any. */
  parentStepId: string | null;
  startTime: string | null;
  endTime: string | null;
  durationMs: number | null;
  status: BundleStatus;
  /**
   * What made the span a step: `workbench` for `workbench.step.id`, else the vocabularies that
   * name it an agent, workflow, chain or task span, in precedence order.
   */
  vocabularies: ReceiptVocabulary[];
  /** Present (true) when the step's span arrived in versions that differ: see `disputes`. */
  disputed?: true;
}

/** An omitted string: too large to hold inline, or lost by a backend. */
export interface OmittedContent {
  omitted: 'over_inline_limit' | 'hash_mismatch' | 'not_captured';
  /** UTF-8 byte size where known. */
  size: number | null;
}

export interface ContentRef {
  /** sha256 of the content's UTF-8 bytes: its commitment, set whenever `content` is. */
  sha256: string | null;
  /**
   * Inline content, when captured and within the inline limit; null when redacted (listed in the
   * bundle's `redactions`). Outside the hash: its commitment is `sha256`.
   */
  content: string | null;
  omitted: OmittedContent['omitted'] | null;
}

export interface ModelUsage {
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadInputTokens: number | null;
  /** Input tokens written to the provider's cache (`cacheCreationInputTokens` in version 1). */
  cacheWriteInputTokens: number | null;
  reasoningOutputTokens: number | null;
  /**
   * The counts broken down by modality, as the span reported them (`gen_ai.usage.audio.input_tokens`
   * and the like): parts of the totals above, not added to them. Present only when a span
   * reported one, with each modality that it reported (version 2 bundles folded before these were
   * read have none).
   */
  modalities?: ModalityUsages;
}

/** Per-modality usage: a member per modality a span reported counts for. */
export type ModalityUsages = { [modality in 'audio' | 'image' | 'text']?: ModalityUsage };

/** One modality's share of a call's usage. */
export interface ModalityUsage {
  cacheReadInputTokens: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
}

/**
 * The vocabulary a receipt was read from: `workbench` for a `workbench.model_io` event, else the
 * tables of `@llm-workbench/bundle`'s vocabularies (see the semconv README for every name read).
 */
export type ReceiptVocabulary =
  'workbench' | 'gen_ai' | 'openinference' | 'vercel_ai' | 'openllmetry';

export interface ModelCost {
  amount: number;
  currency: string | null;
}

/**
 * Another span that describes the call a receipt records: an instrumentation's span around the
 * SDK's own (`wrapper`), or a span around several calls (`aggregate`).
 */
export interface ReceiptSource {
  spanId: string;
  /**
   * `wrapper`: it describes the same one call, and its values fill what the receipt's (innermost)
   * span lacks. `aggregate`: it encloses several calls, and none of its values is taken.
   */
  role: 'wrapper' | 'aggregate';
  vocabularies: ReceiptVocabulary[];
  /**
   * Values of a wrapper that differ from the receipt's, by receipt field (`provider` raw,
   * `model` as requested, `inputTokens`, `cost`, `input`, `status`, ...): the innermost span's
   * values are the receipt's, and a conflict stays in view.
   */
  disagreements: { [field: string]: JsonValue };
}

export interface ModelIoReceipt {
  /** Where the receipt came from: a `workbench.model_io` event, or a standard GenAI span. */
  source: 'event' | 'span';
  time: string | null;
  operation: string | null;
  /** The provider as the GenAI conventions name it (`openai` for `openai.chat`). */
  provider: string | null;
  /** The provider exactly as the span or event gave it. */
  providerRaw: string | null;
  model: string | null;
  responseModel: string | null;
  usage: ModelUsage;
  durationMs: number | null;
  cost: ModelCost | null;
  stepId: string | null;
  spanId: string;
  input: ContentRef;
  output: ContentRef;
  /** The span's status for a span receipt (the first set one along its sources); null for an event. */
  status: BundleStatus | null;
  /**
   * The other spans that describe this call, nearest first: one API call is one receipt, however
   * many instrumentations wrapped it. Empty for an event, and for a span no other call span
   * encloses.
   */
  sources: ReceiptSource[];
  /**
   * The vocabularies the receipt was read in, in precedence order: `workbench` for an event, else
   * every vocabulary that recognizes the span as a model call.
   */
  vocabularies: ReceiptVocabulary[];
  /**
   * Present (true) when the receipt's span, or one of its sources, arrived in versions that
   * differ: see `disputes`.
   */
  disputed?: true;
}

export interface BundleArtifact {
  key: string;
  version: number | null;
  /** sha256 of the content bytes (`workbench.artifact.sha256`): the content's commitment. */
  sha256: string | null;
  mediaType: string | null;
  size: number | null;
  parentVersion: number | null;
  /**
   * Inline text content, held only beside a valid `sha256` it matches. Null when absent, not
   * held (see `omitted`) or redacted.
   */
  content: string | null;
  /** Unified diff from the parent version; its commitment is `patchSha256`. Null when absent or redacted. */
  patch: string | null;
  /**
   * sha256 of the patch's UTF-8 bytes: `workbench.artifact.patch.sha256`, else of the patch held,
   * else null (version 3; null in bundles upgraded from versions 1 and 2).
   */
  patchSha256: string | null;
  /** Why content or patch is absent although the event named them. */
  omitted: { content: OmittedContent['omitted'] | null; patch: OmittedContent['omitted'] | null };
  stepId: string | null;
  spanId: string;
  time: string | null;
  /** Present (true) when the artifact's span arrived in versions that differ: see `disputes`. */
  disputed?: true;
}

/** Attribute values as held in a bundle: bigints as decimal strings, bytes as `{ bytesBase64 }`. */
export type BundleAttributes = { [key: string]: JsonValue };

interface EventBase {
  time: string | null;
  spanId: string;
  stepId: string | null;
  /** Present (true) when the event's span arrived in versions that differ: see `disputes`. */
  disputed?: true;
}

export interface WorkflowSnapshotEvent extends EventBase {
  type: 'workflow_snapshot';
  workflowId: string | null;
  revision: string | null;
  sha256: string | null;
}

export interface GateRequestedEvent extends EventBase {
  type: 'human_gate_requested';
  gateId: string | null;
  policy: string | null;
  subject: GateSubject | null;
}

/**
 * What a gate decides on: an artifact version, and (bundle version 3, present only when the event
 * names one) the tool call of a framework's tool approval. The arguments are committed to by
 * their sha256, never held.
 */
export interface GateSubject {
  artifactKey: string | null;
  artifactVersion: number | null;
  tool?: { name: string | null; callId: string | null; argumentsSha256: string | null };
}

export interface GateResolvedEvent extends EventBase {
  type: 'human_gate_resolved';
  gateId: string | null;
  decision: string | null;
  actor: string | null;
  reason: string | null;
}

export interface ModelIoEvent extends EventBase {
  type: 'model_io';
  provider: string | null;
  model: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  durationMs: number | null;
}

export interface ArtifactEvent extends EventBase {
  type: 'artifact';
  key: string | null;
  version: number | null;
  sha256: string | null;
}

export interface StepStartedEvent extends EventBase {
  type: 'step_started';
  name: string;
  kind: string | null;
}

export interface StepEndedEvent extends EventBase {
  type: 'step_ended';
  name: string;
  status: BundleStatus;
}

/**
 * One tool call: an `execute_tool`, `ai.toolCall`, OpenInference `TOOL` or Traceloop `tool` span.
 * Its time is the span's start; the arguments and the result are held as commitments only.
 */
export interface ToolCallEvent extends EventBase {
  type: 'tool_call';
  toolName: string | null;
  /** The id the model gave the call, which ties it to the model's response. */
  callId: string | null;
  toolType: string | null;
  durationMs: number | null;
  status: BundleStatus;
  arguments: ContentRef;
  result: ContentRef;
  /** The vocabularies that name the span a tool call, in precedence order. */
  vocabularies: ReceiptVocabulary[];
}

/** An event the fold does not interpret: kept with its name and attributes. */
export interface UnknownEvent extends EventBase {
  type: 'unknown';
  name: string;
  attributes: BundleAttributes;
}

export type BundleEvent =
  | WorkflowSnapshotEvent
  | GateRequestedEvent
  | GateResolvedEvent
  | ModelIoEvent
  | ArtifactEvent
  | StepStartedEvent
  | StepEndedEvent
  | ToolCallEvent
  | UnknownEvent;

/** Something odd the fold found and recorded instead of throwing. */
export interface BundleDiagnostic {
  code: string;
  message: string;
  spanId: string | null;
  /** The event name or attribute the diagnostic is about, where there is one. */
  subject: string | null;
  /**
   * The event whose attribute `subject` is, as it arrived (version 3; attribute diagnostics
   * `wrong_type`, `out_of_range`, `non_finite`, `missing_field`, `over_inline_limit` and
   * `identifier_truncated` on an event). Absent for a span's own attribute.
   */
  event?: string;
  /** The type the attribute should have had (version 3; `wrong_type`). */
  expected?: 'string' | 'integer' | 'number';
  /**
   * What the value was (version 3): its kind for `wrong_type` (`string`, `number`, `boolean`,
   * `bigint`, `bytes`, `array`, `object`), the value for `non_finite` (`NaN`, `Infinity`,
   * `-Infinity`).
   */
  got?: string;
  /** The parent the span names that is not in the trace (version 3; `missing_parent`). */
  parentSpanId?: string;
  /**
   * How many spans there were (version 3; `multiple_run_spans`, `multiple_roots`), or were
   * dropped at a door's span cap (`spans_dropped`).
   */
  count?: number;
  /** The door's span cap: how many spans of a trace it keeps (version 3; `spans_dropped`). */
  limit?: number;
}

/**
 * One span id that arrived in versions that differ in what the fold reads. The bundle is folded
 * from one of them, chosen by a rule that does not ask which is right (the version whose values
 * at `paths` sort first); every member folded from that span says `disputed: true`, and this
 * entry keeps the differing values of every version, so that the conflict stays in view.
 *
 * Paths are RFC 6901 pointers into the span as the fold reads it: `/name`, `/parentSpanId`,
 * `/startTime`, `/endTime` (bundle times), `/status/code`, `/status/message`, `/scope/name`,
 * `/resource/service.name`, `/attributes/KEY`, `/events/I/name`, `/events/I/time` and
 * `/events/I/attributes/KEY`, where I counts the span's events in time order (ties by position). Values are written as event attributes are (see `UnknownEvent`),
 * except content (prompts, responses, tool arguments and results, artifact content and patches),
 * which stands as `{ "sha256": HEX }` of its UTF-8 bytes, so that disputes never hold content
 * that redaction could not remove.
 */
export interface SpanDispute {
  spanId: string;
  /** The pointers where the versions differ, sorted; at most `MAX_DISPUTE_PATHS`. */
  paths: string[];
  /** How many further differing pointers were not listed. */
  pathsOmitted: number;
  /**
   * Each version's values at `paths` (a path the version lacks is absent), the version the bundle
   * was folded from first, then the others in the order of their RFC 8785 form; at most
   * `MAX_DISPUTE_VARIANTS`.
   */
  variants: Array<{ [path: string]: JsonValue }>;
  /** How many further versions were not listed. */
  variantsOmitted: number;
}

/** The kinds of inline content, as `redactBundle` removes them and `redactions` lists them. */
export type RedactionKind =
  | 'model_input'
  | 'model_output'
  | 'tool_arguments'
  | 'tool_result'
  | 'artifact_content'
  | 'artifact_patch';

/** One redacted content member: its JSON pointer (e.g. `/model_io/0/input/content`) and kind. */
export interface Redaction {
  path: string;
  kind: RedactionKind;
}

/** A run bundle without its integrity member, as the fold produces it. */
export interface UnsealedRunBundle {
  schemaVersion: typeof BUNDLE_SCHEMA_VERSION;
  run: BundleRun;
  steps: BundleStep[];
  events: BundleEvent[];
  model_io: ModelIoReceipt[];
  artifacts: BundleArtifact[];
  diagnostics: BundleDiagnostic[];
  /**
   * Span ids that arrived in versions that differ, sorted by span id (version 3). Absent when
   * there are none.
   */
  disputes?: SpanDispute[];
}

/** A sealed run bundle. */
export interface RunBundle extends UnsealedRunBundle {
  integrity: BundleIntegrity;
  /**
   * The content members redacted since sealing, sorted by path; outside the hash. Absent when
   * nothing was redacted (the fold never writes it).
   */
  redactions?: Redaction[];
}
