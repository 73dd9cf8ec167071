import { ImportError } from './import-error.js';
import type { BackendClientOptions } from './types.js';

/** {@link BackendClientOptions} with defaults applied and the URL checked. */
export interface ResolvedClientOptions {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly concurrency: number;
}

const DEFAULTS = { timeoutMs: 30_000, headers: {}, concurrency: 4 } as const;

/** Applies defaults; refuses a URL that is not http(s) or a non-positive timeout, quoting it. */
export function resolveClientOptions(
  who: string,
  options: BackendClientOptions,
): ResolvedClientOptions {
  const merged = { ...DEFAULTS, ...options };
  let url: URL;
  try {
    url = new URL(merged.url);
  } catch {
    throw new ImportError('invalid_argument', `${who}: invalid URL ${JSON.stringify(merged.url)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ImportError(
      'invalid_argument',
      `${who}: URL must be http or https, got ${JSON.stringify(merged.url)}`,
    );
  }
  if (!(Number.isFinite(merged.timeoutMs) && merged.timeoutMs > 0)) {
    throw new ImportError(
      'invalid_argument',
      `${who}: timeoutMs must be a positive number, got ${String(merged.timeoutMs)}`,
    );
  }
  if (!(Number.isInteger(merged.concurrency) && merged.concurrency > 0)) {
    throw new ImportError(
      'invalid_argument',
      `${who}: concurrency must be a positive integer, got ${String(merged.concurrency)}`,
    );
  }
  url.search = '';
  url.hash = '';
  return {
    baseUrl: url.toString().replace(/\/+$/, ''),
    timeoutMs: merged.timeoutMs,
    headers: merged.headers,
    concurrency: merged.concurrency,
  };
}

/**
 * Normalizes a trace id given by a person or a backend: hex of any case, with leading zeros
 * trimmed or not (Tempo's search trims them), padded to 32 lowercase digits.
 *
 * @example
 * normalizeTraceId('2F3E0A'); // '000000000000000000000000002f3e0a'
 */
export function normalizeTraceId(id: string): string {
  const hex = id.trim().toLowerCase();
  if (!/^[0-9a-f]{1,32}$/.test(hex) || /^0+$/.test(hex)) {
    throw new ImportError(
      'invalid_argument',
      `invalid trace id ${JSON.stringify(id)}: expected up to 32 hex digits, not all zero`,
    );
  }
  return hex.padStart(32, '0');
}

/** Runs `fn` over `items` with at most `limit` at once, keeping order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}
