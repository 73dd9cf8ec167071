/**
 * One figure from a benchmark, in a form `bench/run.ts` can print, compare or store.
 *
 * @example
 * ```ts
 * const result: BenchResult = {
 *   name: 'canonicalize',
 *   value: 210,
 *   unit: 'MB/s',
 *   baseline: 'JSON.stringify',
 *   ratio: 0.6,
 * };
 * ```
 */
export interface BenchResult {
  /** What was measured, e.g. `canonicalize+sha256`. */
  name: string;
  /** The measured value (a median over repeated rounds). */
  value: number;
  /** Unit of `value`, e.g. `MB/s` (higher is better). */
  unit: string;
  /** Name of the result this one is compared with, when there is one. */
  baseline?: string;
  /** `value` divided by the baseline's value. */
  ratio?: number;
}
