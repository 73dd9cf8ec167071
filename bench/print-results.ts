import type { BenchResult } from './result.js';

/**
 * Prints results one a line: name, value and unit, and the ratio to the baseline when there is
 * one.
 *
 * @example
 * printResults(await benchProcessor());
 */
export function printResults(results: readonly BenchResult[]): void {
  for (const r of results) console.log(formatResult(r));
}

/** One result as a line of text. */
export function formatResult(r: BenchResult): string {
  const digits = Math.abs(r.value) >= 100 ? 1 : 2;
  const ratio = r.ratio === undefined ? '' : `   ${r.ratio.toFixed(3)}× ${r.baseline ?? ''}`;
  return `${r.name.padEnd(56)} ${r.value.toFixed(digits).padStart(10)} ${r.unit}${ratio}`;
}
