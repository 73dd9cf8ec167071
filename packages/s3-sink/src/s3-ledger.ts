import { canonicalize } from '@llm-workbench/bundle';
import {
  CHECKPOINT_FILE,
  decodeBase64,
  EMPTY_HEAD,
  ledgerLine,
  MAX_ENVELOPE_BYTES,
  readLedger,
  serializeEnvelope,
  signCheckpoint,
  type LedgerEntry,
  type LedgerHead,
  type SigningKey,
} from '@llm-workbench/evidence';
import {
  BundleSinkError,
  LedgerAppendQueue,
  RecentNames,
  type LedgerAppend,
} from '@llm-workbench/sink';
import type { S3Store } from './s3-store.js';

/** The ledger's "folder" under the sink's prefix. */
export const LEDGER_DIR = 'ledger/';
/** Under {@link LEDGER_DIR}: one small receipt per bundle recorded, to answer "is it recorded?". */
export const RECEIPTS_DIR = 'recorded/';
/** A ledger object's name: the seq of its first line, 16 digits (sorted as numbers), `.jsonl`. */
export const LEDGER_OBJECT = /^(\d{16})\.jsonl$/;
/** Most lines in one ledger object (appends that come together share one put). */
export const MAX_LINES_PER_OBJECT = 512;
/** Largest ledger object read: far above 512 lines of about 250 bytes. */
export const MAX_LEDGER_OBJECT_BYTES = 4 * 1024 * 1024;

/**
 * The key of the ledger object whose first line has sequence number `seq`.
 *
 * @example
 * ledgerObjectKey('prod/', 1); // 'prod/ledger/0000000000000001.jsonl'
 */
export function ledgerObjectKey(prefix: string, seq: number): string {
  return `${prefix}${LEDGER_DIR}${String(seq).padStart(16, '0')}.jsonl`;
}

/** The key of the receipt of a recorded bundle file. */
export function receiptKey(prefix: string, file: string): string {
  return `${prefix}${LEDGER_DIR}${RECEIPTS_DIR}${file}`;
}

/** The key of the signed checkpoint of the ledger's head. */
export function checkpointKey(prefix: string): string {
  return `${prefix}${CHECKPOINT_FILE}`;
}

/** Files recently seen recorded, to skip a receipt lookup. */
const RECENT_NAMES = 4096;
/** Receipts put at once after a batch. */
const RECEIPT_CONCURRENCY = 8;

/**
 * The appending side of a ledger kept in S3 under `<prefix>ledger/`: the same hash chain as a
 * folder's `ledger.jsonl` (lines from @llm-workbench/evidence's `ledgerLine`), cut into objects
 * named by the sequence number of their first line. An append is a create-only put of the object
 * after the head: of writers racing for the same number exactly one wins; the others read the
 * winner's lines (checking that they chain on), move their head and try the next number. So
 * appends are linearizable across any number of processes, and the objects concatenated in key
 * order are a ledger that `readLedger` and `verifyFolder` check as they check a file's.
 *
 * Appends queued while one is on its way go in one object. After each, a receipt per file
 * (`ledger/recorded/<file>`) lets a later `ensure` tell cheaply whether a bundle is recorded; a
 * crash between the two only means a bundle found again may be recorded twice, with the same
 * hash, which verification accepts. With a signing key the head is signed into
 * `<prefix>ledger.checkpoint.dsse.json`, replaced by compare-and-swap so it never moves back.
 */
export class S3Ledger {
  private head: LedgerHead | undefined;
  private readonly recent = new RecentNames(RECENT_NAMES);
  private readonly queue = new LedgerAppendQueue(
    async (batch) => {
      await this.appendBatch(batch);
      await this.checkpoint();
    },
    {
      maxBatch: MAX_LINES_PER_OBJECT,
      // Read the head again next time: it may have been the cause.
      onFailure: () => {
        this.head = undefined;
      },
    },
  );
  private checkpointed = -1;

  constructor(
    private readonly store: S3Store,
    private readonly prefix: string,
    private readonly options: {
      readonly signingKey: SigningKey | undefined;
      readonly timeoutMs: number;
    },
  ) {}

  /** Appends a line for a bundle just placed. */
  record(file: string, sha256: string): Promise<void> {
    return this.queue.record(file, sha256);
  }

  /** Appends a line for a bundle found in place, unless the ledger names it already. */
  ensure(file: string, sha256: string): Promise<void> {
    return this.queue.ensure(file, sha256);
  }

  /** Waits for queued appends and their checkpoint. */
  close(): Promise<void> {
    return this.queue.idle();
  }

  private async appendBatch(batch: readonly LedgerAppend[]): Promise<void> {
    const deadline = Date.now() + this.options.timeoutMs;
    let head = this.head ?? (await this.loadHead());
    let pending: LedgerAppend[] = [];
    for (const t of batch) {
      if (!t.ifMissing || !(await this.names(t.file, t.sha256))) pending.push(t);
    }
    if (pending.length === 0) return;
    for (;;) {
      if (Date.now() > deadline) {
        throw new BundleSinkError(
          `ledger under s3://${this.store.bucket}/${this.prefix}${LEDGER_DIR}: no append got through in ${this.options.timeoutMs} ms (other writers kept winning, or the store kept failing)`,
          'unavailable',
        );
      }
      const time = new Date().toISOString();
      let next = head;
      let text = '';
      for (const t of pending) {
        const l = ledgerLine(next, { file: t.file, sha256: t.sha256, time });
        text += l.line;
        next = l.head;
      }
      const key = ledgerObjectKey(this.prefix, head.seq + 1);
      const outcome = await this.store.create(key, text, 'application/x-ndjson');
      if (outcome === 'created') {
        this.head = head = next;
        break;
      }
      const read = await this.store.get(key, MAX_LEDGER_OBJECT_BYTES);
      if ('missing' in read) continue; // deleted under us: try the same number again
      if ('refused' in read) this.refuse(key, read.refused);
      if (outcome === 'exists_maybe_ours' && read.text === text) {
        this.head = head = next; // an earlier attempt of ours got through; its answer was lost
        break;
      }
      const reading = readLedger(read.text, head);
      const problem = reading.problems[0];
      if (problem !== undefined || reading.entries.length === 0) {
        this.refuse(key, problem?.message ?? 'empty');
      }
      for (const e of reading.entries) this.remember(e.file, e.sha256);
      this.head = head = reading.head;
      // Another writer may have recorded what we were only to ensure.
      pending = pending.filter((t) => !t.ifMissing || this.recent.get(t.file) !== t.sha256);
      if (pending.length === 0) return;
    }
    for (const t of pending) this.remember(t.file, t.sha256);
    await this.putReceipts(pending, head.seq - pending.length + 1);
  }

  private async putReceipts(tasks: readonly LedgerAppend[], firstSeq: number): Promise<void> {
    let at = 0;
    const worker = async (): Promise<void> => {
      while (at < tasks.length) {
        const i = at++;
        const t = tasks[i] as LedgerAppend;
        const receipt = canonicalize({ file: t.file, seq: firstSeq + i, sha256: t.sha256 });
        await this.store.create(receiptKey(this.prefix, t.file), receipt, 'application/json');
      }
    };
    await Promise.all(Array.from({ length: Math.min(RECEIPT_CONCURRENCY, tasks.length) }, worker));
  }

  /** Whether the ledger names `file` with `sha256`: recent memory, else the file's receipt. */
  private async names(file: string, sha256: string): Promise<boolean> {
    const known = this.recent.get(file);
    if (known !== undefined) return known === sha256;
    const read = await this.store.get(receiptKey(this.prefix, file), 4096);
    if (!('text' in read)) return false;
    let receipt: { sha256?: unknown };
    try {
      receipt = JSON.parse(read.text) as { sha256?: unknown };
    } catch {
      return false;
    }
    if (receipt.sha256 !== sha256) return false;
    this.remember(file, sha256);
    return true;
  }

  /**
   * Finds the last ledger object without listing them all: whether any object lies after a
   * number is one listing of one key, so a search by doubling then halving takes about
   * 2·log2(objects) requests. Its lines must chain among themselves; the chain before it is
   * `workbench verify`'s to check (reading every object on each start would not scale).
   */
  private async loadHead(): Promise<LedgerHead> {
    const dir = `${this.prefix}${LEDGER_DIR}`;
    const firstAfter = async (seq: number): Promise<string | undefined> => {
      const keys = await this.store.keysAfter(dir, '/', ledgerObjectKey(this.prefix, seq), 8);
      return keys.find((k) => LEDGER_OBJECT.test(k.slice(dir.length)));
    };
    if ((await firstAfter(0)) === undefined) return EMPTY_HEAD;
    let lo = 0;
    let hi = 1;
    while ((await firstAfter(hi)) !== undefined) {
      lo = hi;
      hi *= 2;
      if (hi > Number.MAX_SAFE_INTEGER) this.refuse(dir, 'sequence numbers beyond 2^53');
    }
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await firstAfter(mid)) !== undefined) lo = mid;
      else hi = mid;
    }
    const key = (await firstAfter(lo)) as string;
    const read = await this.store.get(key, MAX_LEDGER_OBJECT_BYTES);
    if ('missing' in read) return this.loadHead(); // removed while we looked: look again
    if ('refused' in read) this.refuse(key, read.refused);
    const first = firstEntry(read.text);
    const named = Number(LEDGER_OBJECT.exec(key.slice(dir.length))?.[1]);
    if (first === null || first.seq !== named) {
      this.refuse(key, `does not start with line ${named}`);
    }
    const reading = readLedger(read.text, { seq: first.seq - 1, hash: first.prev });
    const problem = reading.problems[0];
    if (problem !== undefined) this.refuse(key, problem.message);
    for (const e of reading.entries) this.remember(e.file, e.sha256);
    return reading.head;
  }

  private refuse(key: string, why: string): never {
    throw new BundleSinkError(
      `s3://${this.store.bucket}/${key}: ${why}; refusing to append to a broken ledger (move the prefix's ledger/ aside to start a new one, and keep it as evidence)`,
      'ledger_broken',
    );
  }

  private remember(file: string, sha256: string): void {
    this.recent.remember(file, sha256);
  }

  /**
   * Signs the head into the checkpoint unless it already counts as many lines or more (another
   * writer's): a compare-and-swap on the checkpoint's ETag, so that it never moves back.
   */
  private async checkpoint(): Promise<void> {
    const key = this.options.signingKey;
    const head = this.head;
    if (key === undefined || head === undefined || head.seq <= this.checkpointed) return;
    const target = checkpointKey(this.prefix);
    const deadline = Date.now() + this.options.timeoutMs;
    while (Date.now() <= deadline) {
      const read = await this.store.get(target, MAX_ENVELOPE_BYTES);
      if ('refused' in read) this.refuse(target, read.refused);
      if ('text' in read && checkpointSize(read.text) >= head.seq) break;
      const envelope = serializeEnvelope(signCheckpoint(head, key));
      const ifMatch = 'text' in read ? (read.etag ?? null) : null;
      if (await this.store.replace(target, envelope, 'application/json', ifMatch)) break;
    }
    this.checkpointed = head.seq;
  }
}

/** The first line of a ledger object, parsed; null when it is not an entry. */
function firstEntry(text: string): LedgerEntry | null {
  const end = text.indexOf('\n');
  try {
    const v = JSON.parse(end === -1 ? text : text.slice(0, end)) as Partial<LedgerEntry> | null;
    return typeof v?.seq === 'number' && typeof v.prev === 'string' ? (v as LedgerEntry) : null;
  } catch {
    return null;
  }
}

/** How many lines a checkpoint envelope counts (its signature is the verifier's to check); -1 if unreadable. */
function checkpointSize(text: string): number {
  try {
    const env = JSON.parse(text) as { payload?: unknown };
    const payload = typeof env.payload === 'string' ? decodeBase64(env.payload) : null;
    const size =
      payload === null
        ? undefined
        : (JSON.parse(payload.toString('utf8')) as { size?: unknown }).size;
    return typeof size === 'number' ? size : -1;
  } catch {
    return -1;
  }
}
