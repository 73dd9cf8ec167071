/**
 * Public types of `@llm-workbench/pricing`. Estimates are derived data: they are never written
 * into a sealed bundle, so a bundle's hash never depends on the pricing data its reader had.
 */

/** Which pricing data an estimate came from. */
export interface PricingSource {
  /** The npm package whose bundled price data priced the calls. */
  source: '@pydantic/genai-prices';
  /**
   * The version of that package. Its price data ships inside the package with no separate data
   * version or timestamp, so the package version is what identifies the data.
   */
  version: string;
}

/**
 * What one model call used, as far as pricing needs it: a bundle receipt's fields, or what the
 * instrumentation is about to record. Token counts follow the GenAI conventions: `inputTokens`
 * includes cache reads and writes, `outputTokens` includes reasoning tokens (see the README for
 * what is done when the counts say otherwise).
 *
 * @example
 * const call: PriceableCall = { provider: 'openai', model: 'gpt-4o', inputTokens: 812, outputTokens: 164 };
 */
export interface PriceableCall {
  /** The provider as the GenAI conventions name it (`openai`, `aws.bedrock`, ...). */
  provider?: string | null;
  /** The model as requested. */
  model?: string | null;
  /** The model that answered; preferred over `model` for matching. */
  responseModel?: string | null;
  inputTokens?: number | null;
  outputTokens?: number | null;
  cacheReadInputTokens?: number | null;
  cacheWriteInputTokens?: number | null;
  reasoningOutputTokens?: number | null;
  /**
   * When the call was made: prices that changed over time are taken as of then.
   * @default now (the data's current prices)
   */
  time?: Date | null;
}

/** Why a call has no estimate. */
export type UnpricedReason =
  /** Neither a model nor a response model to look up. */
  | 'no_model'
  /** No token counts at all. */
  | 'no_usage'
  /** The pricing data does not know the provider. */
  | 'unknown_provider'
  /** The pricing data knows the provider (or none was given) but not the model. */
  | 'unknown_model'
  /** The pricing library refused the counts (say, more cached tokens than input tokens). */
  | 'invalid_usage';

/** The estimated cost of one call, and how it was matched. */
export interface CostEstimate {
  /** Estimated amount: input plus output. */
  amount: number;
  /** Always `USD`: the pricing data is in US dollars. */
  currency: 'USD';
  inputAmount: number;
  outputAmount: number;
  /** The pricing data's provider id that matched (`openai`, `anthropic`, `aws`, `google`, ...). */
  provider: string;
  /** How the provider was found: from the call's provider, or (none given) from the model name. */
  providerMatchedBy: 'provider' | 'model';
  /** The pricing data's model id that matched (`claude-sonnet-4-0` for `claude-sonnet-4-20250514`). */
  model: string;
  /** Which of the call's names matched: the response model is tried first. */
  modelMatchedFrom: 'responseModel' | 'model';
  /** The call's own name that matched. */
  modelName: string;
  /** The time whose prices were used (RFC 3339), or null when the call had none: current prices. */
  pricedAt: string | null;
  /**
   * What `inputTokens` was taken to mean. `includes_cache` (the GenAI conventions) unless the
   * cache counts exceed it, which an inclusive count cannot: then `excludes_cache`, and the cached
   * tokens were added to it.
   */
  inputTokens: 'includes_cache' | 'excludes_cache';
  /** Likewise for `outputTokens` and reasoning tokens. */
  outputTokens: 'includes_reasoning' | 'excludes_reasoning';
  /** Token counts the call did not report, priced as zero (`outputTokens` of an embedding, say). */
  missing: Array<'inputTokens' | 'outputTokens'>;
}

/**
 * The result of {@link priceCall}: an estimate, or why there is none (never a guess).
 */
export type PriceResult =
  { ok: true; estimate: CostEstimate } | { ok: false; reason: UnpricedReason; message: string };

/** The estimate of one receipt that reported no cost. */
export interface ReceiptCostEstimate {
  /** Position of the receipt in `bundle.model_io`. */
  index: number;
  /** The receipt's span (several receipts may share one: events on one step span). */
  spanId: string;
  /** `provider/model` of the receipt, as `summarizeBundle` keys its models. */
  key: string;
  /** The estimate, or null when the call could not be priced. */
  estimate: CostEstimate | null;
  /** Why `estimate` is null; null when there is one. */
  unpriced: UnpricedReason | null;
  /** A sentence for people: what matched, or why nothing did. */
  message: string;
}

/** Estimated costs of a bundle's calls that reported none. Plain JSON. */
export interface CostEstimates {
  pricing: PricingSource;
  /** Receipts without a reported cost, in bundle order; receipts with one are never estimated. */
  receipts: ReceiptCostEstimate[];
  /** Estimated amounts by currency, over the receipts that could be priced. */
  totals: { [currency: string]: number };
  /** Estimated amounts by `provider/model` (the receipt's own names), then currency. */
  models: { [key: string]: { [currency: string]: number } };
  /** Receipts estimated. */
  priced: number;
  /** Receipts without a reported cost that could not be priced. */
  unpriced: number;
}
