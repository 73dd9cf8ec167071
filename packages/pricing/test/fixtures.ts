import * as sc from '@llm-workbench/semconv';
import {
  attributesFrom,
  foldRun,
  sealBundle,
  type AttributeValue,
  type RunBundle,
  type SpanRecord,
} from '@llm-workbench/bundle';

/** 2026-01-15T09:30:00Z in nanoseconds. */
export const BASE_NS = 1_768_469_400_000_000_000n;
const TRACE = '0123456789abcdef0123456789abcdef';
const RUN_SPAN = '1000000000000001';
const STEP_SPAN = '2000000000000002';

/** The attributes of one `workbench.model_io` event. */
export type ModelIoAttributes = Record<string, AttributeValue>;

/**
 * A sealed bundle of one run with one step whose `workbench.model_io` events are the given ones,
 * a second apart, in order.
 */
export function bundleWith(receipts: ModelIoAttributes[], atNs: bigint = BASE_NS): RunBundle {
  const base = {
    traceId: TRACE,
    kind: 'internal' as const,
    status: { code: 'ok' as const },
    resource: attributesFrom([['service.name', 'svc']]),
    scope: { name: '@llm-workbench/instrumentation' },
  };
  const spans: SpanRecord[] = [
    {
      ...base,
      spanId: RUN_SPAN,
      name: 'run r',
      startTimeUnixNano: atNs,
      endTimeUnixNano: atNs + 100_000_000_000n,
      attributes: attributesFrom([
        [sc.ATTR_RUN_ID, 'r1'],
        [sc.ATTR_RUN_NAME, 'r'],
      ]),
      events: [],
    },
    {
      ...base,
      spanId: STEP_SPAN,
      parentSpanId: RUN_SPAN,
      name: 'step draft',
      startTimeUnixNano: atNs + 1_000_000_000n,
      endTimeUnixNano: atNs + 90_000_000_000n,
      attributes: attributesFrom([[sc.ATTR_STEP_ID, 'draft']]),
      events: receipts.map((r, i) => ({
        name: sc.EVENT_MODEL_IO,
        timeUnixNano: atNs + BigInt(i + 2) * 1_000_000_000n,
        attributes: attributesFrom(Object.entries({ [sc.ATTR_MODEL_IO_DURATION_MS]: 100, ...r })),
      })),
    },
  ];
  return sealBundle(foldRun(spans));
}

/** An OpenAI reasoning call with cached input: input tokens include the cached ones. */
export const OPENAI_CACHED_REASONING: ModelIoAttributes = {
  [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
  [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-5',
  [sc.ATTR_GEN_AI_RESPONSE_MODEL]: 'gpt-5-2025-08-07',
  [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 12_000,
  [sc.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 8_192,
  [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 3_000,
  [sc.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]: 2_048,
};

/** An Anthropic call as the SDK's own spans count it: input tokens include cache reads and writes. */
export const ANTHROPIC_CACHED: ModelIoAttributes = {
  [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'anthropic',
  [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'claude-sonnet-4-20250514',
  [sc.ATTR_GEN_AI_RESPONSE_MODEL]: 'claude-sonnet-4-20250514',
  [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 10_050,
  [sc.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 6_000,
  [sc.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS]: 4_000,
  [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 900,
  [sc.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]: 300,
};

/** A call whose cost was reported. */
export const REPORTED: ModelIoAttributes = {
  [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
  [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o',
  [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 1_000,
  [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 100,
  [sc.ATTR_MODEL_IO_COST_AMOUNT]: 0.5,
  [sc.ATTR_MODEL_IO_COST_CURRENCY]: 'EUR',
};

/** A model no pricing data knows. */
export const UNKNOWN_MODEL: ModelIoAttributes = {
  [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
  [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'house-model-7',
  [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 500,
  [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 50,
};
