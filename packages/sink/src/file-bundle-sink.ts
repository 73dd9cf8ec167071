import { randomBytes } from 'node:crypto';
import { close, constants, fsync, open, write } from 'node:fs';
import { link, lstat, mkdir, readFile, realpath, rename, unlink } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { isValidTraceId, serializeBundle, type RunBundle } from '@llm-workbench/bundle';
import { envelopeNameFor, SigningKey, type SignerRole } from '@llm-workbench/evidence';
import { BundleSinkError } from './bundle-sink-error.js';
import { resolveSigningOptions } from './signing-options.js';
import { envelopeFile, recordableSha256 } from './sink-envelopes.js';
import { FolderLedger } from './folder-ledger.js';
import { ledgerLockFor, type ThreadLock } from './thread-lock.js';
import type {
  BundleSink,
  BundleWriteOutcome,
  BundleWriteResult,
  FileBundleSinkOptions,
  FileBundleSinkWorkerData,
} from './types.js';

/**
 * Writes each bundle to `<directory>/<traceId>.json`, atomically: the bytes go to a temporary file
 * in the same folder, which is fsynced and then hard-linked into place, so a reader (or a crash)
 * sees the whole file or none. An existing bundle file is never rewritten: the same bytes again are
 * `unchanged`; a different bundle of the same trace lands beside it as
 * `<traceId>.<first 12 hex of its integrity sha256>.json` (`revision`).
 *
 * File names come only from the validated trace id and hash (hex digits), so no id can reach
 * outside the folder; the folder itself may be a symlink, but the file names inside it may not.
 *
 * With `fsync`, a bundle is reported written only once its file and the folder entry are on disk.
 * Concurrent writes share folder fsyncs (a group commit): a write waits for the first folder
 * fsync that starts after its link, so many bundles cost few folder syncs.
 *
 * Evidence beside the bundles (see @llm-workbench/evidence): each bundle placed gets a line in the
 * folder's `ledger.jsonl` before its write resolves (`ledger`, default on); with a `signingKey`,
 * its envelope `<name>.dsse.json` is in place before the bundle is, and the ledger's head is kept
 * signed. One folder has one writing process at a time; the threads of a process share the
 * ledger safely.
 *
 * @example
 * const sink = new FileBundleSink({ directory: './bundles', signingKey: loadSigningKey({ env: process.env }) });
 * const { location } = await sink.write(bundle);
 */
export class FileBundleSink implements BundleSink {
  /** The folder, as an absolute path. */
  readonly directory: string;
  /** Whether files and the folder are fsynced. */
  readonly fsync: boolean;
  /** Whether placed bundles are recorded in the folder's `ledger.jsonl`. */
  readonly ledger: boolean;
  /** Who the signatures say vouched. */
  readonly signerRole: SignerRole;
  /** The key bundles are signed with, if any (it prints as its key id only). */
  readonly signingKey: SigningKey | undefined;
  private ready: Promise<string> | undefined;
  /** Temporary names: a random part per sink and a counter, unique with O_EXCL as the guard. */
  private readonly tmpPrefix = randomBytes(6).toString('hex');
  private tmpCounter = 0;
  /** The folder fsync in progress, and the one queued behind it that new links join. */
  private dirSync: Promise<void> | undefined;
  private queuedDirSync: Promise<void> | undefined;
  private readonly ledgerLock: ThreadLock;
  private folderLedger: FolderLedger | undefined;
  /** The write in progress per trace: one trace's writes go one at a time (names, envelopes). */
  private readonly byTrace = new Map<string, Promise<unknown>>();

  constructor(options: FileBundleSinkOptions) {
    if (typeof options?.directory !== 'string' || options.directory === '') {
      throw new TypeError(
        `FileBundleSink: directory must be a non-empty path, got ${JSON.stringify(options?.directory)}`,
      );
    }
    this.directory = resolve(options.directory);
    this.fsync = options.fsync ?? true;
    this.ledger = options.ledger ?? true;
    ({ signerRole: this.signerRole, signingKey: this.signingKey } = resolveSigningOptions(
      'FileBundleSink',
      options,
    ));
    this.ledgerLock = ledgerLockFor(this.directory);
  }

  /**
   * This sink's options in a form a worker thread can receive (`workerData`), to write into the
   * same folder from there with {@link FileBundleSink.fromWorkerData}: the same key, and the same
   * lock on the folder's ledger. Keep it out of logs: it holds the private key object.
   *
   * @example
   * new Worker(url, { workerData: { sink: sink.toWorkerData() } });
   */
  toWorkerData(): FileBundleSinkWorkerData {
    return {
      directory: this.directory,
      fsync: this.fsync,
      ledger: this.ledger,
      signerRole: this.signerRole,
      signingKey: this.signingKey?.exportKeyObject(),
      ledgerLock: this.ledgerLock.buffer,
    };
  }

  /**
   * The sink a worker thread makes from {@link FileBundleSink.toWorkerData}.
   *
   * @example
   * const sink = FileBundleSink.fromWorkerData(workerData.sink);
   */
  static fromWorkerData(data: FileBundleSinkWorkerData): FileBundleSink {
    ledgerLockFor(resolve(data.directory), data.ledgerLock);
    return new FileBundleSink({
      directory: data.directory,
      fsync: data.fsync,
      ledger: data.ledger,
      signerRole: data.signerRole,
      signingKey:
        data.signingKey === undefined ? undefined : SigningKey.fromKeyObject(data.signingKey),
    });
  }

  /**
   * Frees the folder's ledger lock if the worker thread `threadId`, which wrote with this sink's
   * {@link toWorkerData}, exited holding it (killed or crashed mid-append); otherwise this
   * thread's appends would wait for it until they fail with `ledger_busy`. Call it only once that
   * thread has exited. Returns whether it held the lock.
   *
   * @example
   * worker.once('exit', () => sink.releaseLedgerLockOf(worker.threadId));
   */
  releaseLedgerLockOf(threadId: number): boolean {
    return this.ledgerLock.releaseHeldBy(threadId);
  }

  async write(bundle: RunBundle): Promise<BundleWriteResult> {
    const traceId = bundle.run.traceId;
    if (!isValidTraceId(traceId)) {
      throw new BundleSinkError(
        `refusing bundle with invalid trace id ${JSON.stringify(String(traceId).slice(0, 64))}`,
        'invalid_trace_id',
      );
    }
    const dir = await this.ensureDirectory();
    const before = this.byTrace.get(traceId);
    const run = (before ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.writeIn(dir, traceId, bundle));
    this.byTrace.set(traceId, run);
    try {
      return await run;
    } finally {
      if (this.byTrace.get(traceId) === run) this.byTrace.delete(traceId);
    }
  }

  /**
   * Writes many bundles as {@link write} writes each, sharing the costly parts: the temporary
   * files are written and fsynced side by side and linked into place, then one folder fsync
   * covers every link and one ledger append (one write, one fsync) records them all, in the
   * given order. Never rejects: one outcome per bundle, in order.
   *
   * A bundle's outcome is `ok` only once its file, its folder entry and its ledger line are on
   * disk, so a caller that acknowledges only `ok` bundles loses none in a crash. A failure
   * part-way (a full disk, a failed fsync, a broken ledger) fails the bundles it reached and
   * leaves the folder as single writes would: every bundle file whole or absent, never one
   * rewritten, the ledger a chain of whole lines; a bundle placed but not yet recorded is
   * recorded when it is written again (`unchanged`).
   *
   * Bundles whose trace has a write in progress, the second bundle of a trace in the batch, and,
   * with a `signingKey` (the envelope goes before its bundle), every bundle, take the
   * {@link write} path, concurrently; a bundle whose name is taken gets `unchanged` or
   * `revision` as with `write`.
   *
   * @example
   * const outcomes = await sink.writeMany(bundles);
   * for (const [i, o] of outcomes.entries()) if (!o.ok) log(`${bundles[i]?.run.traceId}: ${o.error.message}`);
   */
  async writeMany(bundles: readonly RunBundle[]): Promise<BundleWriteOutcome[]> {
    let dir: string;
    try {
      dir = await this.ensureDirectory();
    } catch (err) {
      const error = asError(err);
      return bundles.map(() => ({ ok: false, error }));
    }
    const fast: Array<{ index: number; traceId: string; bundle: RunBundle }> = [];
    const rest: number[] = [];
    const claimed = new Set<string>();
    for (const [index, bundle] of bundles.entries()) {
      const traceId = bundle.run.traceId;
      if (
        this.signingKey === undefined &&
        isValidTraceId(traceId) &&
        !this.byTrace.has(traceId) &&
        !claimed.has(traceId)
      ) {
        claimed.add(traceId);
        fast.push({ index, traceId, bundle });
      } else {
        rest.push(index);
      }
    }
    const batch = this.placeBatch(dir, fast);
    // Later writes of these traces (and the rest of this batch) wait for it, as behind a write.
    for (const traceId of claimed) this.byTrace.set(traceId, batch);
    const outcomes = new Array<Promise<BundleWriteOutcome>>(bundles.length);
    for (const [k, { index }] of fast.entries()) {
      outcomes[index] = batch.then((r) => r[k] ?? { ok: false, error: new Error('no outcome') });
    }
    for (const index of rest) {
      outcomes[index] = this.write(bundles[index] as RunBundle).then(
        (result): BundleWriteOutcome => ({ ok: true, result }),
        (err: unknown): BundleWriteOutcome => ({ ok: false, error: asError(err) }),
      );
    }
    try {
      return await Promise.all(outcomes);
    } finally {
      for (const traceId of claimed)
        if (this.byTrace.get(traceId) === batch) this.byTrace.delete(traceId);
    }
  }

  /** Waits for the ledger's pending appends and its checkpoint, and closes it. */
  async shutdown(): Promise<void> {
    await this.folderLedger?.close();
  }

  private async writeIn(
    dir: string,
    traceId: string,
    bundle: RunBundle,
  ): Promise<BundleWriteResult> {
    const bytes = serializeBundle(bundle);
    const tmp = join(dir, `.${traceId}.${this.tmpName()}.tmp`);
    try {
      await this.writeTemp(tmp, bytes);
      return await this.placeTemp(dir, tmp, traceId, bundle, bytes);
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  /** Places the written temp file: at `<traceId>.json`, else as a revision beside it. */
  private async placeTemp(
    dir: string,
    tmp: string,
    traceId: string,
    bundle: RunBundle,
    bytes: string,
  ): Promise<BundleWriteResult> {
    const primary = `${traceId}.json`;
    const placed = await this.place(dir, tmp, primary, bundle, bytes);
    if (placed !== 'conflict') {
      await this.afterPlace(dir, primary, bundle, placed);
      return { status: placed, location: join(dir, primary) };
    }
    await this.recordExisting(dir, primary);
    const revision = `${traceId}.${bundle.integrity.sha256.slice(0, 12)}.json`;
    const second = await this.place(dir, tmp, revision, bundle, bytes);
    // A different bundle under this hash prefix (one in 2^48) is left alone, as before.
    if (second !== 'conflict') await this.afterPlace(dir, revision, bundle, second);
    return {
      status: second === 'written' ? 'revision' : 'unchanged',
      location: join(dir, revision),
    };
  }

  /**
   * The batch part of {@link writeMany}, for new traces without a key: every temp file written,
   * fsynced and linked at once, then one folder fsync and one ledger append for all the links.
   * A bundle whose name is taken goes the single write's way from its temp file.
   */
  private async placeBatch(
    dir: string,
    items: ReadonlyArray<{ readonly traceId: string; readonly bundle: RunBundle }>,
  ): Promise<BundleWriteOutcome[]> {
    const out = new Array<BundleWriteOutcome>(items.length);
    const staged = await Promise.all(
      items.map(async ({ traceId, bundle }, k) => {
        const tmp = join(dir, `.${traceId}.${this.tmpName()}.tmp`);
        try {
          const bytes = serializeBundle(bundle);
          await this.writeTemp(tmp, bytes);
          const name = `${traceId}.json`;
          try {
            await link(tmp, join(dir, name));
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
            out[k] = { ok: true, result: await this.placeTemp(dir, tmp, traceId, bundle, bytes) };
            return null;
          }
          return { k, name, sha256: bundle.integrity.sha256 };
        } catch (err) {
          out[k] = { ok: false, error: asError(err) };
          return null;
        } finally {
          // Before the folder fsync, which then covers the removals too.
          await unlink(tmp).catch(() => undefined);
        }
      }),
    );
    const linked = staged.filter((s) => s !== null);
    if (linked.length === 0) return out;
    try {
      if (this.fsync) await this.syncDirectory();
      if (this.ledger) {
        await this.ledgerFor(dir).recordMany(
          linked.map(({ name, sha256 }) => ({ file: name, sha256 })),
        );
      }
      for (const { k, name } of linked) {
        out[k] = { ok: true, result: { status: 'written', location: join(dir, name) } };
      }
    } catch (err) {
      // Placed but not recorded: writing them again finds them `unchanged` and records them.
      const error = asError(err);
      for (const { k } of linked) out[k] = { ok: false, error };
    }
    return out;
  }

  /**
   * Links the temp file to `name` unless it exists; never replaces an existing file. With a key,
   * the envelope is placed first (after checking that no bundle is there whose envelope it would
   * replace): a crash then leaves at most an envelope without its bundle, which the next write
   * of that bundle replaces, and never a bundle without its envelope.
   */
  private async place(
    dir: string,
    tmp: string,
    name: string,
    bundle: RunBundle,
    bytes: string,
  ): Promise<'written' | 'unchanged' | 'conflict'> {
    const target = join(dir, name);
    if (this.signingKey !== undefined) {
      const existing = await this.readExisting(target);
      if (existing !== null) return existing === bytes ? 'unchanged' : 'conflict';
      await this.writeEnvelope(name, bundle);
    }
    try {
      await link(tmp, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // Another sink placed it between our check and our link.
      const existing = await this.readExisting(target);
      if (existing === null) throw err;
      if (existing === bytes) return 'unchanged';
      if (this.signingKey !== undefined) {
        // Our envelope replaced the one of the bundle that is there: sign that bundle again.
        await this.writeEnvelope(name, JSON.parse(existing) as RunBundle);
      }
      return 'conflict';
    }
    if (this.fsync) await this.syncDirectory();
    return 'written';
  }

  /** The ledger line, and for a bundle already there, its envelope if it has none. */
  private async afterPlace(
    dir: string,
    name: string,
    bundle: RunBundle,
    status: 'written' | 'unchanged',
  ): Promise<void> {
    if (status === 'unchanged' && this.signingKey !== undefined) {
      const envelope = join(dir, envelopeNameFor(name));
      const present = await lstat(envelope).then(
        () => true,
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return false;
          throw err;
        },
      );
      if (!present) await this.writeEnvelope(name, bundle);
    }
    if (!this.ledger) return;
    const ledger = this.ledgerFor(dir);
    const sha256 = bundle.integrity.sha256;
    await (status === 'written' ? ledger.record(name, sha256) : ledger.ensure(name, sha256));
  }

  /**
   * Records in the ledger, if it does not name it yet, the bundle already at `name` that a
   * revision is about to be written beside. After a crash between placing a bundle and appending
   * its line, the refold of its trace finds the same bytes (`unchanged`) and records it; but when
   * late spans arrived meanwhile, the refold makes a revision instead, and this records the first
   * bundle, ahead of it. Only a whole bundle is recorded, and with a key only one whose envelope
   * this key signed: a file copied into the folder stays outside the ledger, where verification
   * reports it.
   */
  private async recordExisting(dir: string, name: string): Promise<void> {
    if (!this.ledger) return;
    const text = await this.readExisting(join(dir, name));
    if (text === null) return;
    const sha256 = await recordableSha256(text, name, this.signingKey, (envelope) =>
      readFile(join(dir, envelope), 'utf8').catch(() => null),
    );
    if (sha256 !== null) await this.ledgerFor(dir).ensure(name, sha256);
  }

  /** The text of the regular file at `target`, or null when there is none. */
  private async readExisting(target: string): Promise<string | null> {
    let st;
    try {
      st = await lstat(target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    if (!st.isFile()) {
      throw new BundleSinkError(`${target} exists and is not a regular file`, 'outside_directory');
    }
    return readFile(target, 'utf8');
  }

  private async writeEnvelope(name: string, bundle: RunBundle): Promise<void> {
    const key = this.signingKey;
    if (key === undefined) return;
    const envelope = envelopeFile(bundle, name, key, this.signerRole);
    await this.writeAtomic(envelope.name, envelope.text);
  }

  /**
   * Replaces `name` in the folder atomically: temp file, fsync, rename, then a folder fsync, so
   * that what follows (a bundle's link after its envelope) is not on disk before it.
   */
  private async writeAtomic(name: string, text: string): Promise<void> {
    const dir = await this.ensureDirectory();
    const target = join(dir, name);
    const st = await lstat(target).catch(() => null);
    if (st !== null && !st.isFile()) {
      throw new BundleSinkError(`${target} exists and is not a regular file`, 'outside_directory');
    }
    const tmp = join(dir, `.${name}.${this.tmpName()}.tmp`);
    try {
      await this.writeTemp(tmp, text);
      await rename(tmp, target);
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    if (this.fsync) await this.syncDirectory();
  }

  private ledgerFor(dir: string): FolderLedger {
    return (this.folderLedger ??= new FolderLedger(dir, {
      fsync: this.fsync,
      signingKey: this.signingKey,
      lock: this.ledgerLock,
      writeAtomic: (file, text) => this.writeAtomic(file, text),
      syncDirectory: () => this.syncDirectory(),
    }));
  }

  private tmpName(): string {
    return `${this.tmpPrefix}${(this.tmpCounter++).toString(36)}`;
  }

  private async writeTemp(path: string, bytes: string): Promise<void> {
    // O_EXCL | O_NOFOLLOW: never write through a planted symlink. Plain descriptors rather than
    // FileHandles: a bundle is one write, and handles cost more than the write itself.
    const fd = await openFile(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o644,
    );
    try {
      const buffer = Buffer.from(bytes, 'utf8');
      for (let at = 0; at < buffer.length;) {
        at += (await writeFile(fd, buffer, at, buffer.length - at, null)).bytesWritten;
      }
      if (this.fsync) await syncFile(fd);
    } finally {
      await closeFile(fd);
    }
  }

  /** Resolves once a folder fsync that started after this call has finished. */
  private syncDirectory(): Promise<void> {
    if (this.queuedDirSync) return this.queuedDirSync;
    const start = (): Promise<void> => {
      const running: Promise<void> = this.fsyncDirectory().finally(() => {
        if (this.dirSync === running) this.dirSync = undefined;
      });
      this.dirSync = running;
      return running;
    };
    if (!this.dirSync) return start();
    // One is running, and may have started before our link: wait for the next one.
    const queued = this.dirSync
      .catch(() => undefined)
      .then(() => {
        this.queuedDirSync = undefined;
        return start();
      });
    this.queuedDirSync = queued;
    return queued;
  }

  private async fsyncDirectory(): Promise<void> {
    const dir = await this.ensureDirectory();
    const fd = await openFile(dir, constants.O_RDONLY, 0);
    try {
      await syncFile(fd);
    } catch {
      // Some filesystems refuse fsync on directories; the file itself is already synced.
    } finally {
      await closeFile(fd);
    }
  }

  private ensureDirectory(): Promise<string> {
    this.ready ??= (async () => {
      await mkdir(this.directory, { recursive: true });
      const real = await realpath(this.directory);
      const st = await lstat(real);
      if (!st.isDirectory())
        throw new BundleSinkError(`${this.directory} is not a directory`, 'not_a_directory');
      return real.endsWith(sep) ? real.slice(0, -1) : real;
    })();
    this.ready.catch(() => {
      this.ready = undefined; // retry on the next write, e.g. after the folder is fixed
    });
    return this.ready;
  }
}

const openFile = promisify(open);
/** fs.write's promisified form resolves with `{ bytesWritten, buffer }`. */
const writeFile = promisify(write);
const syncFile = promisify(fsync);
const closeFile = promisify(close);

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
