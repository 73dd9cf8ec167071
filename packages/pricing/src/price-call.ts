import { calcPrice, findProvider, type Usage } from '@pydantic/genai-prices';
import { normalizeProvider } from '@llm-workbench/bundle';
import { libraryProviderId } from './library-provider-id.js';
import type { CostEstimate, PriceResult, PriceableCall } from './types.js';

/**
 * Estimates one call's cost with the price data bundled in `@pydantic/genai-prices`. The
 * response model is looked up first, then the requested model; the provider, when given, must be
 * one the data knows (no other provider's prices are borrowed). Returns why there is no estimate
 * rather than guessing; never throws.
 *
 * @example
 * const r = priceCall({ provider: 'openai', model: 'gpt-4o', inputTokens: 1000, outputTokens: 200 });
 * if (r.ok) console.log(r.estimate.amount, r.estimate.currency); // 0.0045 'USD'
 */
export function priceCall(call: PriceableCall): PriceResult {
  try {
    return priceOrThrow(call);
  } catch (err) {
    // The library throws on counts it cannot decompose; anything else is reported the same way.
    return {
      ok: false,
      reason: 'invalid_usage',
      message: `the pricing library refused this call: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

function priceOrThrow(call: PriceableCall): PriceResult {
  const names: Array<['responseModel' | 'model', string]> = [];
  for (const field of ['responseModel', 'model'] as const) {
    const name = call[field];
    if (typeof name === 'string' && name.trim() !== '' && !names.some(([, n]) => n === name))
      names.push([field, name]);
  }
  if (names.length === 0) return { ok: false, reason: 'no_model', message: 'no model named' };

  const input = count(call.inputTokens);
  const output = count(call.outputTokens);
  const cacheRead = count(call.cacheReadInputTokens);
  const cacheWrite = count(call.cacheWriteInputTokens);
  const reasoning = count(call.reasoningOutputTokens);
  if (input === null && output === null && cacheRead === null && cacheWrite === null)
    return { ok: false, reason: 'no_usage', message: 'no token counts' };

  let providerId: string | undefined;
  const provider = typeof call.provider === 'string' ? call.provider.trim() : '';
  if (provider !== '') {
    providerId = libraryProviderId(normalizeProvider(provider));
    if (findProvider({ providerId }) === undefined) {
      return {
        ok: false,
        reason: 'unknown_provider',
        message: `provider ${JSON.stringify(provider)} is not in the pricing data`,
      };
    }
  }

  // The library takes input_tokens as the total, cache reads and writes being parts of it, and
  // output_tokens likewise with reasoning tokens. A count smaller than its parts cannot be such a
  // total: it left them out (as Anthropic's own input_tokens does), so they are added back.
  const cached = (cacheRead ?? 0) + (cacheWrite ?? 0);
  const inputBasis = (input ?? 0) < cached ? 'excludes_cache' : 'includes_cache';
  const outputBasis =
    (output ?? 0) < (reasoning ?? 0) ? 'excludes_reasoning' : 'includes_reasoning';
  const usage: Usage = {
    input_tokens: inputBasis === 'includes_cache' ? (input ?? 0) : (input ?? 0) + cached,
    output_tokens:
      outputBasis === 'includes_reasoning' ? (output ?? 0) : (output ?? 0) + (reasoning ?? 0),
  };
  if (cacheRead !== null) usage['cache_read_tokens'] = cacheRead;
  if (cacheWrite !== null) usage['cache_write_tokens'] = cacheWrite;
  if (reasoning !== null) usage['output_reasoning_tokens'] = reasoning;

  const time = call.time instanceof Date && !Number.isNaN(call.time.getTime()) ? call.time : null;
  for (const [field, name] of names) {
    const result = calcPrice(usage, name, {
      ...(providerId !== undefined ? { providerId } : {}),
      ...(time !== null ? { timestamp: time } : {}),
    });
    if (result === null) continue;
    const estimate: CostEstimate = {
      amount: result.total_price,
      currency: 'USD',
      inputAmount: result.input_price,
      outputAmount: result.output_price,
      provider: result.provider.id,
      providerMatchedBy: providerId !== undefined ? 'provider' : 'model',
      model: result.model.id,
      modelMatchedFrom: field,
      modelName: name,
      pricedAt: time?.toISOString() ?? null,
      inputTokens: inputBasis,
      outputTokens: outputBasis,
      missing: [
        ...(input === null ? (['inputTokens'] as const) : []),
        ...(output === null ? (['outputTokens'] as const) : []),
      ],
    };
    return { ok: true, estimate };
  }
  return {
    ok: false,
    reason: 'unknown_model',
    message: `${names.map(([, n]) => JSON.stringify(n)).join(' / ')} not in the pricing data${providerId !== undefined ? ` for ${providerId}` : ''}`,
  };
}

/** A usable token count, or null: negative, fractional or non-finite counts are not counts. */
function count(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}
