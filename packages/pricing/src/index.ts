export { estimateCosts } from './estimate-costs.js';
export { priceCall } from './price-call.js';
export { genaiPricesPricer } from './genai-prices-pricer.js';
export { libraryProviderId } from './library-provider-id.js';
export { GENAI_PRICES_VERSION, PRICING_SOURCE, pricingLabel } from './pricing-source.js';
export type {
  CostEstimate,
  CostEstimates,
  PriceResult,
  PriceableCall,
  PricingSource,
  ReceiptCostEstimate,
  UnpricedReason,
} from './types.js';
