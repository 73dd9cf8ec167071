import { closeSync, openSync, readSync } from 'node:fs';
import { KeyError, SigningKey } from './keys.js';

/** The environment variable holding a signing key's PKCS#8 PEM text. */
export const SIGNING_KEY_ENV = 'WORKBENCH_SIGNING_KEY';
/** The environment variable holding the path of a signing key file. */
export const SIGNING_KEY_FILE_ENV = 'WORKBENCH_SIGNING_KEY_FILE';

/** Key files larger than this are refused: a PEM Ed25519 key is about 120 bytes. */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

/** Where a signing key may come from; the first one given wins. */
export interface SigningKeySource {
  /** A key already read. */
  key?: SigningKey | undefined;
  /** A PKCS#8 PEM private key file (what `workbench keygen` writes as `PREFIX.key`). */
  file?: string | undefined;
  /** The environment to read `WORKBENCH_SIGNING_KEY` / `WORKBENCH_SIGNING_KEY_FILE` from. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

/**
 * Resolves a signing key: an explicit key, else a key file, else `WORKBENCH_SIGNING_KEY` (the PEM
 * text), else `WORKBENCH_SIGNING_KEY_FILE` (a path). Undefined when none is set. A key that cannot
 * be used throws a {@link KeyError} that names where it came from, never the key's text.
 *
 * @example
 * const key = loadSigningKey({ file: options.signKey, env: process.env });
 */
export function loadSigningKey(source: SigningKeySource): SigningKey | undefined {
  if (source.key !== undefined) return source.key;
  if (source.file !== undefined) return fromFile(source.file, 'the key file');
  const text = source.env?.[SIGNING_KEY_ENV];
  if (text !== undefined && text !== '') return fromText(text, SIGNING_KEY_ENV);
  const path = source.env?.[SIGNING_KEY_FILE_ENV];
  if (path !== undefined && path !== '') return fromFile(path, SIGNING_KEY_FILE_ENV);
  return undefined;
}

function fromFile(path: string, what: string): SigningKey {
  let text: string;
  try {
    text = readBounded(path, `${what} ${JSON.stringify(path)}`);
  } catch (err) {
    if (err instanceof KeyError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new KeyError(
      `cannot read ${what} ${JSON.stringify(path)}: ${code ?? (err as Error).message}`,
      'not_a_key',
    );
  }
  return fromText(text, `${what} ${JSON.stringify(path)}`);
}

/**
 * Reads at most MAX_KEY_FILE_BYTES: a key may come through a pipe (`--key <(vault read …)`), so
 * the size is not known in advance, and `/dev/zero` given by mistake must not fill memory.
 */
function readBounded(path: string, where: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
    let length = 0;
    while (length < buf.length) {
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > MAX_KEY_FILE_BYTES) {
      throw new KeyError(
        `${where} is larger than ${MAX_KEY_FILE_BYTES} bytes: not a key`,
        'not_a_key',
      );
    }
    return buf.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function fromText(text: string, where: string): SigningKey {
  try {
    return SigningKey.fromPem(text);
  } catch (err) {
    if (err instanceof KeyError) throw new KeyError(`${where}: ${err.message}`, err.code);
    throw err;
  }
}
