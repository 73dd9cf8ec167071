import type { PricingSource } from './types.js';

/**
 * The `@pydantic/genai-prices` version this package is pinned to. The library exports no version
 * and ships its price data inside the package with no data timestamp, so the package version is
 * the data's version; a test holds this constant to the installed package.json.
 */
export const GENAI_PRICES_VERSION = '0.1.8';

/**
 * The pricing data every estimate of this package comes from. This package never calls the
 * library's `updatePrices`, so the data is the one bundled in that version.
 *
 * @example
 * `estimated with ${PRICING_SOURCE.source} ${PRICING_SOURCE.version}`;
 */
export const PRICING_SOURCE: Readonly<PricingSource> = Object.freeze({
  source: '@pydantic/genai-prices',
  version: GENAI_PRICES_VERSION,
});

/**
 * The pricing source as a label: `@pydantic/genai-prices 0.1.8`.
 *
 * @example
 * pricingLabel(estimates.pricing); // '@pydantic/genai-prices 0.1.8'
 */
export function pricingLabel(pricing: PricingSource = PRICING_SOURCE): string {
  return `${pricing.source} ${pricing.version}`;
}
