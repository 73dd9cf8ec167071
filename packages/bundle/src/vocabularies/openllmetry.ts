import type { FieldReader, ToolTable, Vocabulary } from './vocabulary.js';
import { stepsByAttribute, toolsByAttribute, writeFields } from './write-fields.js';

const REQUEST_TYPE = 'llm.request.type';
// Maps, not object literals: a request type such as `constructor` must not find Object's members.
const OPERATIONS: ReadonlyMap<string, string> = new Map([
  ['chat', 'chat'],
  ['completion', 'text_completion'],
  ['embedding', 'embeddings'],
]);
const REQUEST_TYPES: ReadonlyMap<string, string> = new Map(
  [...OPERATIONS].map(([type, op]) => [op, type]),
);

function operation(r: FieldReader): string | null {
  const type = r.str(REQUEST_TYPE);
  return type === null ? null : (OPERATIONS.get(type) ?? null);
}

/** Recognition reads the raw value, so that a span it does not recognize leaves no diagnostic. */
function isModelCall(r: FieldReader): boolean {
  const type = r.raw(REQUEST_TYPE);
  return typeof type === 'string' && OPERATIONS.has(type);
}

const fields = {
  operation: [operation],
  cacheReadInputTokens: ['gen_ai.usage.cache_read_input_tokens'],
  cacheWriteInputTokens: ['gen_ai.usage.cache_creation_input_tokens'],
} satisfies Vocabulary['fields'];

const SPAN_KIND = 'traceloop.span.kind';

const toolFields = {
  toolName: ['traceloop.entity.name'],
} satisfies ToolTable['fields'];

/** `tool` spans of the Traceloop SDK's decorators, with `traceloop.entity.*`. */
const tool = toolsByAttribute(SPAN_KIND, 'tool', {
  fields: toolFields,
  arguments: [{ key: 'traceloop.entity.input' }],
  result: [{ key: 'traceloop.entity.output' }],
});

/**
 * Traceloop OpenLLMetry (`@traceloop/instrumentation-*`): `llm.request.type`, the older GenAI names
 * (read by the GenAI table) with its own cache names, and flattened content under
 * `gen_ai.prompt.N.*` and `gen_ai.completion.N.*`. The Traceloop SDK's decorators mark spans with
 * `traceloop.span.kind`: `tool` spans are tool calls; `workflow`, `task` and `agent` spans steps.
 */
export const OPENLLMETRY: Vocabulary = {
  name: 'openllmetry',
  isModelCall,
  fields,
  input: [{ prefix: 'gen_ai.prompt.' }],
  output: [{ prefix: 'gen_ai.completion.' }],
  write: (f) => {
    const out = writeFields(fields, f);
    // Read only when it names a known request type, so a receipt written back always has one.
    out[REQUEST_TYPE] =
      (f.operation !== null ? REQUEST_TYPES.get(f.operation) : undefined) ?? 'chat';
    return out;
  },
  tool,
  step: stepsByAttribute(
    SPAN_KIND,
    new Map([
      ['workflow', 'workflow'],
      ['task', 'task'],
      ['agent', 'agent'],
    ]),
  ),
};
