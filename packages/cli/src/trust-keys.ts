import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { KeyError, trustedKeyFromPem, type TrustedKey } from '@llm-workbench/evidence';
import { CliError, EXIT } from './io.js';
import { readBounded } from './read-bounded.js';

/** A public key file larger than this is not a key. */
const MAX_KEY_BYTES = 64 * 1024;

/**
 * The trusted keys from `--trust` files and the `*.pub` files of `--trust-dir` folders, once each
 * (by key id). A private key is refused; errors name the file, never the key.
 *
 * @example
 * const trusted = await loadTrust(values.trust ?? [], values['trust-dir'] ?? []);
 */
export async function loadTrust(files: string[], dirs: string[]): Promise<TrustedKey[]> {
  const paths = [...files];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.pub')).sort();
    } catch (err) {
      throw new CliError(`cannot read --trust-dir ${dir}: ${(err as Error).message}`, EXIT.io);
    }
    if (names.length === 0) throw new CliError(`--trust-dir ${dir} holds no *.pub file`);
    paths.push(...names.map((n) => join(dir, n)));
  }
  const keys = new Map<string, TrustedKey>();
  for (const path of paths) {
    // A key file may well be a link (keys/current.pub → app-2027.pub): the user named it.
    const read = await readBounded(path, MAX_KEY_BYTES, { follow: true });
    if (!('text' in read)) {
      throw new CliError(
        `cannot read --trust ${path}: ${'missing' in read ? 'no such file' : read.refused}`,
        EXIT.io,
      );
    }
    try {
      const key = trustedKeyFromPem(read.text, basename(path));
      if (!keys.has(key.keyId)) keys.set(key.keyId, key);
    } catch (err) {
      if (err instanceof KeyError) throw new CliError(`--trust: ${err.message}`);
      throw err;
    }
  }
  return [...keys.values()];
}
