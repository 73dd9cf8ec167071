/** A bucket and a key (or key prefix) in it, as `s3://bucket/key` names them. */
export interface S3Location {
  readonly bucket: string;
  /** The object key; for a folder, '' (the bucket's root) or a prefix ending in `/`. */
  readonly key: string;
}

/** Why an `s3://` location was refused, as data. */
export interface S3LocationIssue {
  readonly code: 'not_s3_url' | 'invalid_bucket' | 'invalid_key' | 'invalid_prefix';
  readonly message: string;
}

/** S3's bucket naming rules (3 to 63 of a-z, 0-9, `.`, `-`; a letter or digit at each end). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** One segment of a prefix the sink writes under: letters, digits and a few safe marks. */
const PREFIX_SEGMENT = /^[A-Za-z0-9_=+,@-][A-Za-z0-9._=+,@-]*$/;
/** The longest prefix: with the longest name the sink makes (88 bytes), a key stays far below 1024. */
export const MAX_PREFIX_BYTES = 512;
/** S3's longest key. */
const MAX_KEY_BYTES = 1024;

/**
 * Whether `text` is an `s3://` URL (the CLI's way to tell a location from a file path).
 *
 * @example
 * isS3Url('s3://bundles/prod/'); // true
 */
export function isS3Url(text: string): boolean {
  return text.startsWith('s3://');
}

/**
 * Parses `s3://bucket/key` (or `s3://bucket`, `s3://bucket/prefix/`). The bucket must follow
 * S3's naming rules; the key is kept as given (any key may be read), up to S3's 1024 bytes and
 * without control characters.
 *
 * @example
 * parseS3Url('s3://bundles/prod/4bf92f3577b34da6a3ce929d0e0e4736.json');
 * // { ok: true, location: { bucket: 'bundles', key: 'prod/4bf9….json' } }
 */
export function parseS3Url(
  text: string,
): { ok: true; location: S3Location } | { ok: false; issue: S3LocationIssue } {
  if (!isS3Url(text)) {
    return { ok: false, issue: { code: 'not_s3_url', message: 'not an s3:// URL' } };
  }
  const rest = text.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? '' : rest.slice(slash + 1);
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    return {
      ok: false,
      issue: {
        code: 'invalid_bucket',
        message: `${JSON.stringify(bucket.slice(0, 80))} is not a bucket name (3-63 of a-z, 0-9, '.', '-')`,
      },
    };
  }
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES || /[\u0000-\u001f\u007f]/.test(key)) {
    return {
      ok: false,
      issue: {
        code: 'invalid_key',
        message: `the key is longer than ${MAX_KEY_BYTES} bytes or holds control characters`,
      },
    };
  }
  return { ok: true, location: { bucket, key } };
}

/**
 * Checks and normalizes a prefix the sink writes under: '' (the bucket's root) or segments of
 * letters, digits and `._=+,@-` separated by `/`, none empty, `.` or `..`, at most
 * {@link MAX_PREFIX_BYTES}; a trailing `/` is added. Every key the sink makes is this prefix
 * followed by names of hex digits, so no trace id or prefix can reach another prefix.
 *
 * @example
 * normalizePrefix('prod/bundles'); // { ok: true, prefix: 'prod/bundles/' }
 */
export function normalizePrefix(
  prefix: string,
): { ok: true; prefix: string } | { ok: false; issue: S3LocationIssue } {
  if (prefix === '') return { ok: true, prefix: '' };
  const body = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const bad = (why: string) => ({
    ok: false as const,
    issue: {
      code: 'invalid_prefix' as const,
      message: `prefix ${JSON.stringify(prefix.slice(0, 80))} ${why}`,
    },
  });
  if (Buffer.byteLength(body, 'utf8') > MAX_PREFIX_BYTES) {
    return bad(`is longer than ${MAX_PREFIX_BYTES} bytes`);
  }
  for (const segment of body.split('/')) {
    if (segment === '' || segment === '.' || segment === '..' || !PREFIX_SEGMENT.test(segment)) {
      return bad(
        "must be '/'-separated segments of letters, digits and ._=+,@- (none empty, '.' or '..')",
      );
    }
  }
  return { ok: true, prefix: `${body}/` };
}

/**
 * The `s3://` URL of a key.
 *
 * @example
 * s3Url('bundles', 'prod/a.json'); // 's3://bundles/prod/a.json'
 */
export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
