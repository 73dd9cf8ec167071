import { close, constants, fstat, fsync, ftruncate, open, read, write } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CHECKPOINT_FILE,
  EMPTY_HEAD,
  LEDGER_FILE,
  ledgerLine,
  readLedger,
  serializeEnvelope,
  signCheckpoint,
  type LedgerHead,
  type SigningKey,
} from '@llm-workbench/evidence';
import { BundleSinkError } from './bundle-sink-error.js';
import { LedgerAppendQueue, type LedgerAppend } from './ledger-append-queue.js';
import { RecentNames } from './recent-names.js';
import type { ThreadLock } from './thread-lock.js';

/** How much of the ledger is read at once: lines are ~250 bytes, so memory stays small. */
const CHUNK_BYTES = 1 << 20;
/** Files recently recorded, kept to answer "does the ledger name it?" without reading it. */
const RECENT_NAMES = 4096;
/** How long an append waits for another thread's: longer means that thread died holding it. */
const LOCK_TIMEOUT_MS = 30_000;

/** What the ledger needs of its sink. */
export interface FolderLedgerHost {
  readonly fsync: boolean;
  readonly signingKey: SigningKey | undefined;
  readonly lock: ThreadLock;
  /** Replaces a file of the folder atomically (temp, fsync, rename, folder fsync). */
  writeAtomic(name: string, text: string): Promise<void>;
  /** A folder fsync that starts after this call (shared with concurrent writes). */
  syncDirectory(): Promise<void>;
}

/**
 * The appending side of a folder's `ledger.jsonl` (the chain itself is defined in
 * @llm-workbench/evidence). Appends are queued and written in order, many lines per write and
 * fsync when writes come together; each resolves once its line is on disk. Before appending it
 * reads what it does not know of the file: all of it on first use (a torn last line, left by a
 * crash mid-append, is cut away; a broken chain is refused), and afterwards only lines another
 * thread's sink appended. With a signing key, a signed checkpoint of the head follows each batch.
 */
export class FolderLedger {
  readonly path: string;
  private fd: number | undefined;
  private head: LedgerHead = EMPTY_HEAD;
  /** Bytes of the ledger known good: up to the end of `head`'s line. */
  private size = 0;
  private readonly recent = new RecentNames(RECENT_NAMES);
  // Everything queued while the last batch was on its way goes in one write and one fsync.
  private readonly queue = new LedgerAppendQueue(async (batch) => {
    await this.appendBatch(batch);
    await this.checkpoint();
  });
  private checkpointed = -1;

  constructor(
    private readonly directory: string,
    private readonly host: FolderLedgerHost,
  ) {
    this.path = join(directory, LEDGER_FILE);
  }

  /** Appends a line for a bundle just placed (`written` or `revision`). */
  record(file: string, sha256: string): Promise<void> {
    return this.queue.record(file, sha256);
  }

  /** Appends lines for bundles just placed, in order, in one write and fsync. */
  recordMany(
    entries: ReadonlyArray<{ readonly file: string; readonly sha256: string }>,
  ): Promise<void> {
    return this.queue.recordMany(entries);
  }

  /**
   * Appends a line for a bundle found already in place (`unchanged`) unless the ledger names it:
   * after a crash between placing a bundle and recording it, the refold that finds the same bytes
   * records it.
   */
  ensure(file: string, sha256: string): Promise<void> {
    return this.queue.ensure(file, sha256);
  }

  /** Waits for queued appends and the checkpoint after them, and closes the file. */
  async close(): Promise<void> {
    await this.queue.idle();
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) await closeFd(fd).catch(() => undefined);
  }

  private async appendBatch(batch: readonly LedgerAppend[]): Promise<void> {
    if (!(await this.host.lock.acquire(LOCK_TIMEOUT_MS))) {
      throw new BundleSinkError(
        `${this.path}: another thread held the ledger for ${LOCK_TIMEOUT_MS} ms`,
        'ledger_busy',
      );
    }
    const before = { head: this.head, size: this.size };
    const added: string[] = [];
    try {
      const fd = await this.catchUp();
      let text = '';
      const time = new Date().toISOString();
      for (const t of batch) {
        if (t.ifMissing && (await this.names(fd, t.file, t.sha256))) continue;
        const next = ledgerLine(this.head, { file: t.file, sha256: t.sha256, time });
        text += next.line;
        this.head = next.head;
        this.remember(t.file, t.sha256);
        added.push(t.file);
      }
      if (text === '') return;
      const bytes = Buffer.from(text, 'utf8');
      for (let at = 0; at < bytes.length;) {
        at += (await writeFd(fd, bytes, at, bytes.length - at, null)).bytesWritten;
      }
      if (this.host.fsync) await syncFd(fd);
      this.size += bytes.length;
    } catch (err) {
      // What reached the file is read back (whole lines kept, a torn one cut) on the next append.
      this.head = before.head;
      this.size = before.size;
      for (const f of added) this.recent.delete(f);
      throw err;
    } finally {
      this.host.lock.release();
    }
  }

  /**
   * Opens the ledger on first use and reads whatever it holds beyond what this sink knows: all of
   * it the first time, then only what another thread appended. Runs under the lock.
   */
  private async catchUp(): Promise<number> {
    let fd = this.fd;
    if (fd === undefined) {
      fd = await this.openLedger();
      this.fd = fd;
      this.head = EMPTY_HEAD;
      this.size = 0;
    }
    try {
      const { size } = await statFd(fd);
      if (size === this.size) return fd;
      if (size < this.size) {
        throw new BundleSinkError(
          `${this.path} is shorter than this sink wrote it (${size} < ${this.size} bytes): truncated by someone else; refusing to append`,
          'ledger_broken',
        );
      }
      await this.readFrom(fd, size);
      return fd;
    } catch (err) {
      // Read it all again next time: the operator may have moved a broken ledger aside.
      this.fd = undefined;
      await closeFd(fd).catch(() => undefined);
      throw err;
    }
  }

  private async openLedger(): Promise<number> {
    const flags = constants.O_RDWR | constants.O_APPEND | constants.O_NOFOLLOW;
    try {
      return await openFd(this.path, flags, 0o644);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') {
        throw new BundleSinkError(`${this.path} is a symlink`, 'outside_directory');
      }
      if (code !== 'ENOENT') throw err;
    }
    try {
      const fd = await openFd(this.path, flags | constants.O_CREAT | constants.O_EXCL, 0o644);
      if (this.host.fsync) await this.host.syncDirectory();
      return fd;
    } catch (err) {
      // Another sink created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return openFd(this.path, flags, 0o644);
      throw err;
    }
  }

  /** Reads and checks the ledger from `this.size` to `end`, moving the head along. */
  private async readFrom(fd: number, end: number): Promise<void> {
    let pos = this.size;
    let carry: Buffer = Buffer.alloc(0);
    while (pos < end) {
      const chunk = await readAt(fd, pos, Math.min(CHUNK_BYTES, end - pos));
      if (chunk.length === 0) break;
      pos += chunk.length;
      const data = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
      const last = data.lastIndexOf(0x0a);
      if (last === -1) {
        if (data.length > CHUNK_BYTES) this.refuse(this.head.seq + 1, 'a line of over 1 MiB');
        carry = data;
        continue;
      }
      // Lines are split on the newline byte, which never occurs inside a UTF-8 sequence.
      const reading = readLedger(data.subarray(0, last + 1).toString('utf8'), this.head);
      for (const e of reading.entries) this.remember(e.file, e.sha256);
      this.head = reading.head;
      this.size += reading.goodLength;
      const problem = reading.problems[0];
      if (problem !== undefined) this.refuse(problem.line, problem.message);
      carry = data.subarray(last + 1);
    }
    if (carry.length > 0 || this.size < end) {
      // A last line without its newline: an append cut short by a crash. Never accepted; cut.
      await truncateFd(fd, this.size);
      if (this.host.fsync) await syncFd(fd);
    }
  }

  private refuse(line: number | null, message: string): never {
    throw new BundleSinkError(
      `${this.path}${line === null ? '' : ` line ${line}`}: ${message}; refusing to append to a broken ledger (move it aside to start a new one, and keep it as evidence)`,
      'ledger_broken',
    );
  }

  /** Whether the ledger names `file` with `sha256`: the recent names, else a read of the file. */
  private async names(fd: number, file: string, sha256: string): Promise<boolean> {
    const known = this.recent.get(file);
    if (known !== undefined) return known === sha256;
    // Lines are RFC 8785 text: sorted keys, so `file` comes first.
    const needle = `{"file":${JSON.stringify(file)},`;
    let pos = 0;
    let carry = '';
    while (pos < this.size) {
      const chunk = await readAt(fd, pos, Math.min(CHUNK_BYTES, this.size - pos));
      if (chunk.length === 0) break;
      pos += chunk.length;
      const text = carry + chunk.toString('utf8');
      const last = text.lastIndexOf('\n');
      for (const line of text.slice(0, last + 1).split('\n')) {
        if (!line.startsWith(needle)) continue;
        if ((JSON.parse(line) as { sha256?: unknown }).sha256 === sha256) {
          this.remember(file, sha256);
          return true;
        }
      }
      carry = text.slice(last + 1);
    }
    return false;
  }

  private remember(file: string, sha256: string): void {
    this.recent.remember(file, sha256);
  }

  /**
   * Signs the head and replaces the checkpoint, after each batch and before its writes resolve:
   * a checkpoint lags the ledger only after a crash between the two (or by another thread's
   * lines), which verification reports as a warning. If it fails, so do the batch's writes
   * (their bundles and lines are in place: writing them again finds them `unchanged`, and the
   * checkpoint is tried again).
   */
  private async checkpoint(): Promise<void> {
    const key = this.host.signingKey;
    if (key === undefined || this.head.seq === this.checkpointed) return;
    const head = this.head;
    await this.host.writeAtomic(CHECKPOINT_FILE, serializeEnvelope(signCheckpoint(head, key)));
    this.checkpointed = head.seq;
  }
}

const openFd = promisify(open);
const closeFd = promisify(close);
const writeFd = promisify(write);
const syncFd = promisify(fsync);
const statFd = promisify(fstat);
const truncateFd = promisify(ftruncate);
const readFd = promisify(read);

async function readAt(fd: number, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let at = 0;
  while (at < length) {
    const { bytesRead } = await readFd(fd, buffer, at, length - at, position + at);
    if (bytesRead === 0) break;
    at += bytesRead;
  }
  return buffer.subarray(0, at);
}
