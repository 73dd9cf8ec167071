import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, KeyError, loadSigningKey } from '../src/index.js';

describe('loadSigningKey', () => {
  const pair = generateKeyPair();
  const dir = mkdtempSync(join(tmpdir(), 'wb-key-'));
  const file = join(dir, 'k.key');
  writeFileSync(file, pair.privateKeyPem, { mode: 0o600 });

  it('reads a key file, then the PEM variable, then the file variable', () => {
    expect(loadSigningKey({ file })?.keyId).toBe(pair.keyId);
    expect(loadSigningKey({ env: { WORKBENCH_SIGNING_KEY: pair.privateKeyPem } })?.keyId).toBe(
      pair.keyId,
    );
    expect(loadSigningKey({ env: { WORKBENCH_SIGNING_KEY_FILE: file } })?.keyId).toBe(pair.keyId);
    expect(loadSigningKey({ env: {} })).toBeUndefined();
  });

  it('names where a bad key came from, never its text', () => {
    const secret = 'not-a-key-but-secret-looking-0123456789';
    let error: unknown;
    try {
      loadSigningKey({ env: { WORKBENCH_SIGNING_KEY: secret } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(KeyError);
    expect((error as Error).message).toMatch(/WORKBENCH_SIGNING_KEY/);
    expect((error as Error).message).not.toContain(secret);
    expect(() => loadSigningKey({ file: join(dir, 'missing.key') })).toThrow(/ENOENT/);
    expect(() => loadSigningKey({ env: { WORKBENCH_SIGNING_KEY: pair.publicKeyPem } })).toThrow(
      /public key/,
    );
  });

  it('reads a key through a pipe, and refuses an endless or huge file without reading it all', () => {
    // A FIFO, as `--key <(vault read …)` gives: written by another process, size unknown.
    const fifo = join(dir, 'k.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', 'cat "$0" > "$1"', file, fifo], { stdio: 'ignore' });
    expect(loadSigningKey({ file: fifo })?.keyId).toBe(pair.keyId);
    writer.kill();
    expect(() => loadSigningKey({ file: '/dev/zero' })).toThrow(
      /the key file "\/dev\/zero" is larger than 65536 bytes: not a key/,
    );
  });
});
