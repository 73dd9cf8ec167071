import { printable } from './io.js';

/** Milliseconds for people: `812.5 ms`, `2.500 s`, `3 min 4.0 s`. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 1000) return `${Number(ms.toFixed(3))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(3)} s`;
  const min = Math.floor(ms / 60_000);
  return `${min} min ${((ms - min * 60_000) / 1000).toFixed(1)} s`;
}

/** Token counts with thousands separators; empty for unknown. */
export function formatTokens(n: number | null): string {
  return n === null ? '' : n.toLocaleString('en-US');
}

/** A cost with enough digits for sub-cent model calls. */
export function formatCost(amount: number, currency: string | null): string {
  return `${amount.toFixed(6).replace(/0{1,4}$/, '')} ${currency ?? ''}`.trim();
}

/**
 * A plain-text table; columns listed in `right` are right-aligned. Cells are escaped here (see
 * `printable`), so that widths are those of what the terminal shows.
 */
export function table(header: string[], rows: string[][], right: number[] = []): string[] {
  header = header.map(printable);
  rows = rows.map((r) => r.map(printable));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]): string =>
    cells
      .map((c, i) => (right.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
}
