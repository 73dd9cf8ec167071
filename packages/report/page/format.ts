// Formatting for people: fixed to en-US and UTC so a report reads the same wherever it is opened.

const COUNT = new Intl.NumberFormat('en-US');

/**
 * A bundle time as `2025-11-26 10:10:42.000123 UTC`; anything else as given, or an em dash.
 *
 * @example
 * formatTime('2025-11-26T10:10:42.000123Z'); // '2025-11-26 10:10:42.000123 UTC'
 */
export function formatTime(time: string | null): string {
  if (time === null) return '—';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)Z$/.exec(time);
  return m ? `${m[1] ?? ''} ${m[2] ?? ''} UTC` : time;
}

/**
 * The clock part of a bundle time to the millisecond, `10:10:42.000`, for tables.
 *
 * @example
 * formatClock('2025-11-26T10:10:42.000123Z'); // '10:10:42.000'
 */
export function formatClock(time: string | null): string {
  if (time === null) return '—';
  const m = /T(\d{2}:\d{2}:\d{2})(?:\.(\d{1,3})\d*)?Z$/.exec(time);
  return m ? `${m[1] ?? ''}.${(m[2] ?? '').padEnd(3, '0')}` : time;
}

/**
 * A duration in milliseconds, at a precision that suits its size.
 *
 * @example
 * formatDuration(2500); // '2.5 s'
 */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const sign = ms < 0 ? '−' : '';
  const v = Math.abs(ms);
  if (v < 1) return `${sign}${trim(v.toFixed(3))} ms`;
  if (v < 1000) return `${sign}${trim(v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0))} ms`;
  const s = v / 1000;
  if (s < 60) return `${sign}${trim(s.toFixed(s < 10 ? 2 : 1))} s`;
  const totalSeconds = Math.round(s);
  if (totalSeconds < 3600) {
    return `${sign}${Math.floor(totalSeconds / 60)} min ${pad(totalSeconds % 60)} s`;
  }
  const totalMinutes = Math.round(s / 60);
  if (totalMinutes < 24 * 60) {
    return `${sign}${Math.floor(totalMinutes / 60)} h ${pad(totalMinutes % 60)} min`;
  }
  const hours = Math.round(s / 3600);
  return `${sign}${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/**
 * An integer count with thousands separators.
 *
 * @example
 * formatCount(12345); // '12,345'
 */
export function formatCount(n: number | null): string {
  return n === null || !Number.isFinite(n) ? '—' : COUNT.format(n);
}

/**
 * A cost, as currency where the code is one (`$0.0031`), otherwise as `0.0031 credits`.
 *
 * @example
 * formatCost(0.003, 'USD'); // '$0.003'
 */
export function formatCost(amount: number, currency: string): string {
  const format = currencyFormat(currency);
  return format ? format.format(amount) : `${trim(amount.toFixed(6))} ${currency}`;
}

const CURRENCY_FORMATS: Map<string, Intl.NumberFormat | null> = new Map();

/**
 * A formatter for an ISO 4217 code Intl knows, made once per code (they are slow to make).
 *
 */
function currencyFormat(currency: string): Intl.NumberFormat | null {
  let format = CURRENCY_FORMATS.get(currency);
  if (format === undefined) {
    format = null;
    if (/^[A-Z]{3}$/.test(currency)) {
      try {
        format = new Intl.NumberFormat('en-US', {
          style: 'currency',
          currency,
          minimumFractionDigits: 2,
          maximumFractionDigits: 6,
        });
      } catch {
        // Not a currency Intl knows.
      }
    }
    CURRENCY_FORMATS.set(currency, format);
  }
  return format;
}

/**
 * Costs by currency, joined: `$0.0061 + €0.001`.
 *
 * @example
 * formatCosts(new Map([['USD', 0.5]])); // '$0.50'
 */
export function formatCosts(costs: Map<string, number>): string {
  if (costs.size === 0) return '—';
  return [...costs].map(([currency, amount]) => formatCost(amount, currency)).join(' + ');
}

/**
 * A byte size: `512 B`, `12.3 kB`, `4.5 MB`.
 *
 * @example
 * formatBytes(12_300); // '12.3 kB'
 */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) return '—';
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${trim((bytes / 1000).toFixed(1))} kB`;
  return `${trim((bytes / 1_000_000).toFixed(1))} MB`;
}

/**
 * The first characters of a hash, for tables (the full hash goes in a title).
 *
 * @example
 * shortHash('ba7816bf8f01cfea…'); // 'ba7816bf8f01'
 */
export function shortHash(hash: string | null): string {
  return hash === null ? '—' : hash.slice(0, 12);
}
const OMITTED: Record<string, string> = {
  not_captured: 'not captured',
  over_inline_limit: 'too large to keep inline',
  hash_mismatch: 'dropped: did not match its hash',
};

/**
 * Why a bundle holds no content for a prompt, response or artifact version, from its `omitted`
 * reason; an unknown reason is shown as it is.
 *
 * @example
 * formatOmitted('over_inline_limit'); // 'too large to keep inline'
 */
export function formatOmitted(reason: string): string {
  return OMITTED[reason] ?? reason;
}
function trim(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}
function pad(n: number): string {
  return String(n).padStart(2, '0');
}
