import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_MODEL_IO_COST_AMOUNT,
  ATTR_MODEL_IO_COST_CURRENCY,
  ATTR_MODEL_IO_DURATION_MS,
  ATTR_MODEL_IO_INPUT,
  ATTR_MODEL_IO_INPUT_SHA256,
  ATTR_MODEL_IO_OUTPUT,
  ATTR_MODEL_IO_OUTPUT_SHA256,
  INLINE_LIMIT_BYTES,
} from '@llm-workbench/semconv';
import { AttributeBuilder } from './attribute-builder.js';
import { sha256Hex } from './sha256-hex.js';
import { toWellFormed } from './to-well-formed.js';
import type { ModelIo } from './types.js';

/** `gen_ai.operation.name` when the caller names none. */
export const DEFAULT_OPERATION = 'chat';

/**
 * The attributes of a `workbench.model_io` event, and what was wrong with the input. Prompt and
 * response are always hashed; their text is included only when `captureContent` is on and it
 * fits INLINE_LIMIT_BYTES.
 *
 * @example
 * const { attributes, issues } = modelIoAttributes(io, false);
 */
export function modelIoAttributes(
  io: ModelIo,
  captureContent: boolean,
): { attributes: Attributes; issues: string[] } {
  const b = new AttributeBuilder();
  b.string(ATTR_GEN_AI_OPERATION_NAME, io.operation ?? DEFAULT_OPERATION, 'operation', true);
  b.string(ATTR_GEN_AI_PROVIDER_NAME, io.provider, 'provider', true);
  b.string(ATTR_GEN_AI_REQUEST_MODEL, io.model, 'model', true);
  b.string(ATTR_GEN_AI_RESPONSE_MODEL, io.responseModel, 'responseModel');
  b.count(ATTR_GEN_AI_USAGE_INPUT_TOKENS, io.inputTokens, 'inputTokens', true);
  b.count(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, io.outputTokens, 'outputTokens', true);
  b.count(
    ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    io.cacheReadInputTokens,
    'cacheReadInputTokens',
  );
  // The deprecated cacheCreationInputTokens is written under the current attribute too.
  const cacheWrite =
    io.cacheWriteInputTokens !== undefined || io.cacheCreationInputTokens === undefined
      ? 'cacheWriteInputTokens'
      : 'cacheCreationInputTokens';
  b.count(ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS, io[cacheWrite], cacheWrite);
  b.count(
    ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
    io.reasoningOutputTokens,
    'reasoningOutputTokens',
  );
  b.amount(ATTR_MODEL_IO_DURATION_MS, io.durationMs, 'durationMs', true);
  if (io.cost !== undefined) {
    if (typeof io.cost === 'object' && io.cost !== null) {
      b.amount(ATTR_MODEL_IO_COST_AMOUNT, io.cost.amount, 'cost.amount', true);
      b.string(ATTR_MODEL_IO_COST_CURRENCY, io.cost.currency, 'cost.currency', true);
    } else {
      b.issues.push('cost is not an object');
    }
  }
  content(b, io.input, 'input', ATTR_MODEL_IO_INPUT, ATTR_MODEL_IO_INPUT_SHA256, captureContent);
  content(
    b,
    io.output,
    'output',
    ATTR_MODEL_IO_OUTPUT,
    ATTR_MODEL_IO_OUTPUT_SHA256,
    captureContent,
  );
  return { attributes: b.attributes, issues: b.issues };
}

function content(
  b: AttributeBuilder,
  value: unknown,
  field: string,
  contentKey: string,
  hashKey: string,
  capture: boolean,
): void {
  if (value === undefined) return;
  if (typeof value !== 'string') {
    b.issues.push(`${field} is not a string (${typeof value})`);
    return;
  }
  // Hash of the UTF-8 bytes; a lone surrogate encodes as U+FFFD, as it will in the export.
  b.set(hashKey, sha256Hex(value));
  if (capture && Buffer.byteLength(value, 'utf8') <= INLINE_LIMIT_BYTES) {
    b.set(contentKey, toWellFormed(value));
  }
}
