import { priceCall } from './price-call.js';
import type { PriceableCall } from './types.js';

/**
 * A pricer for the workbench instrumentation's `price` option: prices a call at record time with
 * the data bundled in `@pydantic/genai-prices`, so that its cost is recorded on the span as a
 * reported fact. Returns null (nothing recorded) for a call it cannot price; never throws.
 *
 * @example
 * import { genaiPricesPricer } from '@llm-workbench/pricing';
 * const wb = new Workbench({ price: genaiPricesPricer });
 */
export function genaiPricesPricer(
  call: PriceableCall,
): { amount: number; currency: string } | null {
  const result = priceCall(call);
  return result.ok ? { amount: result.estimate.amount, currency: result.estimate.currency } : null;
}
