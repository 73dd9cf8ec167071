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
/** Within ±2^53 microseconds (years 1684–2255), times are exact as doubles. */
const MIN_SAFE_US = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE_US = BigInt(Number.MAX_SAFE_INTEGER);

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
  // Bundles format a time per event: integer arithmetic on doubles, exact within ±2^53, is
  // several times faster than BigInt division and Date.
  if (us >= MIN_SAFE_US && us <= MAX_SAFE_US) {
    const n = Number(us);
    let frac = n % 1_000_000;
    if (frac < 0) frac += 1_000_000;
    return formatSeconds((n - frac) / 1_000_000, frac);
  }
  let seconds = us / US_PER_S;
  let frac = us % US_PER_S;
  if (frac < 0n) {
    frac += US_PER_S;
    seconds -= 1n;
  }
  return formatSeconds(Number(seconds), Number(frac)); // exact: seconds fit easily
}

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ` of whole epoch seconds and microseconds (years 0001–9999). */
function formatSeconds(seconds: number, micros: number): string {
  return `${secondPrefix(seconds)}${pad(micros, 6)}Z`;
}

/** `YYYY-MM-DDTHH:MM:SS.` of whole epoch seconds (years 0001–9999). */
function secondPrefix(seconds: number): string {
  let clock = seconds % 86_400;
  if (clock < 0) clock += 86_400;
  const [year, month, day] = civilFromDays((seconds - clock) / 86_400);
  const hh = Math.floor(clock / 3600);
  const mm = Math.floor((clock % 3600) / 60);
  const ss = clock % 60;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}.`;
}

/**
 * {@link formatMicros} with a memory of the last second formatted: the times of one trace mostly
 * share their seconds, so only the microseconds are written again. One per fold; not shared.
 */
export class MicrosFormatter {
  private second = Number.NaN;
  private prefix = '';

  /** The same as `formatMicros(us)`. */
  format(us: bigint): string | null {
    if (us < MIN_SAFE_US || us > MAX_SAFE_US) return formatMicros(us);
    const n = Number(us);
    let frac = n % 1_000_000;
    if (frac < 0) frac += 1_000_000;
    const seconds = (n - frac) / 1_000_000;
    if (seconds !== this.second) {
      // ±2^53 µs lies within years 0001–9999: no range check needed.
      this.second = seconds;
      this.prefix = secondPrefix(seconds);
    }
    return `${this.prefix}${pad(frac, 6)}Z`;
  }
}

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : '000000'.slice(0, width - s.length) + s;
}

/**
 * Proleptic Gregorian year, month and day of a count of days since 1970-01-01 (Howard Hinnant's
 * `civil_from_days`), the calendar `Date.prototype.toISOString` writes.
 */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (month <= 2 ? 1 : 0), month, day];
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

/**
 * The end of a span in microseconds, as every backend gives it back: the truncated start plus the
 * truncated duration. Jaeger's classic storages keep start and duration in microseconds, so
 * truncating the end on its own would be one microsecond off for about half of all spans. An end
 * before the start is truncated on its own.
 *
 * @example
 * endMicros(842_000_123_789n, 847_000_123_100n); // 847000122n
 */
export function endMicros(startNs: bigint, endNs: bigint): bigint {
  if (endNs < startNs) return nanosToMicros(endNs);
  return nanosToMicros(startNs) + (endNs - startNs) / NS_PER_US;
}

/** Parses a bundle time back to epoch microseconds; null when it is not one. */
export function parseBundleTime(time: string): bigint | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{6})Z$/.exec(time);
  if (!m) return null;
  const ms = Date.parse(`${m[1]!}Z`);
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * 1000n + BigInt(m[2]!);
}
