// Estimated costs of the calls that reported none, as the renderer embedded them beside the
// bundle (never in it: the integrity check reads the bundle text alone). Read defensively: a
// missing or malformed block means no estimates, never a broken page.

import { asArray, asNumber, asObject, asString, member } from './read.js';

export type EstimateView = {
  amount: number;
  currency: string;
  provider: string | null;
  model: string | null;
  modelMatchedFrom: string | null;
};
export type ReceiptEstimateView = {
  index: number;
  spanId: string | null;
  estimate: EstimateView | null;
  message: string;
};
export type CostEstimatesView = {
  source: string;
  version: string;
  byIndex: Map<number, ReceiptEstimateView>;
  totals: Map<string, number>;
  models: Map<string, Map<string, number>>;
  priced: number;
  unpriced: number;
};

/**
 * Reads the embedded estimates; null when there are none or they do not name their pricing data
 * (an estimate is never shown without the data it came from).
 *
 * @example
 * readCostEstimates(JSON.parse(text))?.version; // '0.1.8'
 */
export function readCostEstimates(value: unknown): CostEstimatesView | null {
  const pricing = member(value, 'pricing');
  const source = asString(member(pricing, 'source'));
  const version = asString(member(pricing, 'version'));
  if (source === null || version === null) return null;
  const byIndex: Map<number, ReceiptEstimateView> = new Map();
  for (const r of asArray(member(value, 'receipts'))) {
    const index = asNumber(member(r, 'index'));
    if (index === null) continue;
    const e = asObject(member(r, 'estimate'));
    const amount = e ? asNumber(e['amount']) : null;
    const currency = e ? asString(e['currency']) : null;
    byIndex.set(index, {
      index,
      spanId: asString(member(r, 'spanId')),
      estimate:
        e && amount !== null && currency !== null
          ? {
              amount,
              currency,
              provider: asString(e['provider']),
              model: asString(e['model']),
              modelMatchedFrom: asString(e['modelMatchedFrom']),
            }
          : null,
      message: asString(member(r, 'message')) ?? '',
    });
  }
  return {
    source,
    version,
    byIndex,
    totals: amounts(member(value, 'totals')),
    models: new Map(
      Object.entries(asObject(member(value, 'models')) ?? {}).map(([k, v]) => [k, amounts(v)]),
    ),
    priced: asNumber(member(value, 'priced')) ?? 0,
    unpriced: asNumber(member(value, 'unpriced')) ?? 0,
  };
}

/**
 * The estimate of one call of the bundle, by its position and span; null when there is none.
 *
 * @example
 * estimateFor(estimates, 2, call.spanId)?.amount;
 */
export function estimateFor(
  estimates: CostEstimatesView | null,
  index: number,
  spanId: string | null,
): EstimateView | null {
  const r = estimates?.byIndex.get(index);
  return r && r.spanId === spanId ? r.estimate : null;
}

/**
 * The label of the pricing data: `@pydantic/genai-prices 0.1.8`.
 *
 * @example
 * pricingLabel(estimates); // '@pydantic/genai-prices 0.1.8'
 */
export function pricingLabel(estimates: CostEstimatesView): string {
  return `${estimates.source} ${estimates.version}`;
}
function amounts(value: unknown): Map<string, number> {
  const out: Map<string, number> = new Map();
  for (const [currency, amount] of Object.entries(asObject(value) ?? {})) {
    const n = asNumber(amount);
    if (n !== null) out.set(currency, n);
  }
  return out;
}
