import { randomBytes } from 'node:crypto';
import { close, constants, fsync, open, write } from 'node:fs';
import { link, lstat, mkdir, readFile, realpath, unlink } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { isValidTraceId, serializeBundle, type RunBundle } from '@llm-workbench/bundle';
import type { BundleSink, BundleWriteResult, FileBundleSinkOptions } from './types.js';

/** Thrown by FileBundleSink for a bundle it refuses to store. */
export class BundleSinkError extends Error {
  override readonly name = 'BundleSinkError';
  constructor(
    message: string,
    readonly code: 'invalid_trace_id' | 'outside_directory' | 'not_a_directory',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

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
 * @example
 * const sink = new FileBundleSink({ directory: './bundles' });
 * const { location } = await sink.write(bundle);
 */
export class FileBundleSink implements BundleSink {
  /** The folder, as an absolute path. */
  readonly directory: string;
  /** Whether files and the folder are fsynced. */
  readonly fsync: boolean;
  private ready: Promise<string> | undefined;
  /** Temporary names: a random part per sink and a counter, unique with O_EXCL as the guard. */
  private readonly tmpPrefix = randomBytes(6).toString('hex');
  private tmpCounter = 0;
  /** The folder fsync in progress, and the one queued behind it that new links join. */
  private dirSync: Promise<void> | undefined;
  private queuedDirSync: Promise<void> | undefined;

  constructor(options: FileBundleSinkOptions) {
    if (typeof options?.directory !== 'string' || options.directory === '') {
      throw new TypeError(
        `FileBundleSink: directory must be a non-empty path, got ${JSON.stringify(options?.directory)}`,
      );
    }
    this.directory = resolve(options.directory);
    this.fsync = options.fsync ?? true;
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
    const bytes = serializeBundle(bundle);
    const primary = join(dir, `${traceId}.json`);
    const tmp = join(dir, `.${traceId}.${this.tmpPrefix}${(this.tmpCounter++).toString(36)}.tmp`);
    try {
      await this.writeTemp(tmp, bytes);
      const placed = await this.place(tmp, primary, bytes);
      if (placed !== 'conflict') return { status: placed, location: primary };
      const revision = join(dir, `${traceId}.${bundle.integrity.sha256.slice(0, 12)}.json`);
      const second = await this.place(tmp, revision, bytes);
      return { status: second === 'written' ? 'revision' : 'unchanged', location: revision };
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  /** Links the temp file to `target` unless it exists; never replaces an existing file. */
  private async place(
    tmp: string,
    target: string,
    bytes: string,
  ): Promise<'written' | 'unchanged' | 'conflict'> {
    try {
      await link(tmp, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const st = await lstat(target);
      if (!st.isFile()) {
        throw new BundleSinkError(
          `${target} exists and is not a regular file`,
          'outside_directory',
        );
      }
      const existing = await readFile(target, 'utf8');
      return existing === bytes ? 'unchanged' : 'conflict';
    }
    if (this.fsync) await this.syncDirectory();
    return 'written';
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
