import { closeSync, constants, openSync, readSync } from 'node:fs';
import {
  copyFile,
  mkdir,
  open,
  readdir,
  readFile,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
// Node's own CRC-32 (IEEE), Node >= 20.15 (the engines floor).
import { crc32 } from 'node:zlib';

/** What a spool record holds. */
export const RECORD_JSON = 1; // an OTLP/JSON request body, as received (decompressed)
export const RECORD_PROTOBUF = 2; // an OTLP/protobuf request body, as received or re-encoded
export const RECORD_TRUNCATED = 3; // a trace id (16 bytes): the trace is to be folded as incomplete
export const RECORD_LOGS_JSON = 4; // an OTLP/JSON logs request body, as received (decompressed)
export const RECORD_LOGS_PROTOBUF = 5; // an OTLP/protobuf logs request body, as received
// A trace id (16 bytes) and a u32 (big-endian): that many spans of the trace, sent in one request,
// were dropped at the per-trace cap. The trace is to be folded as incomplete, saying how many in all.
export const RECORD_DROPPED = 6;

/** Whether a record holds log records (workbench events recorded as logs), not spans. */
export function isLogsRecord(kind: number): boolean {
  return kind === RECORD_LOGS_JSON || kind === RECORD_LOGS_PROTOBUF;
}

const HEADER = 8; // u32 length of kind + payload, u32 crc32 of kind + payload
const SEGMENT = /^segment-(\d{12})\.wal$/;

/** One record read back from the spool. */
export interface SpoolEntry {
  readonly segment: number;
  /** Where the payload starts in its segment file. */
  readonly offset: number;
  readonly kind: number;
  readonly payload: Buffer;
}

/**
 * Damage found in a segment on replay: bytes that are not a record whose checksum holds, yet are
 * not a write cut short at the end of the segment either.
 */
export interface SpoolDamage {
  readonly segment: number;
  /** Where the bad record starts in its segment file. */
  readonly offset: number;
  /** Bytes not read: the bad record, or (`resumedAt` null) everything from it to the end. */
  readonly bytes: number;
  /** Where reading went on (the next record), or null when the rest could not be framed. */
  readonly resumedAt: number | null;
  /** What is wrong, for people. */
  readonly reason: string;
  /** Where a copy of the damaged segment is kept (never deleted by the spool), or null. */
  readonly copy: string | null;
  /** Why no copy could be kept, when `copy` is null. */
  readonly copyError?: string | undefined;
}

/** Where an appended record goes, and when it is on disk. */
export interface SpoolAppend {
  readonly segment: number;
  /** Where the payload starts in its segment file (after the frame header and the kind byte). */
  readonly offset: number;
  /** Settles once the record is written (and fsynced, with fsync on); rejects if it failed. */
  readonly durable: Promise<void>;
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

interface Batch {
  segment: number;
  buffers: Buffer[];
  bytes: number;
  waiters: Waiter[];
}

interface SegmentState {
  /** Traces with records in this segment that are not settled yet. */
  readonly pending: Set<string>;
  /** Every trace with records in this segment (for journal compaction). */
  readonly traces: Set<string>;
  bytes: number;
}

/** The file name of a spool segment, e.g. `segment-000000000003.wal`. */
export function segmentName(id: number): string {
  return `segment-${String(id).padStart(12, '0')}.wal`;
}

/**
 * The write-ahead spool: append-only segment files of framed, checksummed records, written with
 * group commit (one write and one fsync for all the records appended while the previous fsync
 * ran). A segment is deleted once every trace with records in it is settled and it is no longer
 * the one being written. Each process start writes to a new segment, so a torn record (from a
 * crash mid-write) is always the end of its segment and is ignored on replay.
 */
export class Spool {
  private readonly segments = new Map<number, SegmentState>();
  private active: number;
  private activeBytes = 0;
  private handle: FileHandle | undefined;
  private handleSegment = -1;
  private queue: Batch[] = [];
  private flushing = false;
  private closed = false;
  private queuedBytes = 0;
  /** The segment a write or fsync is running on, or -1. */
  private writing = -1;
  private readonly onError: (message: string) => void;
  private readonly found: SpoolDamage[] = [];

  private constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    private readonly fsync: boolean,
    private readonly existing: number[],
    onError: (message: string) => void,
    private readonly damagedDir: string,
  ) {
    this.active = (existing.at(-1) ?? 0) + 1;
    for (const id of existing)
      this.segments.set(id, { pending: new Set(), traces: new Set(), bytes: 0 });
    this.onError = onError;
  }

  /**
   * Opens (creating if needed) the spool in `dir`. Copies of damaged segments go to
   * `options.damagedDir` (default `dir/damaged`), which the spool never deletes from.
   */
  static async open(
    dir: string,
    options: {
      segmentBytes: number;
      fsync: boolean;
      onError: (message: string) => void;
      damagedDir?: string;
    },
  ): Promise<Spool> {
    await mkdir(dir, { recursive: true });
    const ids = (await readdir(dir))
      .map((name) => SEGMENT.exec(name)?.[1])
      .filter((id): id is string => id !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    return new Spool(
      dir,
      options.segmentBytes,
      options.fsync,
      ids,
      options.onError,
      options.damagedDir ?? join(dir, 'damaged'),
    );
  }

  /**
   * Reads back every record of the segments that existed at open, in order. A record whose
   * checksum fails is damage (see {@link Spool.damage}): when its length prefix holds (the next
   * record starts where it says, or the segment ends there) only that record is skipped and
   * reading goes on; otherwise the rest of the segment cannot be framed and is not read. Either
   * way a copy of the segment is kept aside. A record cut short at the very end of a segment (the
   * length reaches past the end, or zeros) is a write a crash interrupted, never acknowledged:
   * ignored, as before. The rest is never searched for something that looks like a record: a
   * span attribute could hold bytes framed as one.
   */
  async *replay(): AsyncGenerator<SpoolEntry> {
    for (const segment of this.existing) {
      const bytes = await readFile(join(this.dir, segmentName(segment)));
      const state = this.segments.get(segment);
      if (state !== undefined) state.bytes = bytes.length;
      const damage: Array<Omit<SpoolDamage, 'copy' | 'copyError'>> = [];
      let pos = 0;
      while (pos + HEADER <= bytes.length) {
        const len = bytes.readUInt32LE(pos);
        const end = pos + HEADER + len;
        if (len === 0 || end > bytes.length) break; // a write cut short at the end: never acknowledged
        if (!recordAt(bytes, pos)) {
          const next = end === bytes.length || recordAt(bytes, end) ? end : null;
          damage.push({
            segment,
            offset: pos,
            bytes: (next ?? bytes.length) - pos,
            resumedAt: next,
            reason:
              next === null
                ? `the record at byte ${pos} fails its checksum and no record starts where its length says the next one does: the ${bytes.length - pos} bytes from there to the end of the segment cannot be read`
                : `the record at byte ${pos} (${len + HEADER} bytes) fails its checksum: skipped it, read on from byte ${next}`,
          });
          if (next === null) break;
          pos = next;
          continue;
        }
        const body = bytes.subarray(pos + HEADER, end);
        yield {
          segment,
          offset: pos + HEADER + 1,
          kind: body[0] as number,
          payload: body.subarray(1),
        };
        pos = end;
      }
      if (damage.length > 0) {
        const kept = await this.keepCopy(segment, bytes);
        for (const d of damage) this.found.push({ ...d, ...kept });
      }
    }
  }

  /** Damage found by {@link Spool.replay}, in order. */
  get damage(): readonly SpoolDamage[] {
    return this.found;
  }

  /**
   * Copies a damaged segment aside for inspection, under a name that holds its checksum: the same
   * damage found again after another restart is not copied twice, and nothing is overwritten.
   */
  private async keepCopy(
    segment: number,
    bytes: Buffer,
  ): Promise<{ copy: string | null; copyError?: string }> {
    const name = `${segmentName(segment).replace(/\.wal$/, '')}.${crc32(bytes).toString(16).padStart(8, '0')}.wal`;
    const copy = join(this.damagedDir, name);
    try {
      await mkdir(this.damagedDir, { recursive: true });
      await copyFile(join(this.dir, segmentName(segment)), copy, constants.COPYFILE_EXCL);
      return { copy };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { copy };
      return { copy: null, copyError: (err as Error).message };
    }
  }

  /**
   * Appends a record. Returns synchronously the segment and offset it goes to (so callers can
   * reference it at once) and a promise that settles when the record is on disk.
   */
  append(kind: number, payload: Uint8Array): SpoolAppend {
    if (this.closed)
      return {
        segment: this.active,
        offset: -1,
        durable: Promise.reject(new Error('spool is closed')),
      };
    const frame = Buffer.allocUnsafe(HEADER + 1);
    frame[HEADER] = kind;
    const sum = crc32(payload, crc32(frame.subarray(HEADER)));
    frame.writeUInt32LE(payload.byteLength + 1, 0);
    frame.writeUInt32LE(sum, 4);
    const size = frame.length + payload.byteLength;
    if (this.activeBytes > 0 && this.activeBytes + size > this.segmentBytes) this.rotate();
    const offset = this.activeBytes + frame.length;
    this.activeBytes += size;
    this.queuedBytes += size;
    const segment = this.active;
    let state = this.segments.get(segment);
    if (state === undefined) {
      state = { pending: new Set(), traces: new Set(), bytes: 0 };
      this.segments.set(segment, state);
    }
    state.bytes += size;
    let batch = this.queue.at(-1);
    if (batch === undefined || batch.segment !== segment) {
      batch = { segment, buffers: [], bytes: 0, waiters: [] };
      this.queue.push(batch);
    }
    batch.buffers.push(frame, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    batch.bytes += size;
    const durable = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => void this.flush());
    }
    return { segment, offset, durable };
  }

  /** Notes that `traceId` has records in `segment` and is not settled. */
  ref(segment: number, traceId: string): void {
    const state = this.segments.get(segment);
    if (state === undefined) return;
    state.pending.add(traceId);
    state.traces.add(traceId);
  }

  /** Notes that `traceId` is settled; deletes segments left with nothing pending. */
  release(segment: number, traceId: string): void {
    const state = this.segments.get(segment);
    if (state === undefined) return;
    state.pending.delete(traceId);
    this.maybeDelete(segment);
  }

  /** Deletes replayed segments that hold nothing pending (call after replay and releases). */
  sweepSettled(): void {
    for (const id of [...this.segments.keys()]) this.maybeDelete(id);
  }

  /** Every trace with records in a segment still on disk. */
  tracesOnDisk(): Set<string> {
    const out = new Set<string>();
    for (const state of this.segments.values()) for (const t of state.traces) out.add(t);
    return out;
  }

  /**
   * Reads a record's payload back, synchronously (from the page cache, as a rule): for the rare
   * checks that need a span's content on the request path, such as telling a retry from a
   * conflicting version.
   */
  readPayload(segment: number, offset: number, length: number): Buffer {
    const fd = openSync(join(this.dir, segmentName(segment)), 'r');
    try {
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buf, done, length - done, offset + done);
        if (n === 0)
          throw new Error(`spool segment ${segment} ends before its record at ${offset}`);
        done += n;
      }
      return buf;
    } finally {
      closeSync(fd);
    }
  }

  /** The folder of the segment files. */
  get directory(): string {
    return this.dir;
  }

  /** Bytes appended but not yet on disk. */
  get backlogBytes(): number {
    return this.queuedBytes;
  }

  get segmentCount(): number {
    return this.segments.size;
  }

  get bytesOnDisk(): number {
    let sum = 0;
    for (const s of this.segments.values()) sum += s.bytes;
    return sum;
  }

  /** Waits for everything appended so far to be on disk, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing || this.queue.length > 0) await new Promise((r) => setImmediate(r));
    await this.closeHandle();
  }

  private rotate(): void {
    const previous = this.active;
    this.active += 1;
    this.activeBytes = 0;
    // The previous segment may already be settled; it is deleted once its writes are done.
    queueMicrotask(() => this.maybeDelete(previous));
  }

  private maybeDelete(segment: number): void {
    const state = this.segments.get(segment);
    if (state === undefined || state.pending.size > 0 || segment === this.active) return;
    if (
      this.queue.some((b) => b.segment === segment) ||
      (this.flushing && this.handleSegment === segment)
    )
      return;
    this.segments.delete(segment);
    unlink(join(this.dir, segmentName(segment))).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT')
        this.onError(`could not delete spool segment ${segment}: ${err.message}`);
    });
  }

  private async closeHandle(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    this.handleSegment = -1;
    if (h !== undefined) await h.close().catch(() => undefined);
  }

  private async handleFor(segment: number): Promise<FileHandle> {
    if (this.handle !== undefined && this.handleSegment === segment) return this.handle;
    const previous = this.handleSegment;
    await this.closeHandle();
    if (previous >= 0) this.maybeDelete(previous);
    const path = join(this.dir, segmentName(segment));
    const h = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600);
    this.handle = h;
    this.handleSegment = segment;
    if (this.fsync) await this.syncDir();
    return h;
  }

  private async syncDir(): Promise<void> {
    const d = await open(this.dir, constants.O_RDONLY);
    try {
      await d.sync();
    } catch {
      // Some filesystems refuse fsync on directories.
    } finally {
      await d.close();
    }
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.shift() as Batch;
        const bytes = batch.bytes;
        this.writing = batch.segment;
        try {
          const h = await this.handleFor(batch.segment);
          let written = 0;
          let buffers = batch.buffers;
          while (written < bytes) {
            const { bytesWritten } = await h.writev(buffers);
            if (bytesWritten <= 0) throw new Error('write made no progress');
            written += bytesWritten;
            if (written < bytes) buffers = [Buffer.concat(batch.buffers).subarray(written)];
          }
          if (this.fsync) await h.datasync();
          this.writing = -1;
          for (const w of batch.waiters) w.resolve();
          // Releases may have come while it was written.
          if (batch.segment !== this.active) this.maybeDelete(batch.segment);
        } catch (err) {
          this.writing = -1;
          // The segment may now end in a torn record: later records go to a new segment.
          const failed = [batch, ...this.queue.filter((b) => b.segment === batch.segment)];
          this.queue = this.queue.filter((b) => b.segment !== batch.segment);
          if (batch.segment === this.active) this.rotate();
          await this.closeHandle();
          for (const b of failed) {
            if (b !== batch) this.queuedBytes -= b.bytes;
            for (const w of b.waiters) w.reject(err);
          }
        } finally {
          this.queuedBytes -= bytes;
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

/** Whether a whole record whose checksum holds starts at `pos`. */
function recordAt(bytes: Buffer, pos: number): boolean {
  if (pos + HEADER > bytes.length) return false;
  const len = bytes.readUInt32LE(pos);
  const end = pos + HEADER + len;
  if (len === 0 || end > bytes.length) return false;
  return crc32(bytes.subarray(pos + HEADER, end)) === bytes.readUInt32LE(pos + 4);
}
