import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './evidence-fixtures.js';
import { runCli } from './run-cli.js';

describe('workbench keygen', () => {
  it('writes PREFIX.key (PKCS#8, 0600) and PREFIX.pub (SPKI) and prints the key id, never the key', async () => {
    const dir = tempDir();
    const r = await runCli(['keygen', '-o', join(dir, 'alice')]);
    expect(r.code).toBe(0);
    const keyPem = readFileSync(join(dir, 'alice.key'), 'utf8');
    const pubPem = readFileSync(join(dir, 'alice.pub'), 'utf8');
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(pubPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(statSync(join(dir, 'alice.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'alice.pub')).mode & 0o777).toBe(0o644);
    const der = createPublicKey(pubPem).export({ type: 'spki', format: 'der' });
    const keyId = createHash('sha256').update(der).digest('hex');
    expect(r.stdout).toContain(`key id   ${keyId}`);
    expect(r.stdout).toContain(join(dir, 'alice.key'));
    expect(r.stdout).toContain(join(dir, 'alice.pub'));
    // Not one line of the private key's body is printed.
    const body = keyPem.split('\n').filter((l) => l && !l.startsWith('-----'));
    for (const line of body) expect(r.stdout + r.stderr).not.toContain(line);
    expect(r.stdout).not.toMatch(/PRIVATE KEY-----/);
    // No temp file is left beside them.
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir).sort()).toEqual(['alice.key', 'alice.pub']);
  });

  it('prints the paths and key id as JSON with --json', async () => {
    const dir = tempDir();
    const r = await runCli(['keygen', '-o', join(dir, 'k'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      keyId: expect.stringMatching(/^[0-9a-f]{64}$/),
      privateKey: join(dir, 'k.key'),
      publicKey: join(dir, 'k.pub'),
    });
  });

  it('refuses to overwrite an existing key file and writes nothing (exit 3)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'alice.key'), 'precious');
    const r = await runCli(['keygen', '-o', join(dir, 'alice')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/alice\.key exists: refusing to overwrite/);
    expect(readFileSync(join(dir, 'alice.key'), 'utf8')).toBe('precious');
    expect(existsSync(join(dir, 'alice.pub'))).toBe(false);

    writeFileSync(join(dir, 'bob.pub'), 'shared');
    const b = await runCli(['keygen', '-o', join(dir, 'bob')]);
    expect(b.code).toBe(3);
    expect(b.stderr).toMatch(/bob\.pub exists/);
    expect(existsSync(join(dir, 'bob.key'))).toBe(false);
    expect(readFileSync(join(dir, 'bob.pub'), 'utf8')).toBe('shared');
  });

  it('refuses a second run on the same prefix, keeping the first pair', async () => {
    const dir = tempDir();
    expect((await runCli(['keygen', '-o', join(dir, 'a')])).code).toBe(0);
    const before = readFileSync(join(dir, 'a.key'), 'utf8');
    expect((await runCli(['keygen', '-o', join(dir, 'a')])).code).toBe(3);
    expect(readFileSync(join(dir, 'a.key'), 'utf8')).toBe(before);
  });

  it('exits 2 without -o and 3 when the folder does not exist', async () => {
    expect((await runCli(['keygen'])).code).toBe(2);
    const r = await runCli(['keygen', '-o', join(tempDir(), 'no', 'such', 'k')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot write .*k\.key: no such folder/);
  });
});
