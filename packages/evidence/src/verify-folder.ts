import { verifyBundle } from '@llm-workbench/bundle';
import type { TrustedKey } from './keys.js';
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
  | 'outside_ledger';

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

/**
 * Checks a bundle folder against its ledger: every line chains to the one before; every bundle
 * the ledger names is there, intact, with the `integrity.sha256` it recorded; no bundle is there
 * that the ledger does not name; and, with a signed checkpoint, the ledger is not shorter than it
 * was when signed. Pure: the caller reads the folder.
 *
 * @example
 * verifyFolder({ ledger, checkpoint, bundles: [{ name: 'a.json', text }] }, trusted).ok;
 */
export function verifyFolder(
  folder: {
    ledger: string | null;
    checkpoint: string | null;
    bundles: ReadonlyArray<{ name: string; text: string }>;
  },
  trusted: readonly TrustedKey[] = [],
): FolderVerdict {
  const v: FolderVerdict = {
    ok: false,
    recorded: 0,
    lines: 0,
    checkpointSignedBy: [],
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
  const present = new Map(folder.bundles.map((b) => [b.name, b.text]));
  for (const [file, e] of byFile) {
    const text = present.get(file);
    if (text === undefined) {
      v.problems.push({
        code: 'removed',
        file,
        message: `recorded at line ${e.seq}, not in the folder`,
      });
      continue;
    }
    const r = verifyBundle(text);
    if (!r.ok) {
      v.problems.push({
        code: r.sha256 !== null && r.sha256 !== e.sha256 ? 'replaced' : 'invalid_bundle',
        file,
        message: `does not verify: ${r.problems[0]?.message ?? 'invalid'}`,
      });
    } else if (r.sha256 !== e.sha256) {
      v.problems.push({
        code: 'replaced',
        file,
        message: `is ${r.sha256.slice(0, 12)}…, the ledger recorded ${e.sha256.slice(0, 12)}… at line ${e.seq}`,
      });
    } else {
      v.recorded++;
    }
  }
  for (const b of folder.bundles) {
    if (!byFile.has(b.name)) {
      v.problems.push({
        code: 'outside_ledger',
        file: b.name,
        message: 'is in the folder but not in the ledger: added outside it (or the ledger was cut)',
      });
    }
  }
  v.ok = v.problems.length === 0;
  return v;
}

function lineMessage(line: number | null, message: string): string {
  return line === null ? message : `line ${line}: ${message}`;
}
