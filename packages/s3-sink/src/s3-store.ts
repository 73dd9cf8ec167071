import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { s3Url } from './s3-location.js';
import { httpStatusOf, mayHaveHappened, withRetry, type ResolvedRetryOptions } from './retry.js';

/** An object read by {@link S3Store.get}: its text, absent, or why it was not read. */
export type ObjectRead =
  { text: string; etag: string | undefined } | { missing: true } | { refused: string };

/** What a create-only put found. */
export type CreateOutcome =
  /** This put created the object. */
  | 'created'
  /** An object was there already. */
  | 'exists'
  /**
   * An object was there when a retry looked, and an earlier attempt of this put may have created
   * it (its answer was lost): the caller reads it back to tell.
   */
  | 'exists_maybe_ours';

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return httpStatusOf(err) === 404 || name === 'NoSuchKey' || name === 'NotFound';
}

function isPreconditionFailed(err: unknown): boolean {
  return (
    httpStatusOf(err) === 412 || (err as { name?: unknown } | null)?.name === 'PreconditionFailed'
  );
}

/**
 * The few S3 operations the sink and the CLI need, on one bucket, each retried with backoff
 * (see `withRetry`): create-only and conditional puts, bounded reads, listings.
 *
 * @example
 * const store = new S3Store(client, 'bundles', resolveRetryOptions());
 * await store.create('prod/a.json', text, 'application/json'); // 'created' | 'exists' | …
 */
export class S3Store {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    readonly retry: ResolvedRetryOptions,
  ) {}

  /** One PutObject, retried; `onAttemptError` sees each failed attempt's error. */
  private async putObject(
    key: string,
    body: string,
    contentType: string,
    condition: { readonly IfNoneMatch?: string; readonly IfMatch?: string },
    onAttemptError?: (err: unknown) => void,
  ): Promise<void> {
    await withRetry(
      `put ${s3Url(this.bucket, key)}`,
      async () => {
        try {
          await this.client.send(
            new PutObjectCommand({
              Bucket: this.bucket,
              Key: key,
              Body: body,
              ContentType: contentType,
              ...condition,
            }),
          );
        } catch (err) {
          onAttemptError?.(err);
          throw err;
        }
      },
      this.retry,
    );
  }

  /**
   * Puts `body` at `key` only if no object is there (`If-None-Match: *`): never overwrites.
   */
  async create(key: string, body: string, contentType: string): Promise<CreateOutcome> {
    let maybeOurs = false;
    try {
      await this.putObject(key, body, contentType, { IfNoneMatch: '*' }, (err) => {
        if (mayHaveHappened(err)) maybeOurs = true;
      });
      return 'created';
    } catch (err) {
      if (isPreconditionFailed(err)) return maybeOurs ? 'exists_maybe_ours' : 'exists';
      throw err;
    }
  }

  /** Puts `body` at `key`, replacing what is there: for envelopes, never for bundles. */
  async put(key: string, body: string, contentType: string): Promise<void> {
    await this.putObject(key, body, contentType, {});
  }

  /**
   * Puts `body` at `key` if the object there still has the ETag `ifMatch` (or, with `ifMatch`
   * null, if there is none): a compare-and-swap. Returns false when the condition failed, or when
   * a lost answer leaves it unknown whether this put happened (the caller reads back).
   */
  async replace(
    key: string,
    body: string,
    contentType: string,
    ifMatch: string | null,
  ): Promise<boolean> {
    try {
      await this.putObject(
        key,
        body,
        contentType,
        ifMatch === null ? { IfNoneMatch: '*' } : { IfMatch: ifMatch },
      );
      return true;
    } catch (err) {
      // With If-Match, AWS answers 404 when the object is gone.
      if (isPreconditionFailed(err) || isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Reads an object as UTF-8 text if it is at most `maxBytes` long; a longer one is refused
   * without reading its body. With `expectBytes`, an object of any other length is refused the
   * same way (a caller comparing with bytes of its own need not read a different object).
   */
  async get(key: string, maxBytes: number, expectBytes?: number): Promise<ObjectRead> {
    return withRetry(
      `get ${s3Url(this.bucket, key)}`,
      async () => {
        let res;
        try {
          res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        } catch (err) {
          if (isNotFound(err)) return { missing: true } as const;
          throw err;
        }
        const body = res.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
        const length = res.ContentLength;
        const refuse = (why: string): ObjectRead => {
          body?.destroy?.();
          return { refused: why };
        };
        if (length !== undefined && length > maxBytes) {
          return refuse(`is larger than ${maxBytes} bytes: not read`);
        }
        if (expectBytes !== undefined && length !== undefined && length !== expectBytes) {
          return refuse(`is ${length} bytes, not ${expectBytes}`);
        }
        const chunks: Buffer[] = [];
        let size = 0;
        if (body !== undefined) {
          for await (const chunk of body) {
            size += chunk.length;
            if (size > maxBytes) return refuse(`is larger than ${maxBytes} bytes: not read`);
            chunks.push(Buffer.from(chunk));
          }
        }
        return { text: Buffer.concat(chunks, size).toString('utf8'), etag: res.ETag };
      },
      this.retry,
    );
  }

  /**
   * Checks that the bucket is there and these credentials reach it (HeadBucket), so that a
   * service fails at start rather than at its first bundle. Throws the S3 error (retries spent).
   */
  async checkBucket(): Promise<void> {
    await withRetry(
      `head s3://${this.bucket}`,
      () => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })),
      this.retry,
    );
  }

  /**
   * Opens an object for reading as a stream (a large input read piece by piece): its body and
   * length, or null when there is none. The request is retried; a failure mid-body is the
   * reader's (the stream errors).
   */
  async openStream(
    key: string,
  ): Promise<{ body: AsyncIterable<Uint8Array>; size: number | null } | null> {
    return withRetry(
      `get ${s3Url(this.bucket, key)}`,
      async () => {
        try {
          const res = await this.client.send(
            new GetObjectCommand({ Bucket: this.bucket, Key: key }),
          );
          const body = (res.Body as AsyncIterable<Uint8Array> | undefined) ?? emptyBody();
          return { body, size: res.ContentLength ?? null };
        } catch (err) {
          if (isNotFound(err)) return null;
          throw err;
        }
      },
      this.retry,
    );
  }

  /** Whether an object is at `key`. */
  async exists(key: string): Promise<boolean> {
    return withRetry(
      `head ${s3Url(this.bucket, key)}`,
      async () => {
        try {
          await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
          return true;
        } catch (err) {
          if (isNotFound(err)) return false;
          throw err;
        }
      },
      this.retry,
    );
  }

  /** One ListObjectsV2 request under `prefix` (one folder level with `delimiter`), retried. */
  private listPage(
    prefix: string,
    delimiter: string | undefined,
    page: { StartAfter?: string; MaxKeys?: number; ContinuationToken?: string },
  ): Promise<ListObjectsV2CommandOutput> {
    return withRetry(
      `list ${s3Url(this.bucket, prefix)}`,
      () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(delimiter === undefined ? {} : { Delimiter: delimiter }),
            ...page,
          }),
        ),
      this.retry,
    );
  }

  /**
   * Up to `max` keys under `prefix` (one folder level with `delimiter`) after `startAfter`, in
   * S3's order: one request.
   */
  async keysAfter(
    prefix: string,
    delimiter: string | undefined,
    startAfter: string,
    max: number,
  ): Promise<string[]> {
    const page = await this.listPage(prefix, delimiter, { StartAfter: startAfter, MaxKeys: max });
    return (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key]));
  }

  /**
   * The keys under `prefix`, in S3's (UTF-8 binary) order, a page at a time; with `delimiter`,
   * only those with no delimiter after the prefix (one "folder" level).
   */
  async *list(prefix: string, delimiter?: string, startAfter?: string): AsyncGenerator<string> {
    let token: string | undefined;
    do {
      const page = await this.listPage(
        prefix,
        delimiter,
        token === undefined
          ? startAfter === undefined
            ? {}
            : { StartAfter: startAfter }
          : { ContinuationToken: token },
      );
      for (const o of page.Contents ?? []) if (o.Key !== undefined) yield o.Key;
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {
  // An object with no body: nothing to yield.
}
