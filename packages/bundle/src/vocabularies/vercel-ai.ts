import type { FieldReader, ToolTable, Vocabulary } from './vocabulary.js';
import { toolsByAttribute, writeFields } from './write-fields.js';

const OPERATION_ID = 'ai.operationId';
/** The spans of the AI SDK that are one provider call; `ai.generateText` and the like wrap them. */
const CALL = /\.do(Generate|Stream|Embed)$/;

function operation(r: FieldReader): string | null {
  const id = r.str(OPERATION_ID);
  if (id === null) return null;
  const m = CALL.exec(id);
  if (m === null) return null;
  if (m[1] === 'Embed') return 'embeddings';
  return r.str('ai.model.provider')?.endsWith('.completion') === true ? 'text_completion' : 'chat';
}

/** Recognition reads the raw value, so that a span it does not recognize leaves no diagnostic. */
function isModelCall(r: FieldReader): boolean {
  const id = r.raw(OPERATION_ID);
  return typeof id === 'string' && CALL.test(id);
}

const fields = {
  provider: ['ai.model.provider'],
  model: ['ai.model.id'],
  responseModel: ['ai.response.model'],
  operation: [operation],
  inputTokens: ['ai.usage.inputTokens', 'ai.usage.promptTokens', 'ai.usage.tokens'],
  outputTokens: ['ai.usage.outputTokens', 'ai.usage.completionTokens'],
  cacheReadInputTokens: [
    'ai.usage.inputTokenDetails.cacheReadTokens',
    'ai.usage.cachedInputTokens',
  ],
  cacheWriteInputTokens: ['ai.usage.inputTokenDetails.cacheWriteTokens'],
  reasoningOutputTokens: [
    'ai.usage.outputTokenDetails.reasoningTokens',
    'ai.usage.reasoningTokens',
  ],
} satisfies Vocabulary['fields'];

const TOOL_CALL = 'ai.toolCall';

const toolFields = {
  toolName: ['ai.toolCall.name'],
  callId: ['ai.toolCall.id'],
} satisfies ToolTable['fields'];

/** `ai.toolCall` spans, one per tool the SDK ran in a tool loop. */
const tool = toolsByAttribute(OPERATION_ID, TOOL_CALL, {
  fields: toolFields,
  arguments: [{ key: 'ai.toolCall.args' }, { key: 'ai.toolCall.input' }],
  result: [{ key: 'ai.toolCall.result' }, { key: 'ai.toolCall.output' }],
});

/**
 * The Vercel AI SDK (`ai` with `experimental_telemetry`): its `ai.*.doGenerate`, `doStream` and
 * `doEmbed` spans are provider calls; their `ai.generateText`-style parents wrap one or more of
 * them (a tool loop makes several) and are not receipts. `ai.toolCall` spans are tool calls.
 */
export const VERCEL_AI: Vocabulary = {
  name: 'vercel_ai',
  isModelCall,
  fields,
  input: [{ key: 'ai.prompt.messages' }, { key: 'ai.prompt' }, { key: 'ai.values' }],
  output: [
    { key: 'ai.response.text' },
    { key: 'ai.response.toolCalls' },
    { key: 'ai.response.object' },
  ],
  write: (f) => {
    const out = writeFields(fields, f);
    out[OPERATION_ID] =
      f.operation === 'embeddings' ? 'ai.embed.doEmbed' : 'ai.generateText.doGenerate';
    return out;
  },
  tool,
};
