import { describe, expect, it } from 'vitest';
import { BundleSinkError } from '@llm-workbench/sink';
import { describeS3Error, isRetryable, resolveRetryOptions, withRetry } from '../src/index.js';

const s3Error = (name: string, status: number) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
const netError = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

describe('isRetryable', () => {
  it('retries network errors, timeouts, 5xx, 429, 408 and S3 throttling or conflict codes', () => {
    for (const e of [
      netError('ECONNREFUSED'),
      netError('ECONNRESET'),
      netError('ETIMEDOUT'),
      Object.assign(new Error('t'), { name: 'TimeoutError' }),
      s3Error('InternalError', 500),
      s3Error('ServiceUnavailable', 503),
      s3Error('SlowDown', 503),
      s3Error('TooManyRequests', 429),
      s3Error('RequestTimeout', 400),
      s3Error('ConditionalRequestConflict', 409),
    ]) {
      expect(isRetryable(e), describeS3Error(e)).toBe(true);
    }
  });

  it('never retries a precondition failure, other 4xx or missing credentials', () => {
    for (const e of [
      s3Error('PreconditionFailed', 412),
      s3Error('AccessDenied', 403),
      s3Error('NoSuchBucket', 404),
      s3Error('InvalidRequest', 400),
      Object.assign(new Error('no creds'), { name: 'CredentialsProviderError' }),
      new TypeError('bug'),
      'not an error',
    ]) {
      expect(isRetryable(e)).toBe(false);
    }
  });
});

describe('withRetry', () => {
  it('tries again after retryable errors until one succeeds', async () => {
    let n = 0;
    const r = await withRetry(
      'op',
      async () => {
        if (++n < 3) throw netError('ECONNREFUSED');
        return 'done';
      },
      resolveRetryOptions({ baseDelayMs: 1, maxDelayMs: 2 }),
    );
    expect(r).toBe('done');
    expect(n).toBe(3);
  });

  it('gives up after maxAttempts with code unavailable and the last error as cause', async () => {
    let n = 0;
    const err = await withRetry(
      'put s3://b/k',
      async () => {
        n++;
        throw s3Error('ServiceUnavailable', 503);
      },
      resolveRetryOptions({ maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2 }),
    ).catch((e: unknown) => e);
    expect(n).toBe(4);
    expect(err).toBeInstanceOf(BundleSinkError);
    expect(err).toMatchObject({ code: 'unavailable' });
    expect((err as Error).message).toMatch(
      /^put s3:\/\/b\/k: ServiceUnavailable HTTP 503.*gave up after 4 attempt/,
    );
    expect((err as Error).cause).toMatchObject({ name: 'ServiceUnavailable' });
  });

  it('gives up when the next wait would pass the total time', async () => {
    const started = Date.now();
    let n = 0;
    const err = await withRetry(
      'op',
      async () => {
        n++;
        throw netError('ECONNRESET');
      },
      resolveRetryOptions({ maxAttempts: 1000, baseDelayMs: 20, maxDelayMs: 40, totalTimeMs: 300 }),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'unavailable' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(n).toBeGreaterThan(1);
  });

  it('throws a non-retryable error at once, as it is', async () => {
    let n = 0;
    const denied = s3Error('AccessDenied', 403);
    await expect(
      withRetry(
        'op',
        async () => {
          n++;
          throw denied;
        },
        resolveRetryOptions(),
      ),
    ).rejects.toBe(denied);
    expect(n).toBe(1);
  });
});

describe('resolveRetryOptions', () => {
  it('quotes a bad value', () => {
    expect(() => resolveRetryOptions({ maxAttempts: 0 })).toThrow(/retry.maxAttempts .* got 0/);
    expect(() => resolveRetryOptions({ totalTimeMs: 1.5 })).toThrow(/got 1.5/);
  });
});
