/**
 * The LLM Workbench wire contract. Every name here is fixed: add names, rename none.
 * Documented attribute by attribute, with types and requirement levels, in this package's README.
 */

// ---- Span attributes ----------------------------------------------------------------------

/** Run id on the run's root span (string, required on the run span). @example "run-2026-11-26-001" */
export const ATTR_RUN_ID = 'workbench.run.id';
/** Human name of the run (string, recommended on the run span). @example "weekly-newsletter" */
export const ATTR_RUN_NAME = 'workbench.run.name';
/**
 * Segment number of a run that spans several traces (int, from 1; on the run span of every
 * segment of a run that was ever suspended or resumed, absent on a run that is one trace).
 * The fold orders segments by this number, never by links, which some backends drop.
 * @example 2
 */
export const ATTR_RUN_SEGMENT = 'workbench.run.segment';
/**
 * How a segment ended (string, on the run span with {@link ATTR_RUN_SEGMENT}): `suspended` (the
 * process paused the run; more segments follow) or `ended` (the run ended in this segment; the
 * span's status is the run's). One of {@link RUN_SEGMENT_STATES}. @example "suspended"
 */
export const ATTR_RUN_SEGMENT_STATE = 'workbench.run.segment.state';
/** The states a segment of a run ends in. */
export const RUN_SEGMENT_STATES = ['suspended', 'ended'] as const;
/** A segment's state. */
export type RunSegmentState = (typeof RUN_SEGMENT_STATES)[number];
/** Workflow node id a step span executes (string, required on step spans). @example "draft" */
export const ATTR_STEP_ID = 'workbench.step.id';
/** Kind of step (string, recommended on step spans). @example "llm" | "tool" | "human" | "task" */
export const ATTR_STEP_KIND = 'workbench.step.kind';

// ---- Span link attributes -----------------------------------------------------------------

/**
 * What a span link means (string, on the link). The run span of segment N>1 links to the run span
 * of segment N−1 with {@link LINK_KIND_PREVIOUS_SEGMENT}. @example "previous_segment"
 */
export const ATTR_LINK_KIND = 'workbench.link.kind';
/** Link kind: the linked span is the run span of the previous segment of the same run. */
export const LINK_KIND_PREVIOUS_SEGMENT = 'previous_segment';

// ---- Event names ----------------------------------------------------------------------------

/** The frozen workflow DAG of the run, on the run span. */
export const EVENT_WORKFLOW_SNAPSHOT = 'workbench.workflow.snapshot';
/** A human gate was reached and a decision requested. */
export const EVENT_GATE_REQUESTED = 'workbench.gate.requested';
/** A human gate was resolved; the event's timestamp is the decision time. */
export const EVENT_GATE_RESOLVED = 'workbench.gate.resolved';
/** A receipt for one model call. */
export const EVENT_MODEL_IO = 'workbench.model_io';
/** A keyed, versioned step output. */
export const EVENT_ARTIFACT = 'workbench.artifact';
/** Prefix shared by every workbench event name; unknown names under it are kept and flagged. */
export const EVENT_PREFIX = 'workbench.';

// ---- workbench.workflow.snapshot ------------------------------------------------------------

/** Workflow id (string, required). @example "newsletter" */
export const ATTR_WORKFLOW_ID = 'workbench.workflow.id';
/** Workflow revision (string, required). @example "2026-11-20.3" */
export const ATTR_WORKFLOW_REVISION = 'workbench.workflow.revision';
/** JSON text of the DAG: nodes, edges, gate placements (string, required unless split into parts). */
export const ATTR_WORKFLOW_DEFINITION = 'workbench.workflow.definition';
/**
 * Number of parts a long definition was split into (int). When set, the definition is the
 * concatenation of `workbench.workflow.definition.part.0` … `.part.{n-1}`, each at most
 * {@link INLINE_LIMIT_BYTES} bytes, so that no backend's attribute limit truncates it.
 */
export const ATTR_WORKFLOW_DEFINITION_PARTS = 'workbench.workflow.definition.parts';
/** Prefix of the definition parts; the part index follows. @example "workbench.workflow.definition.part.0" */
export const ATTR_WORKFLOW_DEFINITION_PART_PREFIX = 'workbench.workflow.definition.part.';
/** sha256 (lowercase hex) of the RFC 8785 form of the definition (string, recommended). */
export const ATTR_WORKFLOW_DEFINITION_SHA256 = 'workbench.workflow.definition.sha256';

// ---- workbench.gate.* -----------------------------------------------------------------------

/** Gate id, unique within the run (string, required). @example "review" */
export const ATTR_GATE_ID = 'workbench.gate.id';
/** Policy that governs the gate (string, optional). @example "one-editor" */
export const ATTR_GATE_POLICY = 'workbench.gate.policy';
/** Key of the artifact the gate decides on (string, optional). */
export const ATTR_GATE_SUBJECT_ARTIFACT_KEY = 'workbench.gate.subject.artifact.key';
/** Version of the artifact the gate decides on (int, optional). */
export const ATTR_GATE_SUBJECT_ARTIFACT_VERSION = 'workbench.gate.subject.artifact.version';
/**
 * Name of the tool whose call the gate decides on (string, optional): a tool approval of an agent
 * framework. @example "send_email"
 */
export const ATTR_GATE_SUBJECT_TOOL_NAME = 'workbench.gate.subject.tool.name';
/** Id of the tool call the gate decides on, as the framework gave it (string, optional). */
export const ATTR_GATE_SUBJECT_TOOL_CALL_ID = 'workbench.gate.subject.tool.call_id';
/**
 * sha256 (lowercase hex) of the UTF-8 bytes of the tool call's arguments text, as the framework
 * holds it (its JSON text) (string, recommended with a tool subject; always recorded).
 */
export const ATTR_GATE_SUBJECT_TOOL_ARGUMENTS_SHA256 =
  'workbench.gate.subject.tool.arguments.sha256';
/** The tool call's arguments text (string, only when content capture is enabled). */
export const ATTR_GATE_SUBJECT_TOOL_ARGUMENTS = 'workbench.gate.subject.tool.arguments';
/** Decision (string, required on resolved). One of {@link GATE_DECISIONS}. */
export const ATTR_GATE_DECISION = 'workbench.gate.decision';
/** Who decided (string, required on resolved). @example "editor@example.com" */
export const ATTR_GATE_ACTOR = 'workbench.gate.actor';
/** Why (string, optional). */
export const ATTR_GATE_REASON = 'workbench.gate.reason';

/** The decisions a gate can resolve with. */
export const GATE_DECISIONS = ['approved', 'rejected', 'changes_requested', 'timed_out'] as const;
/** A gate decision. */
export type GateDecision = (typeof GATE_DECISIONS)[number];

// ---- workbench.model_io (plus the GenAI conventions) ---------------------------------------

/** Call duration in milliseconds (double, required). */
export const ATTR_MODEL_IO_DURATION_MS = 'workbench.model_io.duration_ms';
/** Cost of the call (double, recommended). */
export const ATTR_MODEL_IO_COST_AMOUNT = 'workbench.model_io.cost.amount';
/** ISO 4217 currency of the cost (string, recommended with the amount). @example "USD" */
export const ATTR_MODEL_IO_COST_CURRENCY = 'workbench.model_io.cost.currency';
/** sha256 (lowercase hex) of the UTF-8 prompt content (string, recommended; always recorded). */
export const ATTR_MODEL_IO_INPUT_SHA256 = 'workbench.model_io.input.sha256';
/** sha256 (lowercase hex) of the UTF-8 response content (string, recommended; always recorded). */
export const ATTR_MODEL_IO_OUTPUT_SHA256 = 'workbench.model_io.output.sha256';
/** Prompt content (string, only when content capture is enabled). */
export const ATTR_MODEL_IO_INPUT = 'workbench.model_io.input';
/** Response content (string, only when content capture is enabled). */
export const ATTR_MODEL_IO_OUTPUT = 'workbench.model_io.output';

// GenAI semantic conventions (development status upstream: copied here rather than imported
// from the incubating entry point, which may change between minor versions).

/** @example "chat" */
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
/** @example "openai" */
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
/** Deprecated predecessor of `gen_ai.provider.name`; still read. */
export const ATTR_GEN_AI_SYSTEM = 'gen_ai.system';
/** @example "gpt-4o" */
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
/** @example "gpt-4o-2024-08-06" */
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
/** int */
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
/** int */
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
/** Deprecated predecessor of `gen_ai.usage.input_tokens`; still read. */
export const ATTR_GEN_AI_USAGE_PROMPT_TOKENS = 'gen_ai.usage.prompt_tokens';
/** Deprecated predecessor of `gen_ai.usage.output_tokens`; still read. */
export const ATTR_GEN_AI_USAGE_COMPLETION_TOKENS = 'gen_ai.usage.completion_tokens';
/** int: input tokens served from the provider's cache. */
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
/** int: input tokens written to the provider's cache (current name). */
export const ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS = 'gen_ai.usage.cache_write.input_tokens';
/** Deprecated predecessor of `gen_ai.usage.cache_write.input_tokens`; still read. */
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS =
  'gen_ai.usage.cache_creation.input_tokens';
/** Reported cost of the call (double; proposed upstream). */
export const ATTR_GEN_AI_USAGE_COST_AMOUNT = 'gen_ai.usage.cost.amount';
/** Currency of `gen_ai.usage.cost.amount` (string; proposed upstream). @example "USD" */
export const ATTR_GEN_AI_USAGE_COST_CURRENCY = 'gen_ai.usage.cost.currency';
/** Chat history sent to the model (JSON string; opt-in content). */
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
/** Messages the model returned (JSON string; opt-in content). */
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
/** System instructions sent apart from the chat history (JSON string; opt-in content). */
export const ATTR_GEN_AI_SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions';
/** int: output tokens spent on reasoning. */
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';
/** int: text input tokens, when the provider breaks input down by modality. */
export const ATTR_GEN_AI_USAGE_TEXT_INPUT_TOKENS = 'gen_ai.usage.text.input_tokens';
/** int: image input tokens. */
export const ATTR_GEN_AI_USAGE_IMAGE_INPUT_TOKENS = 'gen_ai.usage.image.input_tokens';
/** int: audio input tokens. */
export const ATTR_GEN_AI_USAGE_AUDIO_INPUT_TOKENS = 'gen_ai.usage.audio.input_tokens';
/** int: text output tokens. */
export const ATTR_GEN_AI_USAGE_TEXT_OUTPUT_TOKENS = 'gen_ai.usage.text.output_tokens';
/** int: image output tokens. */
export const ATTR_GEN_AI_USAGE_IMAGE_OUTPUT_TOKENS = 'gen_ai.usage.image.output_tokens';
/** int: audio output tokens. */
export const ATTR_GEN_AI_USAGE_AUDIO_OUTPUT_TOKENS = 'gen_ai.usage.audio.output_tokens';
/** int: text input tokens served from the provider's cache. */
export const ATTR_GEN_AI_USAGE_TEXT_CACHE_READ_INPUT_TOKENS =
  'gen_ai.usage.text.cache_read.input_tokens';
/** int: image input tokens served from the provider's cache. */
export const ATTR_GEN_AI_USAGE_IMAGE_CACHE_READ_INPUT_TOKENS =
  'gen_ai.usage.image.cache_read.input_tokens';
/** int: audio input tokens served from the provider's cache. */
export const ATTR_GEN_AI_USAGE_AUDIO_CACHE_READ_INPUT_TOKENS =
  'gen_ai.usage.audio.cache_read.input_tokens';
/** Name of the tool an `execute_tool` span runs. @example "get_weather" */
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
/** Id of the tool call, as the model returned it. @example "call_mszuSIzqtI65i1wAUOE8w5H4" */
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
/** Type of the tool. @example "function" | "extension" | "datastore" */
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type';
/** Arguments passed to the tool (JSON string; opt-in content). */
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
/** Result the tool returned (JSON string; opt-in content). */
export const ATTR_GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';
/** Name of the agent an `invoke_agent` span runs. @example "Math Tutor" */
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';

// ---- Tool calls (replay) --------------------------------------------------------------------

/**
 * sha256 (lowercase hex) of a tool call's arguments, on a tool span written back by replay: the
 * commitment a bundle holds, since the arguments themselves are not in it (string, optional).
 */
export const ATTR_TOOL_CALL_ARGUMENTS_SHA256 = 'workbench.tool_call.arguments.sha256';
/** sha256 (lowercase hex) of a tool call's result, on a tool span written back by replay. */
export const ATTR_TOOL_CALL_RESULT_SHA256 = 'workbench.tool_call.result.sha256';

// ---- workbench.artifact ---------------------------------------------------------------------

/** Artifact key, stable across versions (string, required). @example "draft.md" */
export const ATTR_ARTIFACT_KEY = 'workbench.artifact.key';
/** Version, an integer from 1 (int, required). */
export const ATTR_ARTIFACT_VERSION = 'workbench.artifact.version';
/** sha256 (lowercase hex) of the content bytes (string, required). */
export const ATTR_ARTIFACT_SHA256 = 'workbench.artifact.sha256';
/** Media type of the content (string, required). @example "text/markdown" */
export const ATTR_ARTIFACT_MEDIA_TYPE = 'workbench.artifact.media_type';
/** Size of the content in bytes (int, required). */
export const ATTR_ARTIFACT_SIZE = 'workbench.artifact.size';
/** Version this one was derived from (int, optional). */
export const ATTR_ARTIFACT_PARENT_VERSION = 'workbench.artifact.parent_version';
/** The content, UTF-8 text, when it fits {@link INLINE_LIMIT_BYTES} (string, optional). */
export const ATTR_ARTIFACT_CONTENT = 'workbench.artifact.content';
/** Unified diff from the parent version, when it fits {@link INLINE_LIMIT_BYTES} (string, optional). */
export const ATTR_ARTIFACT_PATCH = 'workbench.artifact.patch';
/**
 * sha256 (lowercase hex) of the UTF-8 bytes of the patch (string, optional): the patch's
 * commitment, so that a bundle keeps it when the patch itself is redacted or lost.
 */
export const ATTR_ARTIFACT_PATCH_SHA256 = 'workbench.artifact.patch.sha256';

// ---- Resource ------------------------------------------------------------------------------

/** OpenTelemetry resource attribute naming the service. */
export const ATTR_SERVICE_NAME = 'service.name';

// ---- Limits that are part of the contract ---------------------------------------------------

/**
 * Largest string, in UTF-8 bytes, that a bundle holds inline (content, patches, unknown attribute
 * values). Longer strings are represented by their hash and size only. Chosen below Tempo's default
 * `max_attribute_bytes` (2048), so that a bundle folded from a default Tempo equals the in-process one.
 */
export const INLINE_LIMIT_BYTES = 2000;

/**
 * Longest identifier, in UTF-8 bytes, that a bundle keeps: run ids, step ids and kinds, gate ids,
 * policies, decisions and actors, artifact keys and media types, workflow ids and revisions, cost
 * currencies. A longer one is cut to its first {@link IDENTIFIER_LIMIT_BYTES} bytes (never inside
 * a character) and flagged with the diagnostic `identifier_truncated`. Run names, gate reasons,
 * span names and event names are cut the same way at {@link INLINE_LIMIT_BYTES}. Both limits lie
 * below Tempo's default `max_attribute_bytes` (2048), so a value Tempo truncated is cut to the
 * same bytes as the value sent whole.
 */
export const IDENTIFIER_LIMIT_BYTES = 256;

/** Environment variable that turns on prompt and response capture (`true` to enable). */
export const ENV_CAPTURE_CONTENT = 'WORKBENCH_CAPTURE_CONTENT';
