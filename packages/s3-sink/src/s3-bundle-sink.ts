import type { S3Client } from '@aws-sdk/client-s3';
import {
  isValidTraceId,
  serializeBundle,
  verifyBundle,
  type RunBundle,
} from '@llm-workbench/bundle';
import {
  envelopeNameFor,
  MAX_ENVELOPE_BYTES,
  type SignerRole,
  type SigningKey,
} from '@llm-workbench/evidence';
import {
  BundleSinkError,
  envelopeFile,
  recordableSha256,
  resolveSigningOptions,
  type BundleSink,
  type BundleWriteResult,
} from '@llm-workbench/sink';
import { createS3Client } from './create-s3-client.js';
import { resolveRetryOptions } from './retry.js';
import { normalizePrefix, parseS3Url, s3Url } from './s3-location.js';
import { S3Ledger } from './s3-ledger.js';
import { S3Store } from './s3-store.js';
import type { S3BundleSinkOptions } from './types.js';

/** Largest bundle already in the bucket that the sink reads (to record or re-sign it). */
export const MAX_BUNDLE_BYTES = 512 * 1024 * 1024;

/** How a bundle was placed, and so how the ledger learns of it. */
type Placed =
  { status: 'written'; surely: boolean } | { status: 'unchanged' } | { status: 'conflict' };

/**
 * Writes each bundle to an S3-compatible bucket as `<prefix><traceId>.json`, create-only: the put
 * carries `If-None-Match: *`, so an object already there is never replaced, whoever wrote it and
 * whatever races. The same bytes again are `unchanged`; a different bundle of the same trace goes
 * beside it as `<prefix><traceId>.<first 12 hex of its integrity sha256>.json` (`revision`): the
 * names FileBundleSink gives. Keys are made only from the validated prefix, the validated trace id
 * and hex digits.
 *
 * Beside the bundles, as in a folder: with a `signingKey`, `X.dsse.json` is put before `X.json`;
 * with `ledger` (default), a hash chain under `<prefix>ledger/` that any number of writers append
 * to safely (see S3Ledger), and with a key its signed checkpoint. `workbench verify
 * s3://bucket/prefix/` checks the prefix against it.
 *
 * Each request is retried with exponential backoff and jitter, within attempts and time bounds;
 * at most `maxConcurrentWrites` bundles are in progress and `maxQueuedWrites` wait, so memory
 * stays bounded. Credentials come from the options or the AWS SDK's chain and are never logged.
 *
 * @example
 * const sink = new S3BundleSink({ bucket: 'bundles', prefix: 'prod', endpoint: 'http://127.0.0.1:8333' });
 * const { status, location } = await sink.write(bundle); // location: s3://bundles/prod/<traceId>.json
 */
export class S3BundleSink implements BundleSink {
  readonly bucket: string;
  /** '' or a prefix ending in `/`. */
  readonly prefix: string;
  readonly ledger: boolean;
  readonly signerRole: SignerRole;
  /** The key bundles are signed with, if any (it prints as its key id only). */
  readonly signingKey: SigningKey | undefined;
  readonly client: S3Client;
  private readonly store: S3Store;
  private readonly s3Ledger: S3Ledger | undefined;
  private readonly ownsClient: boolean;
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly byTrace = new Map<string, Promise<unknown>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  constructor(options: S3BundleSinkOptions) {
    const where = parseS3Url(`s3://${String(options?.bucket)}`);
    if (!where.ok || typeof options.bucket !== 'string') {
      throw new BundleSinkError(
        `S3BundleSink: ${where.ok ? 'bucket must be a string' : where.issue.message}`,
        'invalid_location',
      );
    }
    const prefix = normalizePrefix(options.prefix ?? '');
    if (!prefix.ok) {
      throw new BundleSinkError(`S3BundleSink: ${prefix.issue.message}`, 'invalid_location');
    }
    this.bucket = options.bucket;
    this.prefix = prefix.prefix;
    this.ledger = options.ledger ?? true;
    ({ signerRole: this.signerRole, signingKey: this.signingKey } = resolveSigningOptions(
      'S3BundleSink',
      options,
    ));
    this.maxConcurrent = count('maxConcurrentWrites', options.maxConcurrentWrites, 8);
    this.maxQueued = count('maxQueuedWrites', options.maxQueuedWrites, 1000);
    const ledgerTimeoutMs = count('ledgerTimeoutMs', options.ledgerTimeoutMs, 60_000);
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? createS3Client(options, options.env ?? process.env);
    this.store = new S3Store(this.client, this.bucket, resolveRetryOptions(options.retry));
    this.s3Ledger = this.ledger
      ? new S3Ledger(this.store, this.prefix, {
          signingKey: this.signingKey,
          timeoutMs: ledgerTimeoutMs,
        })
      : undefined;
  }

  /**
   * A sink on `s3://bucket/prefix` (the prefix may be empty).
   *
   * @example
   * const sink = S3BundleSink.fromUrl('s3://bundles/prod/', { signingKey });
   */
  static fromUrl(
    url: string,
    options: Omit<S3BundleSinkOptions, 'bucket' | 'prefix'> = {},
  ): S3BundleSink {
    const parsed = parseS3Url(url);
    if (!parsed.ok) {
      throw new BundleSinkError(
        `${JSON.stringify(url.slice(0, 200))}: ${parsed.issue.message}`,
        'invalid_location',
      );
    }
    return new S3BundleSink({
      ...options,
      bucket: parsed.location.bucket,
      prefix: parsed.location.key,
    });
  }

  /** `s3://bucket/prefix`, where this sink writes. */
  get url(): string {
    return s3Url(this.bucket, this.prefix);
  }

  /**
   * Checks that the bucket exists and the credentials reach it (a HeadBucket, retried as every
   * request is), for a service to fail at start rather than at its first bundle. Rejects with
   * the S3 error, or `BundleSinkError` `unavailable` when the store cannot be reached.
   *
   * @example
   * await sink.checkAccess(); // before accepting traces
   */
  checkAccess(): Promise<void> {
    return this.store.checkBucket();
  }

  write(bundle: RunBundle): Promise<BundleWriteResult> {
    if (this.closing !== undefined) {
      return Promise.reject(new BundleSinkError(`${this.url}: the sink is shut down`, 'shut_down'));
    }
    const traceId = bundle?.run?.traceId;
    if (!isValidTraceId(traceId)) {
      return Promise.reject(
        new BundleSinkError(
          `refusing bundle with invalid trace id ${JSON.stringify(String(traceId).slice(0, 64))}`,
          'invalid_trace_id',
        ),
      );
    }
    // Counted when accepted, not when a slot is taken (later, in a microtask): a burst of calls
    // in one tick is bounded too.
    if (this.inFlight.size >= this.maxConcurrent + this.maxQueued) {
      return Promise.reject(
        new BundleSinkError(
          `${this.url}: ${this.maxConcurrent} writes in progress and ${this.maxQueued} waiting`,
          'overloaded',
        ),
      );
    }
    const before = this.byTrace.get(traceId);
    const run = (before ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.withSlot(() => this.writeOne(traceId, bundle)));
    this.byTrace.set(traceId, run);
    const tracked = run.finally(() => {
      if (this.byTrace.get(traceId) === run) this.byTrace.delete(traceId);
      this.inFlight.delete(tracked);
    });
    this.inFlight.add(tracked);
    return tracked;
  }

  /**
   * Takes no more writes, waits for those in progress (each bounded by its retries) and the
   * ledger's last append, and closes the client it made. Runs once.
   *
   * @example
   * await sink.shutdown();
   */
  shutdown(): Promise<void> {
    this.closing ??= (async () => {
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      await this.s3Ledger?.close();
      if (this.ownsClient) this.client.destroy();
    })();
    return this.closing;
  }

  private async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.maxConcurrent) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next in line, or give it back.
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.active--;
    }
  }

  private async writeOne(traceId: string, bundle: RunBundle): Promise<BundleWriteResult> {
    const bytes = serializeBundle(bundle);
    const primary = `${traceId}.json`;
    const placed = await this.place(primary, bundle, bytes);
    if (placed.status !== 'conflict') {
      await this.afterPlace(primary, bundle, placed);
      return { status: placed.status, location: s3Url(this.bucket, this.prefix + primary) };
    }
    await this.recordExisting(primary);
    const revision = `${traceId}.${bundle.integrity.sha256.slice(0, 12)}.json`;
    const second = await this.place(revision, bundle, bytes);
    // A different bundle under this hash prefix (one in 2^48) is left alone, as FileBundleSink does.
    if (second.status !== 'conflict') await this.afterPlace(revision, bundle, second);
    return {
      status: second.status === 'written' ? 'revision' : 'unchanged',
      location: s3Url(this.bucket, this.prefix + revision),
    };
  }

  /**
   * Creates `name` unless an object is there. With a key, the envelope goes first (after
   * checking that no bundle is there whose envelope it would replace): a crash then leaves at
   * most an envelope without its bundle, which the next write of that bundle replaces, and never
   * a bundle without its envelope.
   */
  private async place(name: string, bundle: RunBundle, bytes: string): Promise<Placed> {
    const key = this.prefix + name;
    const length = Buffer.byteLength(bytes, 'utf8');
    let signed = false;
    if (this.signingKey !== undefined) {
      const existing = await this.store.get(key, length, length);
      if ('text' in existing) {
        return existing.text === bytes ? { status: 'unchanged' } : { status: 'conflict' };
      }
      if ('refused' in existing) return { status: 'conflict' }; // another length: another bundle
      await this.putEnvelope(name, bundle);
      signed = true;
    }
    for (let tries = 0; ; tries++) {
      const outcome = await this.store.create(key, bytes, 'application/json');
      if (outcome === 'created') return { status: 'written', surely: true };
      const existing = await this.store.get(key, length, length);
      if ('missing' in existing && tries < 3) continue; // removed under us: create it again
      if ('text' in existing && existing.text === bytes) {
        // With a lost answer, it may be ours: the ledger then records it only if it lacks it.
        return outcome === 'exists_maybe_ours'
          ? { status: 'written', surely: false }
          : { status: 'unchanged' };
      }
      // Another writer's bundle won the race; our envelope may have replaced its own.
      if (signed) await this.resignExisting(name);
      return { status: 'conflict' };
    }
  }

  /** The ledger line, and for a bundle already there, its envelope if it has none. */
  private async afterPlace(
    name: string,
    bundle: RunBundle,
    placed: Exclude<Placed, { status: 'conflict' }>,
  ): Promise<void> {
    if (placed.status === 'unchanged' && this.signingKey !== undefined) {
      const present = await this.store.exists(this.prefix + envelopeNameFor(name));
      if (!present) await this.putEnvelope(name, bundle);
    }
    const ledger = this.s3Ledger;
    if (ledger === undefined) return;
    const sha256 = bundle.integrity.sha256;
    await (placed.status === 'written' && placed.surely
      ? ledger.record(name, sha256)
      : ledger.ensure(name, sha256));
  }

  /**
   * Records the bundle already at `name`, which a revision is about to be written beside, if the
   * ledger lacks it (a crash between its put and its line): only a whole bundle and, with a key,
   * one whose envelope this key signed; an object copied in stays outside the ledger, where
   * verification reports it.
   */
  private async recordExisting(name: string): Promise<void> {
    const ledger = this.s3Ledger;
    if (ledger === undefined) return;
    const read = await this.store.get(this.prefix + name, MAX_BUNDLE_BYTES);
    if (!('text' in read)) return;
    const sha256 = await recordableSha256(read.text, name, this.signingKey, async (envelope) => {
      const got = await this.store.get(this.prefix + envelope, MAX_ENVELOPE_BYTES);
      return 'text' in got ? got.text : null;
    });
    if (sha256 !== null) await ledger.ensure(name, sha256);
  }

  /** Signs again the bundle at `name` (one that verifies), whose envelope ours replaced. */
  private async resignExisting(name: string): Promise<void> {
    const read = await this.store.get(this.prefix + name, MAX_BUNDLE_BYTES);
    if (!('text' in read)) return;
    const verified = verifyBundle(read.text);
    if (!verified.ok) return; // never vouch for what does not verify
    await this.putEnvelope(name, verified.bundle, verified.schemaVersion);
  }

  private async putEnvelope(
    name: string,
    bundle: RunBundle,
    schemaVersion?: number,
  ): Promise<void> {
    const key = this.signingKey;
    if (key === undefined) return;
    const envelope = envelopeFile(bundle, name, key, this.signerRole, schemaVersion);
    await this.store.put(this.prefix + envelope.name, envelope.text, 'application/json');
  }
}

function count(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(
      `S3BundleSink: ${name} must be a positive integer, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
