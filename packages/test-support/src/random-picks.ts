import { rng } from './rng.js';

/** What {@link randomPicks} returns: a seeded generator and the picks generated inputs make of it. */
export interface RandomPicks {
  /** The next number in [0, 1) (see {@link rng}). */
  readonly random: () => number;
  /** A whole number from 0 to `below - 1`. */
  readonly int: (below: number) => number;
  /** One of `items`. */
  readonly pick: <T>(items: readonly T[]) => T;
  /** `digits` lowercase hex digits: an id. */
  readonly hex: (digits: number) => string;
}

/**
 * The picks a generator of deterministic inputs makes, over one seeded {@link rng}: numbers,
 * whole numbers, items of a list and hex ids. The same seed gives the same sequence.
 *
 * @example
 * const { random, int, pick, hex } = randomPicks(1);
 * const span = { traceId: hex(32), name: pick(['plan', 'draft']), tokens: int(4000) };
 */
export function randomPicks(seed: number): RandomPicks {
  const random = rng(seed);
  const int = (below: number): number => Math.floor(random() * below);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const hex = (digits: number): string => {
    let s = '';
    for (let i = 0; i < digits; i++) s += '0123456789abcdef'[int(16)];
    return s;
  };
  return { random, int, pick, hex };
}
