import type { FieldReader, Vocabulary } from './vocabulary.js';
import { writeFields } from './write-fields.js';

const REQUEST_TYPE = 'llm.request.type';
const OPERATIONS: Readonly<Record<string, string>> = {
  chat: 'chat',
  completion: 'text_completion',
  embedding: 'embeddings',
};
const REQUEST_TYPES: Readonly<Record<string, string>> = {
  chat: 'chat',
  text_completion: 'completion',
  embeddings: 'embedding',
};

function operation(r: FieldReader): string | null {
  const type = r.str(REQUEST_TYPE);
  return type === null ? null : (OPERATIONS[type] ?? null);
}

const fields = {
  operation: [operation],
  cacheReadInputTokens: ['gen_ai.usage.cache_read_input_tokens'],
  cacheWriteInputTokens: ['gen_ai.usage.cache_creation_input_tokens'],
} satisfies Vocabulary['fields'];

/**
 * Traceloop OpenLLMetry (`@traceloop/instrumentation-*`): `llm.request.type`, the older GenAI names
 * (read by the GenAI table) with its own cache names, and flattened content under
 * `gen_ai.prompt.N.*` and `gen_ai.completion.N.*`.
 */
export const OPENLLMETRY: Vocabulary = {
  name: 'openllmetry',
  isModelCall: (r) => operation(r) !== null,
  fields,
  input: [{ prefix: 'gen_ai.prompt.' }],
  output: [{ prefix: 'gen_ai.completion.' }],
  write: (f) => {
    const out = writeFields(fields, f);
    // Read only when it names a known request type, so a receipt written back always has one.
    out[REQUEST_TYPE] = (f.operation !== null ? REQUEST_TYPES[f.operation] : undefined) ?? 'chat';
    return out;
  },
};
