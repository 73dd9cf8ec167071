import type { FieldReader, Vocabulary } from './vocabulary.js';
import { writeFields } from './write-fields.js';

const SPAN_KIND = 'openinference.span.kind';
const INVOCATION_PARAMETERS = 'llm.invocation_parameters';
// Maps, not object literals: a span kind such as `constructor` must not find Object's members.
const OPERATIONS: ReadonlyMap<string, string> = new Map([
  ['LLM', 'chat'],
  ['EMBEDDING', 'embeddings'],
]);

/** The request model, from the JSON of `llm.invocation_parameters` (`{"model": ...}`). */
function invocationModel(r: FieldReader): string | null {
  const text = r.str(INVOCATION_PARAMETERS);
  if (text === null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const model = (parsed as Record<string, unknown>)['model'];
      return typeof model === 'string' ? model : null;
    }
  } catch {
    // Not JSON: the model is then read from the other names.
  }
  return null;
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
  provider: ['llm.provider', 'llm.system'],
  model: [invocationModel, 'embedding.model_name'],
  responseModel: ['llm.model_name'],
  operation: [operation],
  inputTokens: ['llm.token_count.prompt'],
  outputTokens: ['llm.token_count.completion'],
  cacheReadInputTokens: ['llm.token_count.prompt_details.cache_read'],
  cacheWriteInputTokens: ['llm.token_count.prompt_details.cache_write'],
  reasoningOutputTokens: ['llm.token_count.completion_details.reasoning'],
} satisfies Vocabulary['fields'];

/**
 * Arize OpenInference (`@arizeai/openinference-*`): spans of kind `LLM` (operation `chat`) and
 * `EMBEDDING` (operation `embeddings`), with `llm.*` and `embedding.*` attributes.
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
    return out;
  },
};
