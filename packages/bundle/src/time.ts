/**
 * Bundle times: nanoseconds truncated to microseconds, written as RFC 3339 UTC with six
 * fractional digits. Microseconds because Jaeger's classic storages keep no finer, and durations
 * are taken from the truncated start plus the truncated nanosecond difference, which is how
 * Jaeger stores them, so a trace read back from any backend gives the same numbers.
 */

const NS_PER_US = 1000n;
const US_PER_S = 1_000_000n;
/** 0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999999Z in microseconds: what RFC 3339 can write. */
const MIN_US = -62_135_596_800_000_000n;
const MAX_US = 253_402_300_799_999_999n;

/** Nanoseconds to microseconds, truncating toward negative infinity. */
export function nanosToMicros(ns: bigint): bigint {
  const q = ns / NS_PER_US;
  return ns < 0n && q * NS_PER_US !== ns ? q - 1n : q;
}

/**
 * Formats epoch microseconds as RFC 3339 UTC with six fractional digits, or null when outside
 * years 0001–9999.
 *
 * @example
 * formatMicros(1_764_151_842_123_456n); // '2025-11-26T10:10:42.123456Z'
 */
export function formatMicros(us: bigint): string | null {
  if (us < MIN_US || us > MAX_US) return null;
  let seconds = us / US_PER_S;
  let frac = us % US_PER_S;
  if (frac < 0n) {
    frac += US_PER_S;
    seconds -= 1n;
  }
  const iso = new Date(Number(seconds) * 1000).toISOString(); // exact: seconds fit easily
  const yearAndClock = iso.slice(0, iso.indexOf('.'));
  return `${yearAndClock}.${frac.toString().padStart(6, '0')}Z`;
}

/** Formats epoch nanoseconds as a bundle time (truncated to microseconds). */
export function formatNanos(ns: bigint): string | null {
  return formatMicros(nanosToMicros(ns));
}

/**
 * The duration a bundle reports for a span, in milliseconds: the nanosecond difference truncated
 * to whole microseconds, divided by 1000. Null when the end is before the start.
 */
export function durationMs(startNs: bigint, endNs: bigint): number | null {
  if (endNs < startNs) return null;
  const us = (endNs - startNs) / NS_PER_US;
  return Number(us) / 1000;
}

/** Parses a bundle time back to epoch microseconds; null when it is not one. */
export function parseBundleTime(time: string): bigint | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{6})Z$/.exec(time);
  if (!m) return null;
  const ms = Date.parse(`${m[1]!}Z`);
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * 1000n + BigInt(m[2]!);
}
