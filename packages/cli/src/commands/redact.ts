import { lstat, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  REDACTION_KINDS,
  redactBundle,
  RedactionError,
  serializeBundle,
  verifyBundle,
  type RedactionKind,
  type RunBundle,
} from '@llm-workbench/bundle';
import { envelopeNameFor, MAX_ENVELOPE_BYTES, verifyEnvelope } from '@llm-workbench/evidence';
import { CliError, EXIT, writeLine, writeText, writeLines, type Command } from '../io.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { readBounded } from '../read-bounded.js';
import { readInput } from '../read-input.js';
import { writeAtomic } from '../write-atomic.js';

const HELP = `Usage: workbench redact BUNDLE -o OUT [--keep KIND]... [--force] [--json]

Writes a copy of a bundle with its inline content removed: model inputs and outputs, tool call
arguments and results, artifact contents and patches. Each removed content is set to null and
listed under "redactions"; its sha256 commitment stays, so OUT verifies with the same
integrity.sha256 as BUNDLE, and a signature of BUNDLE still holds for OUT. BUNDLE is verified
first; bundles of schema version 1 or 2 (whose hash covers content) cannot be redacted.
If BUNDLE.dsse.json (its signature envelope) is beside BUNDLE, it is copied beside OUT under
OUT's envelope name: its statement still names BUNDLE's file name, which verify reports as a
warning while the signature holds by digest.

Options:
  -o, --output OUT   the redacted bundle to write (never BUNDLE itself)
      --keep KIND    a kind of content to keep; repeat or separate with commas. Kinds:
                     ${REDACTION_KINDS.join(', ')}
      --force        replace OUT (and its envelope) if they exist
      --json         print the result as JSON

Exit 0 when OUT was written, 1 if BUNDLE does not verify or cannot be redacted, 2 on bad usage
(an unknown kind, OUT missing, OUT naming BUNDLE, OUT existing without --force), 3 if a file
can't be read or written.`;

interface RedactResult {
  input: string;
  output: string;
  /** integrity.sha256 of both files: redaction leaves it unchanged. */
  sha256: string;
  /** How many contents OUT lists as redacted, by kind (earlier redactions included). */
  redacted: Partial<Record<RedactionKind, number>>;
  /** How many of them this run removed. */
  removedNow: number;
  kept: RedactionKind[];
  /** The envelope written beside OUT, or null when BUNDLE had none beside it. */
  envelope: string | null;
  warnings: string[];
}

/** `workbench redact BUNDLE -o OUT [--keep KIND]... [--force] [--json]` */
export const redactCommand: Command = async (argv, io) => {
  const args = parseCommandArgs(argv, io, HELP, {
    output: { type: 'string', short: 'o' },
    keep: { type: 'string', multiple: true },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (args === undefined) return EXIT.ok;
  const { values, positionals } = args;
  if (positionals.length !== 1)
    throw new CliError(`expected one BUNDLE`, EXIT.usage, { help: HELP });
  const input = positionals[0]!;
  const output = values.output;
  if (output === undefined || output === '')
    throw new CliError(`-o OUT is required`, EXIT.usage, { help: HELP });
  if (output === '-') throw new CliError('-o -: redact writes a file, atomically; give a path');
  const keep = parseKinds(values.keep ?? []);
  const force = values.force === true;
  await refuseSameFile(input, output);

  const text = await readInput(input, io.stdin);
  const verified = verifyBundle(text);
  if (!verified.ok) {
    const p = verified.problems[0];
    writeLine(
      io.stderr,
      `workbench redact: ${input} does not verify, nothing written: ${p?.code ?? 'invalid'}${p?.path ? ` at ${p.path}` : ''}: ${p?.message ?? ''}`,
    );
    return EXIT.failed;
  }
  if (verified.schemaVersion !== 3) {
    writeLine(
      io.stderr,
      `workbench redact: ${input} is a schema version ${verified.schemaVersion} bundle, whose integrity covers its content: removing any would break it. Nothing written.`,
    );
    return EXIT.failed;
  }
  let redacted: RunBundle;
  try {
    redacted = redactBundle(verified.bundle, { keep });
  } catch (err) {
    if (!(err instanceof RedactionError)) throw err;
    writeLine(io.stderr, `workbench redact: ${input}: ${err.message}. Nothing written.`);
    return EXIT.failed;
  }
  const out = serializeBundle(redacted);
  // The promise of this command, checked on the very bytes written.
  const check = verifyBundle(out);
  if (!check.ok || check.sha256 !== verified.sha256) {
    throw new Error('redacted bundle does not verify with the same integrity.sha256');
  }

  const warnings: string[] = [];
  const envelope = input === '-' ? null : await envelopeBeside(input, verified.sha256, warnings);
  const envelopeOut = join(dirname(output), envelopeNameFor(basename(output)));
  const place = force ? 'replace' : 'create';
  if (!force) {
    for (const [path, what] of [
      [output, 'OUT'],
      [envelopeOut, "OUT's envelope"],
    ] as const) {
      if (await exists(path)) {
        throw new CliError(`${path} exists (${what}); give --force to replace it`, EXIT.usage);
      }
    }
  } else if (envelope === null && (await exists(envelopeOut))) {
    // An envelope left from an earlier OUT would vouch for another bundle: it goes with OUT.
    await unlink(envelopeOut).catch((err: unknown) => {
      throw new CliError(`cannot remove ${envelopeOut}: ${(err as Error).message}`, EXIT.io);
    });
  }
  // The envelope first: a bundle never lands without the envelope that goes with it.
  if (envelope !== null) await write(envelopeOut, envelope, place, "OUT's envelope");
  try {
    await write(output, out, place, 'OUT');
  } catch (err) {
    if (envelope !== null && !force) await unlink(envelopeOut).catch(() => undefined);
    throw err;
  }

  const before = new Set((verified.redactions ?? []).map((r) => r.path));
  const counts: Partial<Record<RedactionKind, number>> = {};
  for (const r of redacted.redactions ?? []) counts[r.kind] = (counts[r.kind] ?? 0) + 1;
  const result: RedactResult = {
    input,
    output,
    sha256: verified.sha256,
    redacted: counts,
    removedNow: (redacted.redactions ?? []).filter((r) => !before.has(r.path)).length,
    kept: keep,
    envelope: envelope === null ? null : envelopeOut,
    warnings,
  };
  if (values.json) {
    writeText(io.stdout, JSON.stringify(result, null, 2));
    return EXIT.ok;
  }
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const lines = [
    `REDACTED  ${output}  from ${input}: ${result.removedNow} content(s) removed now, ${total} listed in all`,
    ...REDACTION_KINDS.filter((k) => counts[k] !== undefined).map(
      (k) => `  ${k.padEnd(17)} ${counts[k]}`,
    ),
    ...(keep.length > 0 ? [`  kept: ${keep.join(', ')}`] : []),
    `integrity.sha256 ${verified.sha256} (unchanged)`,
  ];
  if (result.envelope !== null) {
    lines.push(
      `envelope copied to ${result.envelope} (it names ${basename(input)}; verified by digest)`,
    );
  }
  for (const w of warnings) lines.push(`warning: ${w}`);
  writeLines(io.stdout, lines);
  return EXIT.ok;
};

function parseKinds(values: readonly string[]): RedactionKind[] {
  const kinds = new Set<RedactionKind>();
  for (const value of values) {
    for (const part of value.split(',')) {
      const kind = part.trim();
      if (!(REDACTION_KINDS as readonly string[]).includes(kind)) {
        throw new CliError(
          `--keep ${JSON.stringify(kind)}: expected one of ${REDACTION_KINDS.join(', ')}`,
        );
      }
      kinds.add(kind as RedactionKind);
    }
  }
  return [...kinds];
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    (err: NodeJS.ErrnoException) => err.code !== 'ENOENT',
  );
}

/** OUT must not be BUNDLE: not the same path, nor (through a link) the same file. */
async function refuseSameFile(input: string, output: string): Promise<void> {
  if (input === '-') return;
  const same = () =>
    new CliError(`-o ${JSON.stringify(output)} is the input itself: redact never rewrites BUNDLE`);
  if (resolve(input) === resolve(output)) throw same();
  const [a, b] = await Promise.all([stat(input).catch(() => null), stat(output).catch(() => null)]);
  if (a !== null && b !== null && a.dev === b.dev && a.ino === b.ino) throw same();
}

/**
 * The envelope beside BUNDLE, when there is one that vouches for it; null otherwise. An envelope
 * for another bundle, or one that cannot be read, is not copied, with a warning.
 */
async function envelopeBeside(
  input: string,
  sha256: string,
  warnings: string[],
): Promise<string | null> {
  const path = join(dirname(input), envelopeNameFor(basename(input)));
  const read = await readBounded(path, MAX_ENVELOPE_BYTES);
  if ('missing' in read) return null;
  if ('refused' in read) {
    warnings.push(`${path} ${read.refused}; not copied`);
    return null;
  }
  const verdict = verifyEnvelope(read.text, { sha256, name: basename(input) }, []);
  const blocking = verdict.problems.find(
    (p) => p.code !== 'no_trusted_signature' && p.code !== 'no_signatures',
  );
  if (blocking !== undefined) {
    warnings.push(`${path} was not copied: ${blocking.code}: ${blocking.message}`);
    return null;
  }
  return read.text;
}

async function write(
  path: string,
  data: string,
  place: 'create' | 'replace',
  what: string,
): Promise<void> {
  try {
    await writeAtomic(path, data, { place });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new CliError(`${path} exists (${what}); give --force to replace it`, EXIT.usage);
    }
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`, EXIT.io, {
      cause: err,
    });
  }
}
