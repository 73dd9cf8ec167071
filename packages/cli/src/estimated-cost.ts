import { pricingLabel, type CostEstimates, type ReceiptCostEstimate } from '@llm-workbench/pricing';
import { formatCost } from './format.js';

/** An estimated cost, marked so that it is never read as a reported one: `~0.0042 USD (est.)`. */
export function formatEstimated(amount: number, currency: string): string {
  return `~${formatCost(amount, currency)} (est.)`;
}

/** Estimated amounts by currency, marked: `~0.0042 USD (est.)`; empty for none. */
export function formatEstimatedTotals(totals: { [currency: string]: number }): string {
  return Object.entries(totals)
    .map(([currency, amount]) => formatEstimated(amount, currency))
    .join(' + ');
}

/**
 * The lines under `show`'s model calls that say what was estimated, with what data, and what
 * could not be priced; none when every call reported its cost.
 */
export function estimateLines(estimates: CostEstimates): string[] {
  if (estimates.receipts.length === 0) return [];
  const lines: string[] = [];
  const calls = (n: number) => `${n} call${n === 1 ? '' : 's'}`;
  if (estimates.priced > 0) {
    lines.push(
      `Estimated ${formatEstimatedTotals(estimates.totals)} for ${calls(estimates.priced)} that reported no cost, estimated with ${pricingLabel(estimates.pricing)} (not part of the bundle)`,
    );
  }
  const unpriced = estimates.receipts.filter(
    (r): r is ReceiptCostEstimate & { estimate: null } => r.estimate === null,
  );
  if (unpriced.length > 0) {
    lines.push(
      `No estimate for ${calls(unpriced.length)} without a reported cost (${pricingLabel(estimates.pricing)}):`,
      ...unpriced.map((r) => `  #${r.index + 1} ${r.key}: ${r.message}`),
    );
  }
  return lines;
}
