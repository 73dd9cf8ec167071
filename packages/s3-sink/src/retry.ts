import { setTimeout as delay } from 'node:timers/promises';
import { BundleSinkError } from '@llm-workbench/sink';
import type { RetryOptions } from './types.js';

/** The retry options after defaults. */
export type ResolvedRetryOptions = Required<{ [K in keyof RetryOptions]: number }>;

export const RETRY_DEFAULTS: ResolvedRetryOptions = {
  maxAttempts: 8,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  totalTimeMs: 60_000,
};

/**
 * Fills in and checks retry options; a bad value fails here, quoted.
 *
 * @example
 * resolveRetryOptions({ maxAttempts: 3 }).baseDelayMs; // 100
 */
export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const out = { ...RETRY_DEFAULTS };
  for (const name of Object.keys(RETRY_DEFAULTS) as Array<keyof ResolvedRetryOptions>) {
    const v = options[name];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || v < (name === 'maxAttempts' ? 1 : 0)) {
      throw new TypeError(`retry.${name} must be a whole number, got ${JSON.stringify(v)}`);
    }
    out[name] = v;
  }
  return out;
}

/** The HTTP status of an S3 error, when the server answered. */
export function httpStatusOf(err: unknown): number | undefined {
  const status = (err as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata
    ?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** S3 error names worth another try whatever their status. */
const RETRYABLE_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  // AWS answers 409 to the loser of two conditional writes racing on one key: try again.
  'ConditionalRequestConflict',
  'OperationAborted',
  'TimeoutError',
]);

/** Network failures: the request may or may not have reached the server. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/**
 * Whether a failed S3 request is worth another try: network errors and timeouts, 5xx, 429, 408
 * and S3's throttling and conflict codes. Never other 4xx (a 403 stays a 403), never a
 * precondition failure (412: the answer to a conditional put, not a fault).
 *
 * @example
 * isRetryable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })); // true
 */
export function isRetryable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown; $retryable?: unknown };
  const status = httpStatusOf(err);
  if (status !== undefined) {
    if (status === 412) return false;
    if (status >= 500 || status === 429 || status === 408) return true;
    return typeof e.name === 'string' && RETRYABLE_NAMES.has(e.name);
  }
  if (e.name === 'CredentialsProviderError') return false;
  if (typeof e.name === 'string' && RETRYABLE_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  return e.$retryable !== undefined && e.$retryable !== null;
}

/**
 * Whether a failed request may still have been carried out by the server: no answer came back
 * (a network error or timeout after sending) or a 5xx. A conditional put that failed so must be
 * read back before its outcome is known.
 */
export function mayHaveHappened(err: unknown): boolean {
  const status = httpStatusOf(err);
  return status === undefined || status >= 500;
}

/** One line about an S3 error: its name, status and message; never a request or a credential. */
export function describeS3Error(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, 300);
  const status = httpStatusOf(err);
  const code = (err as { code?: unknown }).code;
  const parts = [err.name];
  if (status !== undefined) parts.push(`HTTP ${status}`);
  if (typeof code === 'string' && code !== err.name) parts.push(code);
  const message = err.message.replace(/\s+/g, ' ').slice(0, 300);
  return `${parts.join(' ')}${message === '' || message === err.name ? '' : `: ${message}`}`;
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not retryable, or the attempts
 * or the time run out; then throws `BundleSinkError` code `unavailable` with the last error as
 * its cause. Waits are exponential with full jitter, so writers that failed together do not come
 * back together.
 *
 * @example
 * await withRetry('put s3://b/k', () => client.send(command), resolveRetryOptions());
 */
export async function withRetry<T>(
  what: string,
  attempt: (n: number) => Promise<T>,
  options: ResolvedRetryOptions,
): Promise<T> {
  const started = Date.now();
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!isRetryable(err)) throw err;
      const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (n - 1));
      const wait = Math.floor(Math.random() * (ceiling + 1));
      const elapsed = Date.now() - started;
      if (n >= options.maxAttempts || elapsed + wait > options.totalTimeMs) {
        throw new BundleSinkError(
          `${what}: ${describeS3Error(err)} (gave up after ${n} attempt(s) in ${elapsed} ms)`,
          'unavailable',
          { cause: err },
        );
      }
      // A referenced timer: a CLI waiting on a retry must not exit before it.
      await delay(wait);
    }
  }
}
