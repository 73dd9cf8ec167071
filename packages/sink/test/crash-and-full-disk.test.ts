import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import { verifyBundle } from '@llm-workbench/bundle';
import {
  generateKeyPair,
  LEDGER_FILE,
  readLedger,
  SigningKey,
  trustedKeyFromPem,
} from '@llm-workbench/evidence';
import { FileBundleSink } from '../src/index.js';
import { bulkyBundle } from './fixtures/bulky-bundle.js';
import { tinyDisks } from './fixtures/tiny-disk.js';
import { bundleNames, checkFolder, unsignedBundles } from './fixtures/read-folder.js';

const here = new URL('.', import.meta.url).pathname;

function bundleFiles(dir: string): string[] {
  return bundleNames(dir);
}

describe('FileBundleSink under failure', () => {
  it('leaves every bundle file whole or absent when the process is killed mid-write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-kill-'));
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', join(here, 'fixtures/write-forever.ts'), dir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await waitUntil(() => bundleFiles(dir).length >= 40, '40 bundles', 60_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const files = bundleFiles(dir);
    expect(files.length).toBeGreaterThanOrEqual(40);
    for (const f of files) {
      const r = verifyBundle(readFileSync(join(dir, f), 'utf8'));
      expect(r.ok, `${f} must verify`).toBe(true);
    }
  });

  it('never leaves a bundle without its envelope, nor a torn ledger line accepted, when killed during signed writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-kill-signed-'));
    const pair = generateKeyPair();
    const keyFile = join(mkdtempSync(join(tmpdir(), 'wb-key-')), 'k.key');
    writeFileSync(keyFile, pair.privateKeyPem, { mode: 0o600 });
    const trusted = [trustedKeyFromPem(pair.publicKeyPem, 'k.pub')];
    const child = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        join(here, 'fixtures/write-forever.ts'),
        dir,
        keyFile,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await waitUntil(() => bundleFiles(dir).length >= 40, '40 bundles', 60_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    // Every bundle is whole and has its verifying envelope: envelopes go first.
    expect(bundleFiles(dir).length).toBeGreaterThanOrEqual(40);
    expect(unsignedBundles(dir, trusted)).toEqual([]);
    // The ledger as left: whole lines chaining, at most a torn last line (never accepted), and
    // every line names a bundle that is there (a line is appended only after its bundle).
    const left = readLedger(readFileSync(join(dir, LEDGER_FILE), 'utf8'));
    expect(left.problems.filter((p) => p.code !== 'torn_line')).toEqual([]);
    const present = new Set(bundleFiles(dir));
    for (const e of left.entries) expect(present.has(e.file), e.file).toBe(true);
    // What the folder check may find: bundles placed in the last instants and not yet recorded
    // (`outside_ledger`), and the torn line. Orphan envelopes (signed, then killed before the
    // link) are not bundles and are replaced when their bundle is written.
    const codes = new Set(checkFolder(dir, trusted).problems.map((p) => p.code));
    for (const code of codes) expect(['outside_ledger', 'torn_line']).toContain(code);

    // A new writer on the folder: the refold of what was in flight (the same bytes, `unchanged`)
    // records it, the torn line is cut, and the chain goes on.
    const sink = new FileBundleSink({
      directory: dir,
      signingKey: SigningKey.fromPem(pair.privateKeyPem),
    });
    const recorded = new Set(left.entries.map((e) => e.file));
    for (const name of bundleFiles(dir)) {
      if (recorded.has(name)) continue;
      const i = Number.parseInt(name.slice(0, 32).replace(/^a+/, ''), 16) - 1;
      expect((await sink.write(bulkyBundle(i, 50))).status).toBe('unchanged');
    }
    for (let i = 0; i < 3; i++) await sink.write(bulkyBundle(10_000 + i, 50));
    await sink.shutdown();
    const verdict = checkFolder(dir, trusted);
    expect(verdict.problems).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(verdict.recorded).toBe(bundleFiles(dir).length);
    expect(unsignedBundles(dir, trusted)).toEqual([]);
  });

  const disks = tinyDisks('wb-full-');
  afterAll(() => disks.unmountAll());

  it('fails cleanly on a full disk: the write rejects with ENOSPC, leaves no temporary file and no partial bundle', async (ctx) => {
    const out = disks.mount();
    if (out === null) {
      ctx.skip(); // mounting a small tmpfs needs root and the permission (CI runs as root)
      return;
    }
    const sink = new FileBundleSink({ directory: out });
    const make = (i: number) => bulkyBundle(i, 20, 'b');
    let failure: unknown;
    for (let i = 0; i < 100 && failure === undefined; i++) {
      try {
        await sink.write(make(i));
      } catch (err) {
        failure = err;
      }
    }
    await sink.shutdown(); // closes the ledger, so that the tmpfs can be unmounted
    expect((failure as NodeJS.ErrnoException | undefined)?.code).toBe('ENOSPC');
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    for (const f of bundleFiles(out))
      expect(verifyBundle(readFileSync(join(out, f), 'utf8')).ok).toBe(true);
  });
});
