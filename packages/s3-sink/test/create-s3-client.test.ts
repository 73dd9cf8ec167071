import { describe, expect, it } from 'vitest';
import { createS3Client, resolveS3ClientSettings } from '../src/index.js';

describe('resolveS3ClientSettings', () => {
  it('takes the endpoint from options, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, with path style when one is set', () => {
    expect(resolveS3ClientSettings({}, {})).toMatchObject({
      endpoint: undefined,
      region: 'us-east-1',
      forcePathStyle: false,
    });
    expect(
      resolveS3ClientSettings(
        {},
        { AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_REGION: 'eu-west-3' },
      ),
    ).toMatchObject({ endpoint: 'http://127.0.0.1:1', region: 'eu-west-3', forcePathStyle: true });
    expect(
      resolveS3ClientSettings(
        {},
        {
          AWS_ENDPOINT_URL: 'http://a:1',
          AWS_ENDPOINT_URL_S3: 'http://b:2',
          AWS_DEFAULT_REGION: 'x',
        },
      ),
    ).toMatchObject({ endpoint: 'http://b:2', region: 'x' });
    expect(
      resolveS3ClientSettings({ endpoint: 'https://c:3' }, { AWS_ENDPOINT_URL: 'http://a:1' }),
    ).toMatchObject({ endpoint: 'https://c:3' });
    expect(
      resolveS3ClientSettings(
        {},
        { AWS_ENDPOINT_URL: 'http://a:1', WORKBENCH_S3_FORCE_PATH_STYLE: 'false' },
      ),
    ).toMatchObject({ forcePathStyle: false });
  });

  it('fails at construction on a bad endpoint, quoting it, but never quotes credentials inside one', () => {
    expect(() => resolveS3ClientSettings({ endpoint: 'ftp://x' }, {})).toThrow(/"ftp:\/\/x"/);
    expect(() => resolveS3ClientSettings({}, { AWS_ENDPOINT_URL: 'not a url' })).toThrow(
      /"not a url"/,
    );
    let message = '';
    try {
      resolveS3ClientSettings({ endpoint: 'http://AKIA:supersecret@host:1' }, {});
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/must not hold credentials/);
    expect(message).not.toContain('supersecret');
    expect(() => resolveS3ClientSettings({}, { WORKBENCH_S3_FORCE_PATH_STYLE: 'maybe' })).toThrow(
      /"maybe"/,
    );
    expect(() => resolveS3ClientSettings({ requestTimeoutMs: 0 }, {})).toThrow(/requestTimeoutMs/);
  });
});

describe('createS3Client', () => {
  it('makes a client that does not retry on its own (the sink does) and never prints its secret', async () => {
    const client = createS3Client(
      {
        endpoint: 'http://127.0.0.1:9',
        credentials: { accessKeyId: 'AK', secretAccessKey: 'very-secret-key' },
      },
      {},
    );
    try {
      expect(await client.config.maxAttempts()).toBe(1);
      expect(client.config.forcePathStyle).toBe(true);
    } finally {
      client.destroy();
    }
  });
});
