import type { S3Client } from '@aws-sdk/client-s3';
import type { SignerRole, SigningKey } from '@llm-workbench/evidence';

/** Static credentials; without them the AWS SDK's default chain is used (env, config, SSO, IMDS). */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

/**
 * How to reach the S3 service. Every field has a default read (lazily) from the standard AWS
 * environment; code options win.
 */
export interface S3ClientSettings {
  /**
   * The S3 endpoint of an S3-compatible server, e.g. `http://127.0.0.1:8333` (SeaweedFS).
   * Default `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, else AWS itself.
   */
  endpoint?: string | undefined;
  /** Region. Default `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`. */
  region?: string | undefined;
  /**
   * Path-style URLs (`endpoint/bucket/key`) instead of virtual-hosted ones
   * (`bucket.endpoint/key`). Default `WORKBENCH_S3_FORCE_PATH_STYLE` (true/false), else true
   * when an endpoint is set (S3-compatible servers such as SeaweedFS want it), else false.
   */
  forcePathStyle?: boolean | undefined;
  /** Credentials. Default: the AWS SDK's chain (`AWS_ACCESS_KEY_ID`…, `~/.aws`, roles). Never logged. */
  credentials?: S3Credentials | undefined;
  /** Longest wait for one request's answer, in ms. Default 30000. */
  requestTimeoutMs?: number | undefined;
  /** Longest wait for a connection, in ms. Default 5000. */
  connectTimeoutMs?: number | undefined;
}

/**
 * Retries of a failed request: exponential backoff with full jitter (each wait a random time up
 * to `min(maxDelayMs, baseDelayMs * 2^n)`), bounded by attempts and by total time. Retried:
 * network errors, timeouts, 5xx, 429 and S3's throttling and conflict codes; never 4xx otherwise.
 */
export interface RetryOptions {
  /** Most attempts of one request (the first included). Default 8. */
  maxAttempts?: number | undefined;
  /** First backoff ceiling, in ms. Default 100. */
  baseDelayMs?: number | undefined;
  /** Largest backoff ceiling, in ms. Default 5000. */
  maxDelayMs?: number | undefined;
  /** No attempt starts after this long since the first, in ms. Default 60000. */
  totalTimeMs?: number | undefined;
}

/** Options of `S3BundleSink`. */
export interface S3BundleSinkOptions extends S3ClientSettings {
  /** The bucket; it must exist (the sink never creates buckets). Required. */
  bucket: string;
  /**
   * Key prefix under which everything is written, e.g. `prod/bundles` (a `/` is added).
   * Segments of letters, digits and `._=+,@-`. Default '' (the bucket's root).
   */
  prefix?: string | undefined;
  /** A client of your own (its endpoint, credentials and retries are then yours). Default: made from the settings. */
  client?: S3Client | undefined;
  /**
   * Keep a hash-chained ledger beside the bundles (`<prefix>ledger/…`), which
   * `workbench verify s3://bucket/prefix/` checks the prefix against. Safe with many writers.
   * Default true.
   */
  ledger?: boolean | undefined;
  /** Sign every bundle: `X.dsse.json` is put before `X.json`, and a signed ledger checkpoint kept. */
  signingKey?: SigningKey | undefined;
  /** Who the signatures say vouched: `app`, `receiver` or `operator`. Default `app`. */
  signerRole?: SignerRole | undefined;
  /** Most bundle writes in progress at once; more wait their turn. Default 8. */
  maxConcurrentWrites?: number | undefined;
  /** Most writes waiting for a turn; beyond it `write` fails at once with `overloaded`. Default 1000. */
  maxQueuedWrites?: number | undefined;
  /** Retries of each request. */
  retry?: RetryOptions | undefined;
  /** Longest a ledger append may take, contention with other writers included, in ms. Default 60000. */
  ledgerTimeoutMs?: number | undefined;
  /** Environment to read the client's defaults from. Default `process.env`, read at construction. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}
