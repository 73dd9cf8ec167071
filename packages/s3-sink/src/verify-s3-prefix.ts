import {
  checkFolderBundle,
  envelopeNameFor,
  isBundleFileName,
  MAX_ENVELOPE_BYTES,
  verifyFolder,
  type FolderBundleCheck,
  type FolderProblem,
  type FolderVerdict,
  type TrustedKey,
} from '@llm-workbench/evidence';
import { checkpointKey, LEDGER_DIR, LEDGER_OBJECT, MAX_LEDGER_OBJECT_BYTES } from './s3-ledger.js';
import type { S3Store } from './s3-store.js';

/** Limits of {@link verifyS3Prefix}. */
export interface VerifyS3PrefixLimits {
  /** Largest bundle read. Default 512 MiB. */
  maxBundleBytes?: number;
  /** Largest ledger read whole (all its objects). Default 256 MiB (about a million bundles). */
  maxLedgerBytes?: number;
}

/** A prefix checked against its ledger: `verifyFolder`'s verdict, plus what reading it found. */
export interface S3PrefixVerdict extends FolderVerdict {
  /** Ledger objects read. */
  ledgerObjects: number;
  /** Whether a signed checkpoint object was there. */
  checkpoint: boolean;
}

/**
 * Checks the bundles under a prefix against the ledger S3BundleSink keeps there, as `workbench
 * verify DIR` checks a folder: the ledger objects are read in key order and joined into one
 * ledger text (an object removed from the middle breaks the chain; one whose name is not the seq
 * of its first line is reported), every bundle (`<prefix>*.json`, one level) is read one at a time
 * with its envelope, and `verifyFolder` gives the verdict. Problems name keys relative to the
 * prefix (`ledger/` for the ledger).
 *
 * @example
 * const v = await verifyS3Prefix(store, 'prod/', trusted);
 * if (!v.ok) for (const p of v.problems) console.error(p.file, p.message);
 */
export async function verifyS3Prefix(
  store: S3Store,
  prefix: string,
  trusted: readonly TrustedKey[] = [],
  limits: VerifyS3PrefixLimits = {},
): Promise<S3PrefixVerdict> {
  const maxBundle = limits.maxBundleBytes ?? 512 * 1024 * 1024;
  const maxLedger = limits.maxLedgerBytes ?? 256 * 1024 * 1024;
  const extra: FolderProblem[] = [];

  const names = new Set<string>();
  for await (const key of store.list(prefix, '/')) names.add(key.slice(prefix.length));

  const ledgerDir = `${prefix}${LEDGER_DIR}`;
  let ledger: string | null = null;
  let ledgerObjects = 0;
  let ledgerBytes = 0;
  const parts: string[] = [];
  for await (const key of store.list(ledgerDir, '/')) {
    const name = key.slice(ledgerDir.length);
    const m = LEDGER_OBJECT.exec(name);
    const file = `${LEDGER_DIR}${name}`;
    if (m === null) {
      extra.push({
        code: 'bad_line',
        file,
        message: 'is not a ledger object (NNNNNNNNNNNNNNNN.jsonl)',
      });
      continue;
    }
    if (ledgerBytes > maxLedger) continue;
    const read = await store.get(key, MAX_LEDGER_OBJECT_BYTES);
    if ('missing' in read) continue; // removed while listed: the chain shows it
    if ('refused' in read) {
      extra.push({ code: 'unreadable', file, message: read.refused });
      continue;
    }
    ledgerObjects++;
    ledgerBytes += read.text.length;
    if (ledgerBytes > maxLedger) {
      extra.push({
        code: 'unreadable',
        file: LEDGER_DIR,
        message: `the ledger is larger than ${maxLedger} bytes: not read whole`,
      });
      continue;
    }
    const seq = firstSeq(read.text);
    if (seq !== Number(m[1])) {
      extra.push({
        code: 'bad_line',
        file,
        message: `its first line is ${seq === null ? 'not an entry' : `line ${seq}`}, not line ${Number(m[1])}: renamed or moved`,
      });
    }
    parts.push(read.text);
  }
  if (ledgerObjects > 0 && ledgerBytes <= maxLedger) ledger = parts.join('');
  parts.length = 0;

  const cp = await store.get(checkpointKey(prefix), MAX_ENVELOPE_BYTES);
  if ('refused' in cp)
    extra.push({ code: 'unreadable', file: 'ledger.checkpoint.dsse.json', message: cp.refused });
  const checkpoint = 'text' in cp ? cp.text : null;

  const checks: FolderBundleCheck[] = [];
  for (const name of [...names].filter(isBundleFileName).sort()) {
    const read = await store.get(prefix + name, maxBundle);
    if (!('text' in read)) {
      const message = 'refused' in read ? read.refused : 'vanished while the prefix was read';
      checks.push({ name, ok: false, sha256: null, message, unreadable: true });
      continue;
    }
    const envelopeName = envelopeNameFor(name);
    let envelope: string | null = null;
    if (names.has(envelopeName)) {
      const e = await store.get(prefix + envelopeName, MAX_ENVELOPE_BYTES);
      if ('refused' in e)
        extra.push({ code: 'unreadable', file: envelopeName, message: e.refused });
      else if ('text' in e) envelope = e.text;
    }
    checks.push(checkFolderBundle(name, read.text, envelope, trusted));
  }

  const v = verifyFolder({ ledger, checkpoint, bundles: checks }, trusted);
  const problems = [
    ...extra,
    ...v.problems
      .filter((p) => !(p.code === 'no_ledger' && extra.some((e) => e.file === LEDGER_DIR)))
      .map((p) => (p.file === 'ledger.jsonl' ? { ...p, file: LEDGER_DIR } : p)),
  ];
  if (v.problems.some((p) => p.code === 'no_ledger')) {
    const i = problems.findIndex((p) => p.code === 'no_ledger');
    if (i !== -1) {
      problems[i] = {
        code: 'no_ledger',
        file: LEDGER_DIR,
        message: 'the prefix has no ledger objects',
      };
    }
  }
  return {
    ...v,
    ok: problems.length === 0,
    problems,
    ledgerObjects,
    checkpoint: checkpoint !== null,
  };
}

function firstSeq(text: string): number | null {
  const end = text.indexOf('\n');
  try {
    const v = JSON.parse(end === -1 ? text : text.slice(0, end)) as { seq?: unknown } | null;
    return typeof v?.seq === 'number' ? v.seq : null;
  } catch {
    return null;
  }
}
