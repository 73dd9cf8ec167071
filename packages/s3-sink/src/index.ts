export type {
  RetryOptions,
  S3BundleSinkOptions,
  S3ClientSettings,
  S3Credentials,
} from './types.js';
export { MAX_BUNDLE_BYTES, S3BundleSink } from './s3-bundle-sink.js';
export { createS3Client, resolveS3ClientSettings } from './create-s3-client.js';
export type { ResolvedS3ClientSettings } from './create-s3-client.js';
export {
  describeS3Error,
  isRetryable,
  resolveRetryOptions,
  RETRY_DEFAULTS,
  withRetry,
} from './retry.js';
export type { ResolvedRetryOptions } from './retry.js';
export { isS3Url, MAX_PREFIX_BYTES, normalizePrefix, parseS3Url, s3Url } from './s3-location.js';
export type { S3Location, S3LocationIssue } from './s3-location.js';
export { S3Store } from './s3-store.js';
export type { CreateOutcome, ObjectRead } from './s3-store.js';
export {
  checkpointKey,
  LEDGER_DIR,
  LEDGER_OBJECT,
  ledgerObjectKey,
  MAX_LEDGER_OBJECT_BYTES,
  MAX_LINES_PER_OBJECT,
  RECEIPTS_DIR,
  receiptKey,
  S3Ledger,
} from './s3-ledger.js';
export { verifyS3Prefix } from './verify-s3-prefix.js';
export type { S3PrefixVerdict, VerifyS3PrefixLimits } from './verify-s3-prefix.js';
