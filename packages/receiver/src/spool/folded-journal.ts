import { constants } from 'node:fs';
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const LINE = /^([0-9a-f]{32}) (\d+)$/;

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * The folded-traces journal: one line `<traceId> <distinct spans folded>` per bundle written,
 * appended with group commit. On restart it tells which spooled traces already have their bundle
 * (so they are not folded again) and which gained spans since (so they are folded again, into a
 * revision). Compacted on start to the traces whose records are still spooled.
 */
export class FoldedJournal {
  private handle: FileHandle | undefined;
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  private flushing = false;
  private lines = 0;

  private constructor(
    private readonly path: string,
    private readonly fsync: boolean,
    /** Trace id → distinct spans in its latest bundle. */
    readonly entries: Map<string, number>,
  ) {}

  /** Opens the journal, reading what it holds; a torn last line is ignored. */
  static async open(path: string, fsync: boolean): Promise<FoldedJournal> {
    const entries = new Map<string, number>();
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const lines = text.split('\n');
    lines.pop(); // whatever follows the last newline is a torn write
    for (const line of lines) {
      const m = LINE.exec(line);
      if (m !== null) entries.set(m[1] as string, Number(m[2]));
    }
    return new FoldedJournal(path, fsync, entries);
  }

  /** Records that `traceId` was folded with `count` distinct spans; settles once on disk. */
  append(traceId: string, count: number): Promise<void> {
    this.entries.set(traceId, count);
    this.pending.push(`${traceId} ${count}\n`);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => void this.flush());
    }
    return done;
  }

  /** Number of lines appended since the last rewrite. */
  get size(): number {
    return this.lines;
  }

  /**
   * Rewrites the journal (temp file, fsync, rename) with only the traces `keep` accepts. Call
   * when no appends are in flight (at start, or between flushes).
   */
  async compact(keep: (traceId: string) => boolean): Promise<void> {
    while (this.flushing) await new Promise((r) => setImmediate(r));
    // Appends made meanwhile wait in `pending` (flushing is set) and are written after the rename.
    this.flushing = true;
    try {
      for (const id of [...this.entries.keys()]) if (!keep(id)) this.entries.delete(id);
      await this.handle?.close();
      this.handle = undefined;
      const tmp = join(dirname(this.path), `.folded.${process.pid}.tmp`);
      const h = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
      try {
        let text = '';
        for (const [id, count] of this.entries) text += `${id} ${count}\n`;
        await h.writeFile(text, 'utf8');
        if (this.fsync) await h.sync();
      } finally {
        await h.close();
      }
      await rename(tmp, this.path);
      this.lines = this.entries.size;
    } finally {
      this.flushing = false;
      if (this.pending.length > 0) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    }
  }

  async close(): Promise<void> {
    while (this.flushing) await new Promise((r) => setImmediate(r));
    await this.handle?.close();
    this.handle = undefined;
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const text = this.pending.join('');
        const waiters = this.waiters;
        this.lines += this.pending.length;
        this.pending = [];
        this.waiters = [];
        try {
          this.handle ??= await open(
            this.path,
            constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND,
            0o600,
          );
          await this.handle.write(text);
          if (this.fsync) await this.handle.datasync();
          for (const w of waiters) w.resolve();
        } catch (err) {
          await this.handle?.close().catch(() => undefined);
          this.handle = undefined;
          for (const w of waiters) w.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
