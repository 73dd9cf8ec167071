import type { FieldReader, ToolTable, Vocabulary } from './vocabulary.js';
import { stepsByAttribute, toolsByAttribute, writeFields } from './write-fields.js';

const SPAN_KIND = 'openinference.span.kind';
const INVOCATION_PARAMETERS = 'llm.invocation_parameters';
const MODEL_NAME = 'llm.model_name';
// Maps, not object literals: a span kind such as `constructor` must not find Object's members.
const OPERATIONS: ReadonlyMap<string, string> = new Map([
  ['LLM', 'chat'],
  ['EMBEDDING', 'embeddings'],
]);

/**
 * LangChain's run metadata, which `@arizeai/openinference-instrumentation-langchain` puts as JSON
 * in `metadata`: `ls_provider` names the provider and `ls_model_name` the model asked for.
 */
const METADATA = 'metadata';

/** A string member of the JSON object an attribute holds; null when absent or not JSON. */
function jsonMember(text: string | null, member: string): string | null {
  if (text === null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const value = (parsed as Record<string, unknown>)[member];
      return typeof value === 'string' ? value : null;
    }
  } catch {
    // Not JSON: the field is then read from the other names.
  }
  return null;
}

/** `metadata` read raw: it is free-form, and a span without LangChain's keys is no error. */
function langChainMetadata(r: FieldReader, member: string): string | null {
  const text = r.raw(METADATA);
  return typeof text === 'string' ? jsonMember(text, member) : null;
}

/** The request model, from the JSON of `llm.invocation_parameters` (`{"model": ...}`). */
function invocationModel(r: FieldReader): string | null {
  return jsonMember(r.str(INVOCATION_PARAMETERS), 'model');
}

/** LangChain's spans carry no `llm.provider`: the provider is LangChain's `ls_provider`. */
function langChainProvider(r: FieldReader): string | null {
  return langChainMetadata(r, 'ls_provider');
}

function langChainModel(r: FieldReader): string | null {
  return langChainMetadata(r, 'ls_model_name');
}

/**
 * `llm.model_name` is the model that answered (the OpenAI instrumentation sets it from the
 * response), except on LangChain's spans: there it is copied from the invocation parameters, the
 * model asked for, and the span does not say which model answered.
 */
function responseModel(r: FieldReader): string | null {
  if (langChainProvider(r) !== null || langChainModel(r) !== null) return null;
  return r.str(MODEL_NAME);
}

function operation(r: FieldReader): string | null {
  const kind = r.str(SPAN_KIND);
  return kind === null ? null : (OPERATIONS.get(kind) ?? null);
}

/** Recognition reads the raw value, so that a span it does not recognize leaves no diagnostic. */
function isModelCall(r: FieldReader): boolean {
  const kind = r.raw(SPAN_KIND);
  return typeof kind === 'string' && OPERATIONS.has(kind);
}

const fields = {
  provider: ['llm.provider', 'llm.system', langChainProvider],
  model: [invocationModel, 'embedding.model_name', langChainModel],
  responseModel: [responseModel],
  operation: [operation],
  inputTokens: ['llm.token_count.prompt'],
  outputTokens: ['llm.token_count.completion'],
  cacheReadInputTokens: ['llm.token_count.prompt_details.cache_read'],
  cacheWriteInputTokens: ['llm.token_count.prompt_details.cache_write'],
  reasoningOutputTokens: ['llm.token_count.completion_details.reasoning'],
  audioInputTokens: ['llm.token_count.prompt_details.audio'],
  audioOutputTokens: ['llm.token_count.completion_details.audio'],
} satisfies Vocabulary['fields'];

const toolFields = {
  toolName: ['tool.name'],
  // `tool_call.id` names the model's call; `tool.id` is OpenInference's name for the same id on
  // the tool's own span.
  callId: ['tool_call.id', 'tool.id'],
} satisfies ToolTable['fields'];

/** `TOOL` spans: `tool.name`, their arguments in `input.value` and their result in `output.value`. */
const tool = toolsByAttribute(SPAN_KIND, 'TOOL', {
  fields: toolFields,
  arguments: [{ key: 'input.value' }],
  result: [{ key: 'output.value' }],
});

/**
 * Arize OpenInference (`@arizeai/openinference-*`): spans of kind `LLM` (operation `chat`) and
 * `EMBEDDING` (operation `embeddings`), with `llm.*` and `embedding.*` attributes; `TOOL` spans
 * are tool calls, `AGENT` and `CHAIN` spans steps.
 */
export const OPENINFERENCE: Vocabulary = {
  name: 'openinference',
  isModelCall,
  fields,
  input: [{ key: 'input.value' }, { prefix: 'llm.input_messages.' }],
  output: [{ key: 'output.value' }, { prefix: 'llm.output_messages.' }],
  write: (f) => {
    const out = writeFields(fields, f);
    out[SPAN_KIND] = f.operation === 'embeddings' ? 'EMBEDDING' : 'LLM';
    if (f.model !== null) out[INVOCATION_PARAMETERS] = JSON.stringify({ model: f.model });
    if (f.responseModel !== null) out[MODEL_NAME] = f.responseModel;
    return out;
  },
  tool,
  step: stepsByAttribute(
    SPAN_KIND,
    new Map([
      ['AGENT', 'agent'],
      ['CHAIN', 'chain'],
    ]),
  ),
};
