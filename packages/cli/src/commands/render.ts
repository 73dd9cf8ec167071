import { renderReport } from '@llm-workbench/report';
import { verifyBundle, type VerifyResult } from '@llm-workbench/bundle';
import {
  envelopeNameFor,
  MAX_ENVELOPE_BYTES,
  verifyEnvelope,
  type TrustedKey,
} from '@llm-workbench/evidence';
import { CliError, EXIT, writeLine, type Command } from '../io.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { loadTrust } from '../trust-keys.js';
import { readInput } from '../read-input.js';
import {
  beside,
  inputBaseName,
  isS3Input,
  readBoundedInput,
  S3_ENDPOINT_HELP,
  S3_ENDPOINT_OPTION,
  s3SettingsFrom,
  type S3InputSettings,
} from '../s3-input.js';
import { guardOutput } from '../output-guard.js';
import { writeAtomic } from '../write-atomic.js';

const HELP = `Usage: workbench render FILE [-o OUT] [--envelope FILE] [--trust PUB...] [--trust-dir DIR]
       workbench render s3://bucket/key [-o OUT] [--s3-endpoint URL] [...]

Writes one self-contained HTML report of a bundle: integrity, signatures, run header, workflow
graph, timeline with gate waits, gates, model calls with tokens and cost, artifact versions and
diffs, diagnostics and the bundle itself. The page loads nothing from the network and makes its
checks itself, in the browser, when it is opened:
  - integrity: the sha256 of the bundle's RFC 8785 form (for schema version 3, of its
    commitments, with content left out) equals integrity.sha256, and (version 3) each content
    present hashes to the sha256 committed beside it; what was redacted is listed;
  - signatures: each Ed25519 signature of the DSSE envelope (\`workbench sign\`) over its in-toto
    statement, which must name this bundle by integrity.sha256, is checked against the trusted
    public keys embedded in the page (WebCrypto, or a built-in JavaScript Ed25519): verified by a
    trusted key (named by its file), invalid (forged or damaged), untrusted, or unsigned.

Any file renders, tampered or not a bundle at all: the report then says so at the top.

Options:
  -o, --output OUT    where to write the report; '-' for standard output
                      (default: FILE with .html instead of .json; standard output when FILE is '-')
      --envelope FILE the bundle's DSSE envelope (default: X.dsse.json beside X.json, if there)
      --trust PUB     embed this public key (PREFIX.pub from \`workbench keygen\`) for the page to
                      trust; repeatable. A private key is refused.
      --trust-dir DIR embed every *.pub file in DIR
${S3_ENDPOINT_HELP}

FILE may be an S3 object (s3://bucket/key): its envelope is looked for beside it, and the report
goes to its name with .html in the current folder unless -o says otherwise.

Exit 0 when the report was written (whether or not the bundle verifies or is signed: see the
lines printed on standard error), 2 on bad usage (a private key given as --trust, say), 3 if a
file can't be read or the report can't be written.`;

/** Largest trusted key file read. */

/** `workbench render FILE [-o OUT] [--envelope FILE] [--trust PUB...] [--trust-dir DIR]` */
export const renderCommand: Command = async (argv, io) => {
  const args = parseCommandArgs(argv, io, HELP, {
    output: { type: 'string', short: 'o' },
    envelope: { type: 'string' },
    trust: { type: 'string', multiple: true },
    'trust-dir': { type: 'string', multiple: true },
    ...S3_ENDPOINT_OPTION,
  });
  if (args === undefined) return EXIT.ok;
  const { values, positionals } = args;
  const s3 = s3SettingsFrom(values);
  if (positionals.length !== 1) {
    throw new CliError(
      `${positionals.length === 0 ? 'no file given' : 'give one file'}`,
      EXIT.usage,
      { help: HELP },
    );
  }
  const file = positionals[0] as string;
  const output = values.output ?? (file === '-' ? '-' : defaultOutput(file));
  const trusted = await loadTrust(values.trust ?? [], values['trust-dir'] ?? []);
  const text = await readInput(file, io.stdin, s3);
  const envelope = await readEnvelope(file, values.envelope, s3);
  // Verified once, for the page and for the line below; if it throws, it throws there, as before.
  let verified: VerifyResult | undefined;
  try {
    verified = verifyBundle(text);
  } catch {
    verified = undefined;
  }
  const html = renderReport(text, {
    ...(verified !== undefined ? { verdict: verified } : {}),
    source: file === '-' ? null : inputBaseName(file),
    generatedAt: new Date(),
    envelope,
    trustedKeys: trusted,
  });
  if (output === '-') io.stdout.write(html);
  else {
    await guardOutput(output, [file, values.envelope]);
    try {
      await writeAtomic(output, html, { place: 'replace' });
    } catch (err) {
      throw new CliError(`cannot write ${output}: ${(err as Error).message}`, EXIT.io, {
        cause: err,
      });
    }
  }
  const verdict = verified ?? verifyBundle(text);
  const where = output === '-' ? 'standard output' : output;
  if (verdict.ok) {
    // Version 3 bundles list what was redacted (outside the hash).
    const redactions = (verdict as { redactions?: unknown }).redactions;
    const redacted = Array.isArray(redactions) ? redactions.length : 0;
    writeLine(
      io.stderr,
      `wrote ${where}: bundle intact, sha256 ${verdict.sha256}${redacted > 0 ? `, ${redacted} content member(s) redacted` : ''}`,
    );
  } else {
    const p = verdict.problems[0];
    writeLine(
      io.stderr,
      `wrote ${where}: the bundle does NOT verify (${p?.code ?? 'invalid'}${p?.path ? ` at ${p.path}` : ''}); the report shows why`,
    );
  }
  if (envelope !== null || trusted.length > 0) {
    writeLine(io.stderr, signatureLine(text, file, envelope, trusted));
  }
  return EXIT.ok;
};

function defaultOutput(input: string): string {
  // An object's report goes to the current folder, under the object's name.
  const file = isS3Input(input) ? inputBaseName(input) || 'report.json' : input;
  return /\.json$/i.test(file) ? file.replace(/\.json$/i, '.html') : `${file}.html`;
}

/**
 * The envelope to embed: --envelope FILE (which must be readable), else X.dsse.json beside X.json
 * when there; an envelope that is there but cannot be read is an error, never silently left out.
 */
async function readEnvelope(
  file: string,
  option: string | undefined,
  s3: S3InputSettings,
): Promise<{ text: string; source: string } | null> {
  const path = option ?? (file === '-' ? null : beside(file, envelopeNameFor(inputBaseName(file))));
  if (path === null) return null;
  const read = await readBoundedInput(path, MAX_ENVELOPE_BYTES, s3, {
    follow: option !== undefined,
  });
  if ('text' in read) return { text: read.text, source: inputBaseName(path) };
  if ('missing' in read && option === undefined) return null;
  throw new CliError(
    `cannot read envelope ${path}: ${'missing' in read ? 'no such file' : read.refused}`,
    EXIT.io,
  );
}

/** What the envelope says, as checked here: the page checks it again when it is opened. */
function signatureLine(
  text: string,
  file: string,
  envelope: { text: string; source: string } | null,
  trusted: readonly TrustedKey[],
): string {
  if (envelope === null) return 'signature: none (no envelope): the report says unsigned';
  let claimed = '';
  try {
    const sha = (JSON.parse(text) as { integrity?: { sha256?: unknown } } | null)?.integrity
      ?.sha256;
    if (typeof sha === 'string') claimed = sha;
  } catch {
    // Not JSON: no subject can match.
  }
  const v = verifyEnvelope(envelope.text, { sha256: claimed, name: inputBaseName(file) }, trusted);
  const verified = v.signatures.filter((s) => s.status === 'verified');
  if (v.ok) {
    return `signature (${envelope.source}): verified by ${verified.map((s) => `${s.label ?? '?'} (key ${s.keyId})`).join(', ')}`;
  }
  const p = v.problems[0];
  const keys = v.signatures.map((s) => `${s.status} key ${s.keyId}`).join(', ');
  return `signature (${envelope.source}): NOT verified (${p?.code ?? 'invalid'}: ${p?.message ?? ''})${keys ? `; ${keys}` : ''}`;
}
