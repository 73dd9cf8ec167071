import { createHash } from 'node:crypto';
import { canonicalize } from '@llm-workbench/bundle';
import { decodeBase64, pae, signJson, type DsseEnvelope } from './dsse.js';
import { verifySignature, type SigningKey, type TrustedKey } from './keys.js';

/** The ledger of a bundle folder, beside the bundles. */
export const LEDGER_FILE = 'ledger.jsonl';
/** The signed checkpoint of the ledger's head, when the writer has a signing key. */
export const CHECKPOINT_FILE = 'ledger.checkpoint.dsse.json';
/** The DSSE payload type of a ledger checkpoint. */
export const CHECKPOINT_PAYLOAD_TYPE = 'application/vnd.llm-workbench.ledger-checkpoint+json';
/** The `prev` of the first line. */
export const GENESIS = '0'.repeat(64);

/** One line of the ledger: a bundle file written into the folder. */
export interface LedgerEntry {
  /** The bundle's file name in the folder. */
  file: string;
  /** The sha256 of the previous line's text (without its newline); GENESIS for the first. */
  prev: string;
  /** 1 for the first line, one more for each next. */
  seq: number;
  /** The bundle's `integrity.sha256`. */
  sha256: string;
  /** When the writer recorded it, RFC 3339 UTC. */
  time: string;
}

/** Where a ledger ends: its last line's number and hash. */
export interface LedgerHead {
  seq: number;
  hash: string;
}

export const EMPTY_HEAD: LedgerHead = { seq: 0, hash: GENESIS };

/**
 * The next line of a ledger (RFC 8785 text, newline included) and the head it makes.
 *
 * @example
 * const { line, head } = ledgerLine(EMPTY_HEAD, { file: 'a.json', sha256, time });
 */
export function ledgerLine(
  head: LedgerHead,
  entry: { file: string; sha256: string; time: string },
): { line: string; head: LedgerHead; entry: LedgerEntry } {
  const full: LedgerEntry = {
    file: entry.file,
    prev: head.hash,
    seq: head.seq + 1,
    sha256: entry.sha256,
    time: entry.time,
  };
  const text = canonicalize(full);
  return { line: `${text}\n`, head: { seq: full.seq, hash: sha256Hex(text) }, entry: full };
}

export type LedgerProblemCode =
  | 'torn_line'
  | 'bad_line'
  | 'broken_chain'
  | 'bad_checkpoint'
  | 'checkpoint_untrusted'
  | 'truncated';

export interface LedgerProblem {
  code: LedgerProblemCode;
  /** 1-based line number, when about one line. */
  line: number | null;
  message: string;
}

/** A ledger read back. */
export interface LedgerReading {
  entries: LedgerEntry[];
  head: LedgerHead;
  /** Bytes of the text up to the end of the last good line (a writer truncates a torn tail). */
  goodLength: number;
  problems: LedgerProblem[];
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Reads a ledger: each line must be the RFC 8785 form of an entry whose `prev` is the hash of the
 * line before and whose `seq` counts from 1. Reading stops at the first bad line; a last line
 * without its newline is torn (a write cut short), never accepted.
 *
 * `start` reads a piece of a ledger that follows the line with that head (a writer reading a long
 * ledger in chunks, or only the lines another writer appended); line numbers in problems then
 * count from `start.seq + 1`, and `goodLength` is within `text`.
 *
 * @example
 * const { head, problems, goodLength } = readLedger(readFileSync('bundles/ledger.jsonl', 'utf8'));
 */
export function readLedger(text: string, start: LedgerHead = EMPTY_HEAD): LedgerReading {
  const reading: LedgerReading = { entries: [], head: start, goodLength: 0, problems: [] };
  let at = 0;
  let n = start.seq;
  while (at < text.length) {
    n++;
    const end = text.indexOf('\n', at);
    if (end === -1) {
      reading.problems.push({
        code: 'torn_line',
        line: n,
        message: 'the last line has no newline: a write cut short',
      });
      break;
    }
    const lineText = text.slice(at, end);
    const entry = parseEntry(lineText);
    if (entry === null) {
      reading.problems.push({
        code: 'bad_line',
        line: n,
        message: 'not a ledger entry in RFC 8785 form',
      });
      break;
    }
    if (entry.prev !== reading.head.hash || entry.seq !== reading.head.seq + 1) {
      reading.problems.push({
        code: 'broken_chain',
        line: n,
        message:
          entry.seq !== reading.head.seq + 1
            ? `line ${n} has seq ${entry.seq}: lines removed or re-ordered`
            : `line ${n} does not follow line ${n - 1} (prev hash differs): edited, removed or re-ordered`,
      });
      break;
    }
    reading.entries.push(entry);
    reading.head = { seq: entry.seq, hash: sha256Hex(lineText) };
    at = end + 1;
    // Counted line by line: measuring the whole prefix each time would be quadratic.
    reading.goodLength += Buffer.byteLength(lineText, 'utf8') + 1;
  }
  return reading;
}

function parseEntry(lineText: string): LedgerEntry | null {
  let v: unknown;
  try {
    v = JSON.parse(lineText);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const e = v as Record<string, unknown>;
  if (
    typeof e['file'] !== 'string' ||
    typeof e['prev'] !== 'string' ||
    !HEX64.test(e['prev']) ||
    typeof e['seq'] !== 'number' ||
    !Number.isSafeInteger(e['seq']) ||
    typeof e['sha256'] !== 'string' ||
    !HEX64.test(e['sha256']) ||
    typeof e['time'] !== 'string' ||
    Object.keys(e).length !== 5
  ) {
    return null;
  }
  // Only the canonical form: one text per entry, so that the chain hashes what was written.
  let canonical: string;
  try {
    canonical = canonicalize(e);
  } catch {
    return null;
  }
  return canonical === lineText ? (e as unknown as LedgerEntry) : null;
}

/** What a checkpoint says: the ledger had `size` lines, the last hashing to `head`. */
export interface Checkpoint {
  ledger: typeof LEDGER_FILE;
  size: number;
  head: string;
  signedAt: string;
}

/** A signed checkpoint of a ledger head. */
export function signCheckpoint(
  head: LedgerHead,
  key: SigningKey,
  signedAt = new Date(),
): DsseEnvelope {
  const checkpoint: Checkpoint = {
    head: head.hash,
    ledger: LEDGER_FILE,
    signedAt: signedAt.toISOString(),
    size: head.seq,
  };
  return signJson(CHECKPOINT_PAYLOAD_TYPE, checkpoint, key);
}

/**
 * Checks a ledger against its signed checkpoint: the checkpoint must be signed by a trusted key
 * (when keys are given) and the ledger must still hold the line it names, with the same hash.
 * Lines after the checkpoint are reported as not yet checkpointed (a crash between the append and
 * the checkpoint), not as a failure.
 */
export function checkCheckpoint(
  reading: LedgerReading,
  ledgerText: string,
  checkpointText: string,
  trusted: readonly TrustedKey[],
): { problems: LedgerProblem[]; warnings: string[]; signedBy: string[] } {
  const problems: LedgerProblem[] = [];
  const warnings: string[] = [];
  const bad = (message: string) => {
    problems.push({ code: 'bad_checkpoint', line: null, message });
    return { problems, warnings, signedBy: [] };
  };
  let env: Record<string, unknown>;
  try {
    env = JSON.parse(checkpointText) as Record<string, unknown>;
  } catch {
    return bad(`${CHECKPOINT_FILE} is not JSON`);
  }
  if (env?.['payloadType'] !== CHECKPOINT_PAYLOAD_TYPE || typeof env['payload'] !== 'string') {
    return bad(`${CHECKPOINT_FILE} is not a ledger checkpoint envelope`);
  }
  const payload = decodeBase64(env['payload']);
  let cp: Checkpoint | null = null;
  try {
    cp = payload === null ? null : (JSON.parse(payload.toString('utf8')) as Checkpoint);
  } catch {
    cp = null;
  }
  if (cp === null || typeof cp.size !== 'number' || typeof cp.head !== 'string') {
    return bad(`${CHECKPOINT_FILE} payload is not a checkpoint`);
  }
  const signedBy: string[] = [];
  const signed = pae(CHECKPOINT_PAYLOAD_TYPE, payload!);
  for (const s of Array.isArray(env['signatures'])
    ? (env['signatures'] as unknown[]).slice(0, 64)
    : []) {
    const sig =
      typeof s === 'object' && s !== null && typeof (s as { sig?: unknown }).sig === 'string'
        ? decodeBase64((s as { sig: string }).sig)
        : null;
    const by =
      sig === null ? undefined : trusted.find((k) => verifySignature(k.publicKey, signed, sig));
    if (by !== undefined) signedBy.push(by.label);
  }
  if (trusted.length > 0 && signedBy.length === 0) {
    problems.push({
      code: 'checkpoint_untrusted',
      line: null,
      message: `${CHECKPOINT_FILE} is not signed by a trusted key`,
    });
  }
  if (reading.entries.length < cp.size) {
    problems.push({
      code: 'truncated',
      line: reading.entries.length + 1,
      message: `the signed checkpoint counts ${cp.size} lines; the ledger holds ${reading.entries.length} good ones: truncated`,
    });
  } else {
    const lines = ledgerText.split('\n');
    const at = lines[cp.size - 1];
    if (cp.size > 0 && (at === undefined || sha256Hex(at) !== cp.head)) {
      problems.push({
        code: 'broken_chain',
        line: cp.size,
        message: `line ${cp.size} is not the one the signed checkpoint names: the ledger was rewritten`,
      });
    } else if (reading.entries.length > cp.size) {
      warnings.push(
        `${reading.entries.length - cp.size} line(s) after the signed checkpoint are not checkpointed yet`,
      );
    }
  }
  return { problems, warnings, signedBy };
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
