import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, mkdir, open, readFile, realpath, unlink } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
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
    const tmp = join(dir, `.${traceId}.${randomBytes(6).toString('hex')}.tmp`);
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
    // O_EXCL | O_NOFOLLOW: never write through a planted symlink.
    const handle = await open(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o644,
    );
    try {
      await handle.writeFile(bytes, 'utf8');
      if (this.fsync) await handle.sync();
    } finally {
      await handle.close();
    }
  }

  private async syncDirectory(): Promise<void> {
    const dir = await this.ensureDirectory();
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } catch {
      // Some filesystems refuse fsync on directories; the file itself is already synced.
    } finally {
      await handle.close();
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
