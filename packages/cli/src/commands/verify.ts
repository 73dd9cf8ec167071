import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyBundle } from '@llm-workbench/bundle';
import {
  checkFolderBundle,
  CHECKPOINT_FILE,
  envelopeNameFor,
  isBundleFileName,
  LEDGER_FILE,
  MAX_ENVELOPE_BYTES,
  verifyEnvelope,
  verifyFolder,
  type FolderBundleCheck,
  type FolderProblem,
  type SignatureCheck,
  type TrustedKey,
} from '@llm-workbench/evidence';
import { CliError, EXIT, writeLine, writeText, type CliIo, type Command } from '../io.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { skippedNote, withoutEnvelopes } from '../bundle-args.js';
import { readBounded } from '../read-bounded.js';
import { loadTrust } from '../trust-keys.js';
import { MAX_INPUT_BYTES, readInput } from '../read-input.js';
import {
  beside,
  inputBaseName,
  isS3Input,
  isS3Prefix,
  readBoundedInput,
  S3_ENDPOINT_HELP,
  S3_ENDPOINT_OPTION,
  s3SettingsFrom,
  verifyS3Folder,
  type S3InputSettings,
} from '../s3-input.js';

const HELP = `Usage: workbench verify BUNDLE... [--trust PUB...] [--trust-dir DIR] [--envelope FILE] [--json]
       workbench verify DIR [--trust PUB...] [--trust-dir DIR] [--json]
       workbench verify s3://bucket/prefix/ | s3://bucket/key.json [--s3-endpoint URL] [...]

Checks each bundle offline: it parses, has no duplicate members, matches the bundle schema, and
its integrity.sha256 equals the sha256 of its RFC 8785 form (from schema 3, with content left
out and each content checked against its own sha256, so a redacted bundle still verifies and
says what was redacted). Prints one line per file: the hash, or the reason it failed.

With trusted keys, a bundle X.json passes only when, besides, the envelope X.dsse.json beside it
(\`workbench sign\`) holds a statement naming this bundle and a signature by a trusted key; the
line names the key, or says why not (no envelope, untrusted signer, forged or damaged signature,
statement about another bundle). Without trusted keys, signatures present are reported, not
checked.

A folder is checked against its ledger (ledger.jsonl, written by the bundle sinks): every
recorded bundle is there, intact and as recorded, none is there that the ledger does not name,
the ledger's hash chain holds and, against a signed checkpoint, it was not cut short. With
trusted keys, the checkpoint and every bundle's envelope must be signed by one. Each problem
names its file. Symlinks in the folder are never followed.

In S3 (s3://bucket/key), a bundle is checked with its envelope beside it (key.dsse.json), and a
prefix (s3://bucket/prefix/, ending in '/') against the ledger S3BundleSink keeps under
prefix/ledger/: the same checks as for a folder.

Options:
      --trust PUB      trust this public key (PREFIX.pub from \`workbench keygen\`); repeatable
      --trust-dir DIR  trust every *.pub file in DIR
      --envelope FILE  the envelope of the one bundle given, when not beside it
      --json           results as JSON
${S3_ENDPOINT_HELP}

Exit 0 only if everything checked holds, 1 if anything does not, 2 on bad usage (a private key
given as --trust, say), 3 if a file can't be read.`;

/** Largest ledger read whole (a line is about 250 bytes: about a million bundles). */
export const MAX_LEDGER_BYTES = 256 * 1024 * 1024;
/** Largest trusted key file read. */

interface Problem {
  code: string;
  path: string;
  message: string;
}

interface SignatureReport {
  /** The envelope file, or null when there is none. */
  envelope: string | null;
  /** Whether trusted keys were given (else signatures are listed, not checked). */
  checked: boolean;
  /** A trusted key verified a signature over a statement naming this bundle. */
  verified: boolean;
  signatures: SignatureCheck[];
  warnings: string[];
}

interface FileResult {
  file: string;
  ok: boolean;
  sha256: string | null;
  problems: Problem[];
  signature?: SignatureReport;
  redactions?: unknown[];
}

interface FolderResult {
  file: string;
  folder: true;
  ok: boolean;
  lines: number;
  recorded: number;
  envelopes: number;
  signed: number;
  checkpoint: boolean;
  checkpointSignedBy: string[];
  trusted: boolean;
  problems: FolderProblem[];
  warnings: string[];
}

/** `workbench verify BUNDLE...|DIR [--trust PUB...] [--trust-dir DIR] [--envelope FILE] [--json]` */
export const verifyCommand: Command = async (argv, io) => {
  const args = parseCommandArgs(argv, io, HELP, {
    json: { type: 'boolean' },
    trust: { type: 'string', multiple: true },
    'trust-dir': { type: 'string', multiple: true },
    envelope: { type: 'string' },
    ...S3_ENDPOINT_OPTION,
  });
  if (args === undefined) return EXIT.ok;
  const { values, positionals } = args;
  const s3 = s3SettingsFrom(values);
  if (positionals.length === 0) throw new CliError(`no file given`, EXIT.usage, { help: HELP });
  if (values.envelope !== undefined && positionals.length !== 1) {
    throw new CliError('--envelope FILE goes with exactly one bundle');
  }
  const trusted = await loadTrust(values.trust ?? [], values['trust-dir'] ?? []);
  const results: Array<FileResult | FolderResult> = [];
  let unreadable = false;
  const { bundles, envelopes } = withoutEnvelopes(positionals);
  if (bundles.length === 0) {
    throw new CliError('only envelopes (*.dsse.json) given: give the bundles they sign');
  }
  skippedNote(io, envelopes, 'verify');
  for (const file of bundles) {
    if (isS3Input(file) && isS3Prefix(file)) {
      if (values.envelope !== undefined) {
        throw new CliError('--envelope FILE goes with a bundle, not a prefix');
      }
      const r = await verifyS3Directory(file, trusted, s3);
      if (r.problems.some((p) => p.code === 'unreadable' && p.file === '')) unreadable = true;
      results.push(r);
      continue;
    }
    if (file !== '-' && !isS3Input(file) && (await isDirectory(file))) {
      if (values.envelope !== undefined) {
        throw new CliError('--envelope FILE goes with a bundle, not a folder');
      }
      const r = await verifyDirectory(file, trusted);
      if (r === null) {
        unreadable = true;
        results.push(unreadableFile(file, `cannot read the folder ${file}`));
      } else results.push(r);
      continue;
    }
    const r = await verifyFile(file, values.envelope, trusted, io, s3);
    if (r.problems.some((p) => p.code === 'unreadable')) unreadable = true;
    results.push(r);
  }
  if (values.json) writeText(io.stdout, JSON.stringify(results, null, 2));
  else for (const r of results) print(io, r, trusted.length > 0);
  if (unreadable) return EXIT.io;
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
};

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false; // readInput says why
  }
}

function unreadableFile(file: string, message: string): FileResult {
  return { file, ok: false, sha256: null, problems: [{ code: 'unreadable', path: '', message }] };
}

async function verifyFile(
  file: string,
  envelopeOption: string | undefined,
  trusted: readonly TrustedKey[],
  io: CliIo,
  s3: S3InputSettings,
): Promise<FileResult> {
  let text: string;
  try {
    text = await readInput(file, io.stdin, s3);
  } catch (err) {
    return unreadableFile(file, (err as Error).message);
  }
  const r = verifyBundle(text);
  const result: FileResult = r.ok
    ? { file, ok: true, sha256: r.sha256, problems: [] }
    : { file, ok: false, sha256: r.sha256, problems: r.problems };
  // v3 bundles list what was redacted (outside the hash); say so.
  const redactions = r.ok ? (r as { redactions?: unknown }).redactions : undefined;
  if (Array.isArray(redactions) && redactions.length > 0) result.redactions = redactions;
  text = ''; // one bundle at a time in memory

  const envelopePath =
    envelopeOption ?? (file === '-' ? null : beside(file, envelopeNameFor(inputBaseName(file))));
  if (envelopePath === null) {
    if (trusted.length > 0) {
      result.ok = false;
      result.problems.push({
        code: 'no_envelope',
        path: '',
        message: 'a bundle read from standard input needs --envelope FILE to check its signature',
      });
    }
    return result;
  }
  const read = await readBoundedInput(envelopePath, MAX_ENVELOPE_BYTES, s3);
  if (!('text' in read)) {
    const why = 'refused' in read ? read.refused : 'no such file';
    if (envelopeOption !== undefined) {
      result.ok = false;
      result.problems.push({
        code: 'unreadable',
        path: '',
        message: `envelope ${envelopePath} ${why}`,
      });
    } else if (trusted.length > 0) {
      result.ok = false;
      result.problems.push({
        code: 'no_envelope',
        path: '',
        message:
          'missing' in read
            ? `no envelope ${envelopePath}: not signed (sign with \`workbench sign\`)`
            : `envelope ${envelopePath} ${why}`,
      });
    } else if ('refused' in read) {
      result.signature = {
        envelope: envelopePath,
        checked: false,
        verified: false,
        signatures: [],
        warnings: [`envelope ${envelopePath} ${why}`],
      };
    }
    return result;
  }
  // A bundle that fails its integrity check is reported as such; a signature over it would not
  // change the verdict, but the statement is still read to list who signed.
  const v = verifyEnvelope(
    read.text,
    { sha256: r.sha256 ?? '', name: inputBaseName(file) },
    trusted,
  );
  result.signature = {
    envelope: envelopePath,
    checked: trusted.length > 0,
    verified: v.ok,
    signatures: v.signatures,
    // Standard input has no file name to compare the statement's with.
    warnings: file === '-' ? [] : v.warnings,
  };
  if (trusted.length > 0 && r.ok && !v.ok) {
    result.ok = false;
    const p = v.problems[0];
    result.problems.push({
      code: p?.code ?? 'bad_envelope',
      path: '',
      message: `${envelopePath}: ${p?.message ?? 'does not verify'}${signerList(v.signatures)}`,
    });
  }
  return result;
}

/** ` (signed by: …)` listing each signature's key and status, or '' when there are none. */
function signerList(signatures: readonly SignatureCheck[]): string {
  if (signatures.length === 0) return '';
  return ` (signatures: ${signatures.map(describeSignature).join(', ')})`;
}

function describeSignature(s: SignatureCheck): string {
  const key = `key ${s.keyId.slice(0, 16)}`;
  if (s.status === 'verified') return `${s.label ?? ''} (${key})`;
  if (s.status === 'invalid') return `${key} named as ${s.label ?? ''} but does not verify`;
  return `${key}, not trusted`;
}

/** A prefix in S3 checked against its ledger objects, reported as a folder is. */
async function verifyS3Directory(
  url: string,
  trusted: readonly TrustedKey[],
  s3: S3InputSettings,
): Promise<FolderResult> {
  try {
    const v = await verifyS3Folder(url, trusted, s3, {
      maxBundleBytes: MAX_INPUT_BYTES,
      maxLedgerBytes: MAX_LEDGER_BYTES,
    });
    return {
      file: url,
      folder: true,
      ok: v.ok,
      lines: v.lines,
      recorded: v.recorded,
      envelopes: v.envelopes,
      signed: v.signed,
      checkpoint: v.checkpoint,
      checkpointSignedBy: v.checkpointSignedBy,
      trusted: trusted.length > 0,
      problems: v.problems,
      warnings: v.warnings,
    };
  } catch (err) {
    if (err instanceof CliError && err.exitCode === EXIT.usage) throw err;
    return {
      file: url,
      folder: true,
      ok: false,
      lines: 0,
      recorded: 0,
      envelopes: 0,
      signed: 0,
      checkpoint: false,
      checkpointSignedBy: [],
      trusted: trusted.length > 0,
      problems: [{ code: 'unreadable', file: '', message: (err as Error).message }],
      warnings: [],
    };
  }
}

async function verifyDirectory(
  dir: string,
  trusted: readonly TrustedKey[],
): Promise<FolderResult | null> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  const extra: FolderProblem[] = [];
  const readWhole = async (name: string, max: number): Promise<string | null> => {
    const r = await readBounded(join(dir, name), max);
    if ('text' in r) return r.text;
    if ('refused' in r) extra.push({ code: 'unreadable', file: name, message: r.refused });
    return null;
  };
  const ledger = await readWhole(LEDGER_FILE, MAX_LEDGER_BYTES);
  const checkpoint = await readWhole(CHECKPOINT_FILE, MAX_ENVELOPE_BYTES);
  const checks: FolderBundleCheck[] = [];
  // Every entry with a bundle's name, whatever it is: a symlink or a folder named like a bundle
  // is reported, not skipped.
  const names = entries
    .map((e) => e.name)
    .filter(isBundleFileName)
    .sort();
  for (const name of names) {
    const read = await readBounded(join(dir, name), MAX_INPUT_BYTES);
    if (!('text' in read)) {
      const message = 'refused' in read ? read.refused : 'vanished while the folder was read';
      checks.push({ name, ok: false, sha256: null, message, unreadable: true });
      continue;
    }
    const envelopeName = envelopeNameFor(name);
    const envelope = await readBounded(join(dir, envelopeName), MAX_ENVELOPE_BYTES);
    if ('refused' in envelope) {
      extra.push({ code: 'unreadable', file: envelopeName, message: envelope.refused });
    }
    checks.push(
      checkFolderBundle(name, read.text, 'text' in envelope ? envelope.text : null, trusted),
    );
  }
  const v = verifyFolder({ ledger, checkpoint, bundles: checks }, trusted);
  const problems = [
    ...extra,
    // An unreadable ledger is reported as such, not also as missing.
    ...v.problems.filter(
      (p) => !(p.code === 'no_ledger' && extra.some((e) => e.file === LEDGER_FILE)),
    ),
  ];
  return {
    file: dir,
    folder: true,
    ok: problems.length === 0,
    lines: v.lines,
    recorded: v.recorded,
    envelopes: v.envelopes,
    signed: v.signed,
    checkpoint: checkpoint !== null,
    checkpointSignedBy: v.checkpointSignedBy,
    trusted: trusted.length > 0,
    problems,
    warnings: v.warnings,
  };
}

function print(io: CliIo, r: FileResult | FolderResult, withTrust: boolean): void {
  if ('folder' in r) {
    printFolder(io, r);
    return;
  }
  if (r.ok) {
    const by = r.signature?.signatures.filter((s) => s.status === 'verified') ?? [];
    const signedBy =
      withTrust && by.length > 0 ? `  signed by ${by.map(describeSignature).join(', ')}` : '';
    writeLine(io.stdout, `OK    ${r.sha256 ?? ''}  ${r.file}${signedBy}`);
  } else {
    const p = r.problems[0];
    const more = r.problems.length > 1 ? ` (+${r.problems.length - 1} more)` : '';
    writeLine(
      io.stdout,
      `FAIL  ${r.file}: ${p?.code ?? 'invalid'}${p?.path ? ` at ${p.path}` : ''}: ${p?.message ?? ''}${more}`,
    );
  }
  const s = r.signature;
  if (s !== undefined && s.envelope !== null && !withTrust) {
    const keys = s.signatures.map((x) => x.keyId.slice(0, 16)).join(', ');
    writeLine(
      io.stdout,
      `      note: ${s.envelope} holds ${s.signatures.length} signature(s)${keys ? ` (key ${keys})` : ''}, not checked: pass --trust PUB`,
    );
  }
  for (const w of s?.warnings ?? []) writeLine(io.stdout, `      note: ${w}`);
  if (r.redactions !== undefined) {
    const kinds = new Map<string, number>();
    for (const x of r.redactions) {
      const kind = String((x as { kind?: unknown }).kind);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    writeLine(
      io.stdout,
      `      note: redacted ${r.redactions.length} content member(s): ${[...kinds].map(([k, n]) => `${k} ×${n}`).join(', ')} (committed by hash, not shown)`,
    );
  }
}

function printFolder(io: CliIo, r: FolderResult): void {
  // A prefix's keys are the URL followed by the name; a folder's files are joined to it.
  const at = (name: string) => (isS3Input(r.file) ? `${r.file}${name}` : join(r.file, name));
  if (r.ok) {
    const ledger = isS3Input(r.file) ? 'ledger/' : LEDGER_FILE;
    const parts = [`${r.recorded} bundle(s) as recorded in ${ledger} (${r.lines} line(s))`];
    if (r.checkpointSignedBy.length > 0) {
      parts.push(`checkpoint signed by ${r.checkpointSignedBy.join(', ')}`);
    }
    if (r.trusted) parts.push(`${r.signed} signed by a trusted key`);
    writeLine(io.stdout, `OK    ${r.file}  ${parts.join('; ')}`);
  }
  for (const p of r.problems) {
    writeLine(io.stdout, `FAIL  ${p.file === '' ? r.file : at(p.file)}: ${p.code}: ${p.message}`);
  }
  for (const w of r.warnings) writeLine(io.stdout, `      note: ${r.file}: ${w}`);
  if (r.problems.some((p) => p.code === 'no_ledger')) {
    writeLine(
      io.stdout,
      `      note: a folder written before ledgers existed can be checked bundle by bundle: workbench verify ${at('*.json')}`,
    );
  }
  if (!r.trusted && (r.checkpoint || r.envelopes > 0)) {
    writeLine(
      io.stdout,
      `      note: ${r.file}: ${r.checkpoint ? 'a checkpoint and ' : ''}${r.envelopes} envelope(s) present, signatures not checked: pass --trust PUB`,
    );
  }
}
