import { verifyBundle } from '@llm-workbench/bundle';
import type { TrustedKey } from './keys.js';
import { envelopeNameFor } from './sign-bundle.js';
import { verifyEnvelope } from './verify-envelope.js';
import {
  checkCheckpoint,
  CHECKPOINT_FILE,
  LEDGER_FILE,
  readLedger,
  type LedgerEntry,
  type LedgerProblemCode,
} from './ledger.js';

export type FolderProblemCode =
  | LedgerProblemCode
  | 'no_ledger'
  | 'no_checkpoint'
  | 'removed'
  | 'replaced'
  | 'rewritten'
  | 'invalid_bundle'
  | 'outside_ledger'
  | 'unreadable'
  | 'unsigned'
  | 'bad_signature';

export interface FolderProblem {
  code: FolderProblemCode;
  /** The bundle file (or ledger file) the problem is about. */
  file: string;
  message: string;
}

export interface FolderVerdict {
  ok: boolean;
  /** Bundle files the ledger accounts for, each intact and as recorded. */
  recorded: number;
  /** Lines in the ledger. */
  lines: number;
  /** Labels of the trusted keys that signed the checkpoint. */
  checkpointSignedBy: string[];
  /** Recorded bundles with an envelope beside them (checked or not). */
  envelopes: number;
  /** Recorded bundles whose envelope a trusted key verifies. */
  signed: number;
  problems: FolderProblem[];
  warnings: string[];
}

/** Whether a file name in a bundle folder is a bundle (not an envelope, the ledger or a temp). */
export function isBundleFileName(name: string): boolean {
  return (
    name.endsWith('.json') &&
    !name.endsWith('.dsse.json') &&
    !name.startsWith('.') &&
    name !== CHECKPOINT_FILE
  );
}

/** What the envelope beside a bundle says, as {@link checkFolderBundle} found it. */
export interface FolderSignature {
  /** A trusted key verifies a signature over a statement naming this bundle. */
  ok: boolean;
  /** Labels of the trusted keys that verified it. */
  signedBy: string[];
  /** Key ids the envelope's signatures name (checked or not). */
  keyIds: string[];
  /** Why not, when not ok ('' when ok). */
  message: string;
}

/**
 * One bundle file of a folder, checked on its own: its integrity and, when the caller read it, the
 * envelope beside it. A caller that walks a large folder checks each file as it reads it and
 * hands {@link verifyFolder} these small results, so that no more than one bundle is in memory.
 */
export interface FolderBundleCheck {
  name: string;
  /** The bundle verifies on its own. */
  ok: boolean;
  /** Its `integrity.sha256` when it has one (even when it does not verify). */
  sha256: string | null;
  /** Why it does not verify, or why it could not be read ('' when ok). */
  message: string;
  /** The caller could not read it (a symlink, too large, not a file): `message` says why. */
  unreadable?: boolean | undefined;
  /** The envelope beside it: null when there is none; undefined when not looked for. */
  signature?: FolderSignature | null | undefined;
}

/** A bundle file of a folder as read: its text and, if looked for, its envelope's text. */
export interface FolderBundle {
  name: string;
  text: string;
  /** The text of `X.dsse.json` beside `X.json`: null when absent; undefined when not looked for. */
  envelope?: string | null | undefined;
}

/**
 * Checks one bundle file of a folder: its integrity, and its envelope against the trusted keys.
 *
 * @example
 * const check = checkFolderBundle('a.json', text, envelopeText, trusted); // then drop the text
 */
export function checkFolderBundle(
  name: string,
  text: string,
  envelope: string | null | undefined,
  trusted: readonly TrustedKey[] = [],
): FolderBundleCheck {
  const r = verifyBundle(text);
  const check: FolderBundleCheck = r.ok
    ? { name, ok: true, sha256: r.sha256, message: '' }
    : {
        name,
        ok: false,
        sha256: r.sha256,
        message: `does not verify: ${r.problems[0]?.message ?? 'invalid'}`,
      };
  if (envelope === undefined) return check;
  if (envelope === null) return { ...check, signature: null };
  const v = verifyEnvelope(envelope, { sha256: r.sha256 ?? '', name }, trusted);
  return {
    ...check,
    signature: {
      ok: v.ok,
      signedBy: v.signatures.filter((s) => s.status === 'verified').map((s) => s.label ?? s.keyId),
      keyIds: v.signatures.map((s) => s.keyId),
      message: v.ok ? '' : (v.problems[0]?.message ?? 'does not verify'),
    },
  };
}

/**
 * Checks a bundle folder against its ledger: every line chains to the one before; every bundle
 * the ledger names is there, intact, with the `integrity.sha256` it recorded; no bundle is there
 * that the ledger does not name; and, with a signed checkpoint, the ledger is not shorter than it
 * was when signed. With trusted keys, the checkpoint must be signed by one of them, and each
 * recorded bundle whose envelope the caller read (`envelope` given, or `signature` in a check)
 * must have a signature by one of them. Pure: the caller reads the folder.
 *
 * @example
 * verifyFolder({ ledger, checkpoint, bundles: [{ name: 'a.json', text }] }, trusted).ok;
 */
export function verifyFolder(
  folder: {
    ledger: string | null;
    checkpoint: string | null;
    bundles: ReadonlyArray<FolderBundle | FolderBundleCheck>;
  },
  trusted: readonly TrustedKey[] = [],
): FolderVerdict {
  const v: FolderVerdict = {
    ok: false,
    recorded: 0,
    lines: 0,
    checkpointSignedBy: [],
    envelopes: 0,
    signed: 0,
    problems: [],
    warnings: [],
  };
  if (folder.ledger === null) {
    v.problems.push({ code: 'no_ledger', file: LEDGER_FILE, message: 'the folder has no ledger' });
    return v;
  }
  const reading = readLedger(folder.ledger);
  v.lines = reading.entries.length;
  for (const p of reading.problems) {
    v.problems.push({ code: p.code, file: LEDGER_FILE, message: lineMessage(p.line, p.message) });
  }
  if (folder.checkpoint !== null) {
    const cp = checkCheckpoint(reading, folder.ledger, folder.checkpoint, trusted);
    v.checkpointSignedBy = cp.signedBy;
    v.warnings.push(...cp.warnings);
    for (const p of cp.problems) {
      v.problems.push({
        code: p.code,
        file: CHECKPOINT_FILE,
        message: lineMessage(p.line, p.message),
      });
    }
  } else if (trusted.length > 0) {
    // Trust was asked for: the folder's writer signs checkpoints, so a missing one is a removal.
    v.problems.push({
      code: 'no_checkpoint',
      file: CHECKPOINT_FILE,
      message: `no signed checkpoint: the ledger's length cannot be checked against a trusted key`,
    });
  }
  const byFile = new Map<string, LedgerEntry>();
  for (const e of reading.entries) {
    const before = byFile.get(e.file);
    if (before !== undefined && before.sha256 !== e.sha256) {
      v.problems.push({
        code: 'rewritten',
        file: e.file,
        message: `recorded twice with different hashes (lines ${before.seq} and ${e.seq}): bundles are never rewritten`,
      });
    }
    byFile.set(e.file, e);
  }
  const checks = folder.bundles.map((b) =>
    'text' in b ? checkFolderBundle(b.name, b.text, b.envelope, trusted) : b,
  );
  const present = new Map(checks.map((c) => [c.name, c]));
  for (const [file, e] of byFile) {
    const c = present.get(file);
    if (c === undefined) {
      v.problems.push({
        code: 'removed',
        file,
        message: `recorded at line ${e.seq}, not in the folder`,
      });
      continue;
    }
    if (c.unreadable === true) {
      v.problems.push({ code: 'unreadable', file, message: c.message });
      continue;
    }
    if (!c.ok) {
      v.problems.push({
        code: c.sha256 !== null && c.sha256 !== e.sha256 ? 'replaced' : 'invalid_bundle',
        file,
        message: c.message,
      });
      continue;
    }
    if (c.sha256 !== e.sha256) {
      v.problems.push({
        code: 'replaced',
        file,
        message: `is ${(c.sha256 ?? '').slice(0, 12)}…, the ledger recorded ${e.sha256.slice(0, 12)}… at line ${e.seq}`,
      });
      continue;
    }
    v.recorded++;
    if (c.signature !== undefined && c.signature !== null) v.envelopes++;
    if (c.signature?.ok === true) v.signed++;
    if (trusted.length === 0 || c.signature === undefined) continue;
    if (c.signature === null) {
      v.problems.push({
        code: 'unsigned',
        file,
        message: `has no envelope ${envelopeNameFor(file)}: not signed`,
      });
    } else if (!c.signature.ok) {
      v.problems.push({
        code: 'bad_signature',
        file: envelopeNameFor(file),
        message: `does not vouch for ${file}: ${c.signature.message}`,
      });
    }
  }
  for (const b of checks) {
    if (!byFile.has(b.name)) {
      v.problems.push({
        code: 'outside_ledger',
        file: b.name,
        message: `is in the folder but not in the ledger: added outside it (or the ledger was cut)${b.unreadable === true ? `; ${b.message}` : ''}`,
      });
    }
  }
  v.ok = v.problems.length === 0;
  return v;
}

function lineMessage(line: number | null, message: string): string {
  return line === null ? message : `line ${line}: ${message}`;
}
