import { ImportError } from './import-error.js';

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses a duration such as `15m`, `2h`, `7d`, `90s`, `1h30m` or `500ms` into milliseconds.
 * Throws {@link ImportError} (`invalid_argument`) quoting the value otherwise.
 *
 * @example
 * parseDuration('15m'); // 900000
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;
  let total = 0;
  let pos = 0;
  while (pos < trimmed.length) {
    part.lastIndex = pos;
    const m = part.exec(trimmed);
    if (m === null) break;
    total += Number(m[1]) * UNITS[m[2]!]!;
    pos = part.lastIndex;
  }
  if (trimmed === '' || pos !== trimmed.length || !Number.isFinite(total) || total <= 0) {
    throw new ImportError(
      'invalid_argument',
      `invalid duration ${JSON.stringify(text)}: expected a number and a unit (ms, s, m, h, d, w), e.g. 15m, 2h, 7d`,
    );
  }
  return Math.round(total);
}
