import { lstat, unlink } from 'node:fs/promises';
import { generateKeyPair } from '@llm-workbench/evidence';
import { CliError, EXIT, writeLine, writeText, type Command } from '../io.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { writeAtomic } from '../write-atomic.js';

const HELP = `Usage: workbench keygen -o PREFIX [--json]

Makes an Ed25519 key pair for signing bundles:
  PREFIX.key  the private key (PKCS#8 PEM, mode 0600): keep it secret, give it to
              \`workbench sign --key\`, \`workbench serve --sign-key\` or WORKBENCH_SIGNING_KEY_FILE
  PREFIX.pub  the public key (SPKI PEM): share it; verifiers pass it to \`workbench verify --trust\`
Prints the key id (sha256 of the public key's SPKI DER, hex) and the two paths, never the key.
An existing file is never overwritten.

Options:
  -o, --output PREFIX  where to write the two files (required)
      --json           print { keyId, privateKey, publicKey } (the paths) as JSON

Exit 0 when both files were written, 2 on bad usage, 3 if a file exists or can't be written.`;

/** `workbench keygen -o PREFIX [--json]` */
export const keygenCommand: Command = async (argv, io) => {
  const args = parseCommandArgs(argv, io, HELP, {
    output: { type: 'string', short: 'o' },
    json: { type: 'boolean' },
  });
  if (args === undefined) return EXIT.ok;
  const { values, positionals } = args;
  if (positionals.length > 0) {
    throw new CliError(`unexpected argument ${JSON.stringify(positionals[0])}`, EXIT.usage, {
      help: HELP,
    });
  }
  const prefix = values.output;
  if (prefix === undefined || prefix === '')
    throw new CliError(`-o PREFIX is required`, EXIT.usage, { help: HELP });
  const privatePath = `${prefix}.key`;
  const publicPath = `${prefix}.pub`;
  for (const path of [privatePath, publicPath]) {
    if (await exists(path)) {
      throw new CliError(
        `${path} exists: refusing to overwrite a key (choose another -o)`,
        EXIT.io,
      );
    }
  }
  const pair = generateKeyPair();
  // The private key first: a public key without its private key would be worse than none.
  await place(privatePath, pair.privateKeyPem, 0o600);
  try {
    await place(publicPath, pair.publicKeyPem, 0o644);
  } catch (err) {
    await unlink(privatePath).catch(() => undefined);
    throw err;
  }
  if (values.json) {
    writeText(
      io.stdout,
      JSON.stringify(
        { keyId: pair.keyId, privateKey: privatePath, publicKey: publicPath },
        null,
        2,
      ),
    );
  } else {
    writeLine(io.stdout, `key id   ${pair.keyId}`);
    writeLine(io.stdout, `private  ${privatePath}  (mode 0600; keep it secret)`);
    writeLine(io.stdout, `public   ${publicPath}  (share it with verifiers: verify --trust)`);
  }
  return EXIT.ok;
};

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new CliError(`cannot check ${path}: ${(err as Error).message}`, EXIT.io);
  }
}

/** Creates the file exclusively: another process racing us to the same name wins, we fail. */
async function place(path: string, text: string, mode: number): Promise<void> {
  try {
    await writeAtomic(path, text, { mode, place: 'create' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'EEXIST'
        ? `${path} exists: refusing to overwrite a key (choose another -o)`
        : `cannot write ${path}: ${code === 'ENOENT' ? 'no such folder' : (err as Error).message}`,
      EXIT.io,
    );
  }
}
