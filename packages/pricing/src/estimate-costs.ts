import { parseBundleTime, type ModelIoReceipt, type RunBundle } from '@llm-workbench/bundle';
import { priceCall } from './price-call.js';
import { PRICING_SOURCE } from './pricing-source.js';
import type { CostEstimates, ReceiptCostEstimate } from './types.js';

/**
 * Estimates the cost of every model call in a bundle that reported none, with the price data
 * bundled in `@pydantic/genai-prices`. Reported costs are never replaced nor re-priced. The
 * bundle is only read: estimates are derived data for views, never part of what is sealed.
 * A call is priced as of its receipt's time (else the run's start, else at current prices).
 *
 * @example
 * const est = estimateCosts(bundle);
 * console.log(est.totals['USD'], `estimated with ${est.pricing.source} ${est.pricing.version}`);
 */
export function estimateCosts(bundle: RunBundle): CostEstimates {
  const receipts: ReceiptCostEstimate[] = [];
  const totals: CostEstimates['totals'] = Object.create(null) as CostEstimates['totals'];
  const models: CostEstimates['models'] = Object.create(null) as CostEstimates['models'];
  let priced = 0;
  let unpriced = 0;
  const runStart = toDate(bundle.run.startTime);
  bundle.model_io.forEach((m, index) => {
    if (m.cost !== null) return;
    const key = `${m.provider ?? '?'}/${m.model ?? '?'}`;
    const result = priceCall({
      provider: m.provider,
      model: m.model,
      responseModel: m.responseModel,
      ...usageOf(m),
      time: toDate(m.time) ?? runStart,
    });
    if (!result.ok) {
      unpriced++;
      receipts.push({
        index,
        spanId: m.spanId,
        key,
        estimate: null,
        unpriced: result.reason,
        message: result.message,
      });
      return;
    }
    const e = result.estimate;
    priced++;
    totals[e.currency] = (totals[e.currency] ?? 0) + e.amount;
    const perModel = (models[key] ??= Object.create(null) as { [currency: string]: number });
    perModel[e.currency] = (perModel[e.currency] ?? 0) + e.amount;
    receipts.push({
      index,
      spanId: m.spanId,
      key,
      estimate: e,
      unpriced: null,
      message: `priced as ${e.provider}/${e.model} (from the ${e.modelMatchedFrom === 'responseModel' ? 'response model' : 'requested model'} ${e.modelName})`,
    });
  });
  return { pricing: { ...PRICING_SOURCE }, receipts, totals, models, priced, unpriced };
}

function usageOf(m: ModelIoReceipt) {
  return {
    inputTokens: m.usage.inputTokens,
    outputTokens: m.usage.outputTokens,
    cacheReadInputTokens: m.usage.cacheReadInputTokens,
    cacheWriteInputTokens: m.usage.cacheWriteInputTokens,
    reasoningOutputTokens: m.usage.reasoningOutputTokens,
  };
}

function toDate(time: string | null): Date | null {
  if (time === null) return null;
  const us = parseBundleTime(time);
  return us === null ? null : new Date(Number(us / 1000n));
}
