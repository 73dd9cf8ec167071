import { describe, type Reporter } from './reporter.js';
import { toHrTime } from './to-hr-time.js';
import type { ModelCost, ModelIo, ModelPriceRequest, ModelPricer } from './types.js';

/**
 * Asks the `price` option for the cost of a call the caller gave none for. Returns the cost to
 * record, or `undefined` for none. Never throws: a pricer that throws, or returns something that
 * is not a cost, is reported (once per kind, through diag) and no cost is recorded.
 *
 * @example
 * const cost = io.cost ?? priceModelIo(io, config.price, reporter);
 */
export function priceModelIo(
  io: ModelIo,
  pricer: ModelPricer,
  reporter: Reporter,
): ModelCost | undefined {
  const request = priceRequest(io);
  // Calls whose model or counts are unusable are left for modelIoAttributes to report.
  if (request === undefined) return undefined;
  let cost: unknown;
  try {
    cost = pricer(request);
  } catch (err) {
    reporter.error(
      'price_failed',
      `price: the pricer threw for ${io.provider}/${io.model}; no cost recorded`,
      err,
    );
    return undefined;
  }
  if (cost === null || cost === undefined) return undefined;
  const c = typeof cost === 'object' ? (cost as Partial<ModelCost>) : {};
  if (
    typeof c.amount !== 'number' ||
    !Number.isFinite(c.amount) ||
    c.amount < 0 ||
    typeof c.currency !== 'string' ||
    c.currency === ''
  ) {
    reporter.warn(
      'bad_price',
      `price: the pricer returned ${quote(cost)} for ${io.provider}/${io.model}, not { amount, currency }; no cost recorded`,
    );
    return undefined;
  }
  return { amount: c.amount, currency: c.currency };
}

function priceRequest(io: ModelIo): ModelPriceRequest | undefined {
  if (typeof io.provider !== 'string' || typeof io.model !== 'string') return undefined;
  if (!isCount(io.inputTokens) || !isCount(io.outputTokens)) return undefined;
  const hr = io.time === undefined ? undefined : toHrTime(io.time);
  const request: ModelPriceRequest = {
    provider: io.provider,
    model: io.model,
    inputTokens: io.inputTokens,
    outputTokens: io.outputTokens,
    time: hr === undefined ? new Date() : new Date(hr[0] * 1000 + Math.floor(hr[1] / 1e6)),
  };
  if (typeof io.responseModel === 'string') request.responseModel = io.responseModel;
  if (isCount(io.cacheReadInputTokens)) request.cacheReadInputTokens = io.cacheReadInputTokens;
  const cacheWrite = io.cacheWriteInputTokens ?? io.cacheCreationInputTokens;
  if (isCount(cacheWrite)) request.cacheWriteInputTokens = cacheWrite;
  if (isCount(io.reasoningOutputTokens)) request.reasoningOutputTokens = io.reasoningOutputTokens;
  return request;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function quote(value: unknown): string {
  try {
    return JSON.stringify(value) ?? describe(value);
  } catch {
    return describe(value);
  }
}
