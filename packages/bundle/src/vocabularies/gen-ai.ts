import * as sc from '@llm-workbench/semconv';
import type { FieldReader, ToolTable, Vocabulary } from './vocabulary.js';
import { stepsByAttribute, toolsByAttribute, writeFields } from './write-fields.js';

/** GenAI operations that are not model calls: their spans become tool calls or steps, not receipts. */
export const NON_MODEL_OPERATIONS: ReadonlySet<string> = new Set([
  'execute_tool',
  'invoke_agent',
  'create_agent',
  'invoke_workflow',
]);

/** Token counts under either generation of names mark a span as a model call. */
const USAGE_KEYS = [
  sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  sc.ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  sc.ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
];

/**
 * A GenAI span is a model call when its operation is not an agent or tool operation, or, with no
 * operation, when it counts tokens. Both generations of names answer alike, so that a span mixing
 * them is read by both tables.
 */
export function isGenAiModelCall(r: FieldReader): boolean {
  const op = r.raw(sc.ATTR_GEN_AI_OPERATION_NAME);
  if (op !== undefined && op !== null)
    return typeof op !== 'string' || !NON_MODEL_OPERATIONS.has(op);
  return USAGE_KEYS.some((k) => r.has(k));
}

// Current names first, their older spellings after: within one table, first found wins.
const fields = {
  provider: [sc.ATTR_GEN_AI_PROVIDER_NAME, sc.ATTR_GEN_AI_SYSTEM],
  model: [sc.ATTR_GEN_AI_REQUEST_MODEL],
  responseModel: [sc.ATTR_GEN_AI_RESPONSE_MODEL],
  operation: [sc.ATTR_GEN_AI_OPERATION_NAME],
  inputTokens: [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS, sc.ATTR_GEN_AI_USAGE_PROMPT_TOKENS],
  outputTokens: [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, sc.ATTR_GEN_AI_USAGE_COMPLETION_TOKENS],
  cacheReadInputTokens: [sc.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS],
  cacheWriteInputTokens: [
    sc.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
    sc.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ],
  reasoningOutputTokens: [sc.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS],
  textInputTokens: [sc.ATTR_GEN_AI_USAGE_TEXT_INPUT_TOKENS],
  imageInputTokens: [sc.ATTR_GEN_AI_USAGE_IMAGE_INPUT_TOKENS],
  audioInputTokens: [sc.ATTR_GEN_AI_USAGE_AUDIO_INPUT_TOKENS],
  textOutputTokens: [sc.ATTR_GEN_AI_USAGE_TEXT_OUTPUT_TOKENS],
  imageOutputTokens: [sc.ATTR_GEN_AI_USAGE_IMAGE_OUTPUT_TOKENS],
  audioOutputTokens: [sc.ATTR_GEN_AI_USAGE_AUDIO_OUTPUT_TOKENS],
  textCacheReadInputTokens: [sc.ATTR_GEN_AI_USAGE_TEXT_CACHE_READ_INPUT_TOKENS],
  imageCacheReadInputTokens: [sc.ATTR_GEN_AI_USAGE_IMAGE_CACHE_READ_INPUT_TOKENS],
  audioCacheReadInputTokens: [sc.ATTR_GEN_AI_USAGE_AUDIO_CACHE_READ_INPUT_TOKENS],
  costAmount: [sc.ATTR_GEN_AI_USAGE_COST_AMOUNT],
  costCurrency: [sc.ATTR_GEN_AI_USAGE_COST_CURRENCY],
} satisfies Vocabulary['fields'];

const EXECUTE_TOOL = 'execute_tool';

const toolFields = {
  toolName: [sc.ATTR_GEN_AI_TOOL_NAME],
  callId: [sc.ATTR_GEN_AI_TOOL_CALL_ID],
  toolType: [sc.ATTR_GEN_AI_TOOL_TYPE],
} satisfies ToolTable['fields'];

/** `execute_tool` spans, with `gen_ai.tool.*`. */
const tool = toolsByAttribute(sc.ATTR_GEN_AI_OPERATION_NAME, EXECUTE_TOOL, {
  fields: toolFields,
  arguments: [{ key: sc.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS }],
  result: [{ key: sc.ATTR_GEN_AI_TOOL_CALL_RESULT }],
});

/**
 * The GenAI semantic conventions (open-telemetry/semantic-conventions-genai), current names before
 * the older ones instrumentations still emit: `gen_ai.provider.name` over `gen_ai.system`,
 * `input_tokens` over `prompt_tokens`, `cache_write` over `cache_creation`; the proposed
 * `gen_ai.usage.cost.*`; and the content attributes `gen_ai.system_instructions`,
 * `gen_ai.input.messages` and `gen_ai.output.messages`. `execute_tool` spans are tool calls;
 * `invoke_agent` and `invoke_workflow` spans are steps.
 */
export const GEN_AI: Vocabulary = {
  name: 'gen_ai',
  isModelCall: isGenAiModelCall,
  fields,
  input: [{ key: sc.ATTR_GEN_AI_SYSTEM_INSTRUCTIONS }, { key: sc.ATTR_GEN_AI_INPUT_MESSAGES }],
  output: [{ key: sc.ATTR_GEN_AI_OUTPUT_MESSAGES }],
  write: (f) => writeFields(fields, f),
  tool,
  step: stepsByAttribute(
    sc.ATTR_GEN_AI_OPERATION_NAME,
    new Map([
      ['invoke_agent', 'agent'],
      ['invoke_workflow', 'workflow'],
    ]),
  ),
};
