import { basename, dirname, join } from 'node:path';
import type { TrustedKey } from '@llm-workbench/evidence';
import type { S3PrefixVerdict, S3Store } from '@llm-workbench/s3-sink';
import type { BundleSink } from '@llm-workbench/sink';
import { CliError, EXIT } from './io.js';
import { readBounded, type BoundedRead } from './read-bounded.js';

/**
 * The flag of every command that reads `s3://` URLs, for its `parseArgs` options. The rest of the
 * client's settings come from the standard AWS environment (`AWS_ENDPOINT_URL`, `AWS_REGION`,
 * `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` or `AWS_PROFILE`…) and
 * `WORKBENCH_S3_FORCE_PATH_STYLE`; with an endpoint, URLs are path-style by default.
 */
export const S3_ENDPOINT_OPTION = { 's3-endpoint': { type: 'string' } } as const;

/** Help lines for {@link S3_ENDPOINT_OPTION}. */
export const S3_ENDPOINT_HELP = `      --s3-endpoint URL  the S3 endpoint of an S3-compatible server (SeaweedFS…) for s3://
                         inputs; default AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, else AWS.
                         Credentials and region: the AWS environment (AWS_ACCESS_KEY_ID…)`;

/** What a command passes on about S3: the `--s3-endpoint` it was given, if any. */
export interface S3InputSettings {
  readonly endpoint?: string | undefined;
}

/** The settings from a command's parsed flags. */
export function s3SettingsFrom(values: { 's3-endpoint'?: string | undefined }): S3InputSettings {
  return values['s3-endpoint'] === undefined ? {} : { endpoint: values['s3-endpoint'] };
}

/**
 * Whether an input names an S3 object or prefix (`s3://bucket/key`) rather than a file. Checked
 * without loading the AWS SDK, which is loaded only when an `s3://` input is read.
 */
export function isS3Input(path: string): boolean {
  return path.startsWith('s3://');
}

/** Whether an `s3://` input names a prefix (the bucket's root, or a key ending in `/`). */
export function isS3Prefix(url: string): boolean {
  const rest = url.slice('s3://'.length);
  return !rest.includes('/') || rest.endsWith('/');
}

/**
 * The input named `name` beside `path` (a file's folder, or an object's prefix): where a bundle's
 * envelope `X.dsse.json` is looked for.
 *
 * @example
 * beside('s3://b/prod/x.json', 'x.dsse.json'); // 's3://b/prod/x.dsse.json'
 */
export function beside(path: string, name: string): string {
  return isS3Input(path)
    ? `${path.slice(0, path.lastIndexOf('/') + 1)}${name}`
    : join(dirname(path), name);
}

/** The last segment of a file path or an S3 key. */
export function inputBaseName(path: string): string {
  return isS3Input(path) ? path.slice(path.lastIndexOf('/') + 1) : basename(path);
}

/** Retries of the CLI's requests: a few, within seconds (the sink's are longer). */
const CLI_RETRY = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 2_000, totalTimeMs: 20_000 };

/**
 * Runs `fn` with a store on the bucket of `url` and the key it names; the client is made from
 * the settings and the AWS environment, and closed afterwards. Errors become `CliError`s: a bad
 * URL is bad usage (2), an unreachable or refusing server an I/O failure (3), never with a
 * credential in the message.
 */
export async function withS3<T>(
  url: string,
  settings: S3InputSettings,
  fn: (store: S3Store, key: string) => Promise<T>,
): Promise<T> {
  const s3 = await import('@llm-workbench/s3-sink');
  const parsed = s3.parseS3Url(url);
  if (!parsed.ok) throw new CliError(`${url}: ${parsed.issue.message}`, EXIT.usage);
  let client;
  try {
    client = s3.createS3Client({ endpoint: settings.endpoint }, process.env);
  } catch (err) {
    throw new CliError(`${url}: ${(err as Error).message}`, EXIT.usage);
  }
  try {
    const store = new s3.S3Store(client, parsed.location.bucket, s3.resolveRetryOptions(CLI_RETRY));
    return await fn(store, parsed.location.key);
  } catch (err) {
    if (err instanceof CliError) throw err;
    const cause = (err as { cause?: unknown }).cause ?? err;
    throw new CliError(`cannot read ${url}: ${s3.describeS3Error(cause)}`, EXIT.io, { cause: err });
  } finally {
    client.destroy();
  }
}

/**
 * Reads a whole object as text, at most `maxBytes`. A missing object or a prefix is an I/O error
 * (3) with a reason, as a missing file is.
 *
 * @example
 * const text = await readS3Text('s3://bundles/prod/x.json', {}, MAX_INPUT_BYTES);
 */
export async function readS3Text(
  url: string,
  settings: S3InputSettings,
  maxBytes: number,
): Promise<string> {
  if (isS3Prefix(url)) {
    throw new CliError(`${url} names a prefix, not an object`, EXIT.io);
  }
  const read = await withS3(url, settings, (store, key) => store.get(key, maxBytes));
  if ('text' in read) return read.text;
  throw new CliError(
    `cannot read ${url}: ${'missing' in read ? 'no such object' : read.refused}`,
    EXIT.io,
  );
}

/**
 * A file or an object read as {@link readBounded} reads a file: its text, absent, or why not.
 * For envelopes and other small companions of an input.
 */
export async function readBoundedInput(
  path: string,
  maxBytes: number,
  settings: S3InputSettings,
  options: { follow?: boolean } = {},
): Promise<BoundedRead> {
  if (!isS3Input(path)) return readBounded(path, maxBytes, options);
  try {
    const read = await withS3(path, settings, (store, key) => store.get(key, maxBytes));
    return 'text' in read ? { text: read.text } : read;
  } catch (err) {
    return { refused: (err as Error).message };
  }
}

/**
 * An S3 object opened for reading piece by piece (an OTLP file to import): its body and length.
 * Call `close()` once it is read (or abandoned). A missing object is an I/O error (3).
 */
export async function openS3Stream(
  url: string,
  settings: S3InputSettings,
): Promise<{ body: AsyncIterable<Uint8Array>; size: number | null; close: () => void }> {
  const s3 = await import('@llm-workbench/s3-sink');
  const parsed = s3.parseS3Url(url);
  if (!parsed.ok) throw new CliError(`${url}: ${parsed.issue.message}`, EXIT.usage);
  if (isS3Prefix(url)) throw new CliError(`${url} names a prefix, not an object`, EXIT.io);
  let client;
  try {
    client = s3.createS3Client({ endpoint: settings.endpoint }, process.env);
  } catch (err) {
    throw new CliError(`${url}: ${(err as Error).message}`, EXIT.usage);
  }
  const close = () => client.destroy();
  try {
    const store = new s3.S3Store(client, parsed.location.bucket, s3.resolveRetryOptions(CLI_RETRY));
    const opened = await store.openStream(parsed.location.key);
    if (opened === null) throw new CliError(`cannot read ${url}: no such object`, EXIT.io);
    return { ...opened, close };
  } catch (err) {
    close();
    if (err instanceof CliError) throw err;
    const cause = (err as { cause?: unknown }).cause ?? err;
    throw new CliError(`cannot read ${url}: ${s3.describeS3Error(cause)}`, EXIT.io, { cause: err });
  }
}

/**
 * The sink of `--out s3://bucket/prefix` (import): an S3BundleSink with the AWS environment's
 * credentials, checked at once (the bucket must exist). Shut it down when done: its last ledger
 * appends and its client.
 */
export async function openS3Sink(url: string, settings: S3InputSettings): Promise<BundleSink> {
  const s3 = await import('@llm-workbench/s3-sink');
  let sink;
  try {
    sink = s3.S3BundleSink.fromUrl(url, { endpoint: settings.endpoint, env: process.env });
  } catch (err) {
    throw new CliError(`--out ${url}: ${(err as Error).message}`, EXIT.usage);
  }
  try {
    await sink.checkAccess();
  } catch (err) {
    await sink.shutdown();
    const cause = (err as { cause?: unknown }).cause ?? err;
    throw new CliError(`cannot write to ${url}: ${s3.describeS3Error(cause)}`, EXIT.io, {
      cause: err,
    });
  }
  return sink;
}

/**
 * Checks the bundles under an `s3://bucket/prefix/` against the ledger S3BundleSink keeps there
 * (see `verifyS3Prefix` in @llm-workbench/s3-sink).
 */
export async function verifyS3Folder(
  url: string,
  trusted: readonly TrustedKey[],
  settings: S3InputSettings,
  limits: { maxBundleBytes: number; maxLedgerBytes: number },
): Promise<S3PrefixVerdict> {
  const s3 = await import('@llm-workbench/s3-sink');
  return withS3(url, settings, (store, key) => s3.verifyS3Prefix(store, key, trusted, limits));
}
