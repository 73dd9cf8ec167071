import { basename, dirname, join } from 'node:path';
import { verifyBundle } from '@llm-workbench/bundle';
import {
  addSignature,
  envelopeNameFor,
  KeyError,
  loadSigningKey,
  MAX_ENVELOPE_BYTES,
  serializeEnvelope,
  signBundle,
  SIGNER_ROLES,
  verifyEnvelope,
  type DsseEnvelope,
  type SignerRole,
  type SigningKey,
} from '@llm-workbench/evidence';
import { CliError, EXIT, writeLine, writeText, type Command } from '../io.js';
import { skippedNote, withoutEnvelopes } from '../bundle-args.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { readBounded } from '../read-bounded.js';
import { readInput } from '../read-input.js';
import { writeAtomic } from '../write-atomic.js';

const HELP = `Usage: workbench sign BUNDLE... [--key FILE] [--role app|receiver|operator] [--json]

Signs each bundle X.json: writes X.dsse.json beside it, a DSSE envelope of an in-toto statement
that names the bundle by file name and integrity.sha256, signed with Ed25519. A bundle that does
not verify is never signed. When X.dsse.json exists and names the same bundle, this key's
signature is added to it (a witness countersigning); when it names another bundle, nothing is
written and the command fails.

Options:
      --key FILE  the private key (PREFIX.key from \`workbench keygen\`); else the PEM text in
                  WORKBENCH_SIGNING_KEY, else the file named by WORKBENCH_SIGNING_KEY_FILE
      --role R    who signs: app (default), receiver or operator; goes into a new statement
      --json      one JSON result per bundle

Exit 0 when every bundle was signed (or already was by this key), 1 if one was refused (it does
not verify, or its envelope names another bundle), 2 on bad usage or an unusable key, 3 if a
file can't be read or written.`;

interface SignResult {
  file: string;
  envelope: string | null;
  /** `signed`: a new envelope; `countersigned`: a signature added; `unchanged`: signed already. */
  status: 'signed' | 'countersigned' | 'unchanged' | 'refused' | 'unreadable';
  keyId: string;
  sha256: string | null;
  signatures: number;
  message: string;
}

/** `workbench sign BUNDLE... [--key FILE] [--role R] [--json]` */
export const signCommand: Command = async (argv, io) => {
  const args = parseCommandArgs(argv, io, HELP, {
    key: { type: 'string' },
    role: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (args === undefined) return EXIT.ok;
  const { values, positionals } = args;
  if (positionals.length === 0) throw new CliError(`no bundle given`, EXIT.usage, { help: HELP });
  if (positionals.includes('-')) {
    throw new CliError('sign writes X.dsse.json beside X.json: give files, not standard input');
  }
  const role = (values.role ?? 'app') as SignerRole;
  if (!SIGNER_ROLES.includes(role)) {
    throw new CliError(
      `--role ${JSON.stringify(values.role)}: expected one of ${SIGNER_ROLES.join(', ')}`,
    );
  }
  const { bundles, envelopes } = withoutEnvelopes(positionals);
  if (bundles.length === 0)
    throw new CliError('only envelopes (*.dsse.json) given: give the bundles');
  skippedNote(io, envelopes, 'sign');
  const key = resolveKey(values.key);
  const results: SignResult[] = [];
  for (const file of bundles) results.push(await signOne(file, key, role, io.stdin));
  if (values.json) {
    writeText(io.stdout, JSON.stringify(results, null, 2));
  } else {
    for (const r of results) {
      const ok = r.status !== 'refused' && r.status !== 'unreadable';
      writeLine(
        io.stdout,
        ok
          ? `${r.status.toUpperCase().padEnd(13)} ${r.envelope ?? ''}  ${r.message}`
          : `FAIL  ${r.file}: ${r.message}`,
      );
    }
  }
  if (results.some((r) => r.status === 'unreadable')) return EXIT.io;
  return results.some((r) => r.status === 'refused') ? EXIT.failed : EXIT.ok;
};

function resolveKey(file: string | undefined): SigningKey {
  let key: SigningKey | undefined;
  try {
    key = loadSigningKey({ file, env: process.env });
  } catch (err) {
    if (err instanceof KeyError) {
      // The message names the source (file or variable), never the key's text.
      throw new CliError(err.message, /cannot read/.test(err.message) ? EXIT.io : EXIT.usage);
    }
    throw err;
  }
  if (key === undefined) {
    throw new CliError(
      'no signing key: give --key FILE, or set WORKBENCH_SIGNING_KEY or WORKBENCH_SIGNING_KEY_FILE',
    );
  }
  return key;
}

async function signOne(
  file: string,
  key: SigningKey,
  role: SignerRole,
  stdin: NodeJS.ReadableStream,
): Promise<SignResult> {
  const result: SignResult = {
    file,
    envelope: null,
    status: 'refused',
    keyId: key.keyId,
    sha256: null,
    signatures: 0,
    message: '',
  };
  let text: string;
  try {
    text = await readInput(file, stdin);
  } catch (err) {
    return { ...result, status: 'unreadable', message: (err as Error).message };
  }
  const verified = verifyBundle(text);
  if (!verified.ok) {
    const p = verified.problems[0];
    return {
      ...result,
      message: `does not verify, not signed: ${p?.code ?? 'invalid'}${p?.path ? ` at ${p.path}` : ''}: ${p?.message ?? ''}`,
    };
  }
  const name = basename(file);
  const envelopePath = join(dirname(file), envelopeNameFor(name));
  result.envelope = envelopePath;
  result.sha256 = verified.sha256;
  const read = await readBounded(envelopePath, MAX_ENVELOPE_BYTES);
  if ('refused' in read) {
    return {
      ...result,
      status: 'refused',
      message: `${envelopePath} ${read.refused}; not overwritten`,
    };
  }
  const existing = 'text' in read ? read.text : null;
  let envelope: DsseEnvelope;
  let status: SignResult['status'];
  /** The role the statement states: a countersignature vouches for the first signer's statement. */
  let statedRole: string = role;
  if (existing === null) {
    envelope = signBundle(verified.bundle, name, key, {
      role,
      schemaVersion: verified.schemaVersion,
    });
    status = 'signed';
  } else {
    const check = verifyEnvelope(existing, { sha256: verified.sha256, name }, []);
    const blocking = check.problems.find(
      (p) => p.code !== 'no_trusted_signature' && p.code !== 'no_signatures',
    );
    if (blocking !== undefined) {
      return {
        ...result,
        message:
          blocking.code === 'subject_mismatch'
            ? `conflict: ${envelopePath} exists and vouches for another bundle (${blocking.message}); not overwritten`
            : `${envelopePath} exists and is not a usable envelope (${blocking.code}: ${blocking.message}); not overwritten`,
      };
    }
    const parsed = JSON.parse(existing) as DsseEnvelope;
    envelope = addSignature(parsed, key);
    status = envelope === parsed ? 'unchanged' : 'countersigned';
    statedRole = check.statement?.predicate.signerRole ?? role;
  }
  if (status !== 'unchanged') {
    try {
      // A new envelope is created exclusively, so that two signers racing cannot drop one's
      // signature unseen; a countersignature replaces the file whole.
      await writeAtomic(envelopePath, serializeEnvelope(envelope), {
        place: status === 'signed' ? 'create' : 'replace',
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return {
        ...result,
        status: code === 'EEXIST' ? 'refused' : 'unreadable',
        message:
          code === 'EEXIST'
            ? `${envelopePath} appeared while signing; run sign again to add this signature`
            : `cannot write ${envelopePath}: ${(err as Error).message}`,
      };
    }
  }
  const short = key.keyId.slice(0, 16);
  return {
    ...result,
    status,
    signatures: envelope.signatures.length,
    message:
      status === 'signed'
        ? `signed ${name} (${verified.sha256.slice(0, 12)}…) as ${role} with key ${short}…`
        : status === 'countersigned'
          ? `added key ${short}…'s signature (${envelope.signatures.length} now) to the statement made as ${statedRole}`
          : `already signed by key ${short}…`,
  };
}
