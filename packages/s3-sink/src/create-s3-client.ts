import { S3Client } from '@aws-sdk/client-s3';
import type { S3ClientSettings } from './types.js';

/** The client settings after defaults and the environment were applied. */
export interface ResolvedS3ClientSettings {
  readonly endpoint: string | undefined;
  readonly region: string;
  readonly forcePathStyle: boolean;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

const DEFAULT_REGION = 'us-east-1';

/**
 * Resolves client settings: code options over the standard AWS environment variables over the
 * defaults. A bad endpoint or timeout fails here, quoting the value. Credentials are not resolved
 * here: the SDK's own chain reads them when the first request is signed.
 *
 * @example
 * resolveS3ClientSettings({}, { AWS_ENDPOINT_URL: 'http://127.0.0.1:8333' });
 * // { endpoint: 'http://127.0.0.1:8333', region: 'us-east-1', forcePathStyle: true, … }
 */
export function resolveS3ClientSettings(
  settings: S3ClientSettings,
  env: Readonly<Record<string, string | undefined>>,
): ResolvedS3ClientSettings {
  const nonEmpty = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v);
  const endpoint =
    settings.endpoint ?? nonEmpty(env['AWS_ENDPOINT_URL_S3']) ?? nonEmpty(env['AWS_ENDPOINT_URL']);
  if (endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new TypeError(
        `S3 endpoint must be an http(s) URL, got ${JSON.stringify(endpoint.slice(0, 200))}`,
      );
    }
    if (url.username !== '' || url.password !== '') {
      // Never quote it: the user part could be a secret.
      throw new TypeError('S3 endpoint must not hold credentials (give them as credentials)');
    }
  }
  const pathStyleEnv = nonEmpty(env['WORKBENCH_S3_FORCE_PATH_STYLE'])?.trim().toLowerCase();
  let forcePathStyle = settings.forcePathStyle;
  if (forcePathStyle === undefined && pathStyleEnv !== undefined) {
    if (/^(1|true|yes|on)$/.test(pathStyleEnv)) forcePathStyle = true;
    else if (/^(0|false|no|off)$/.test(pathStyleEnv)) forcePathStyle = false;
    else {
      throw new TypeError(
        `WORKBENCH_S3_FORCE_PATH_STYLE must be true or false, got ${JSON.stringify(pathStyleEnv.slice(0, 40))}`,
      );
    }
  }
  return {
    endpoint,
    region:
      settings.region ??
      nonEmpty(env['AWS_REGION']) ??
      nonEmpty(env['AWS_DEFAULT_REGION']) ??
      DEFAULT_REGION,
    forcePathStyle: forcePathStyle ?? endpoint !== undefined,
    requestTimeoutMs: positive('requestTimeoutMs', settings.requestTimeoutMs, 30_000),
    connectTimeoutMs: positive('connectTimeoutMs', settings.connectTimeoutMs, 5_000),
  };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * An S3 client for the sink and the CLI: the resolved settings, static credentials when given
 * (else `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` of `env`, else the SDK's
 * default chain: profiles, SSO, container and instance roles), and no retries of the SDK's own, since the sink retries each
 * request itself (it must know whether a conditional put may have happened).
 *
 * @example
 * const client = createS3Client({ endpoint: 'http://127.0.0.1:8333' });
 */
export function createS3Client(
  settings: S3ClientSettings = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): S3Client {
  const r = resolveS3ClientSettings(settings, env);
  // The keys in `env` first (when it is not process.env, the SDK would not see them), then the
  // SDK's own chain (process.env, profiles, SSO, roles).
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  const sessionToken = env['AWS_SESSION_TOKEN'];
  const credentials =
    settings.credentials ??
    (accessKeyId !== undefined && accessKeyId !== '' && secretAccessKey !== undefined
      ? { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }
      : undefined);
  return new S3Client({
    region: r.region,
    forcePathStyle: r.forcePathStyle,
    ...(r.endpoint === undefined ? {} : { endpoint: r.endpoint }),
    ...(credentials === undefined
      ? {}
      : {
          credentials: {
            accessKeyId: credentials.accessKeyId,
            secretAccessKey: credentials.secretAccessKey,
            ...(credentials.sessionToken === undefined
              ? {}
              : { sessionToken: credentials.sessionToken }),
          },
        }),
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: r.requestTimeoutMs,
      connectionTimeout: r.connectTimeoutMs,
    },
  });
}
