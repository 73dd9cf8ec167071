import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '@llm-workbench/bundle';
import { FileBundleSink } from '../src/index.js';
import { bulkyBundle } from './fixtures/bulky-bundle.js';

const here = new URL('.', import.meta.url).pathname;

function bundleFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('.'));
}

async function until<T>(check: () => T | undefined | false, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
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
    await until(() => bundleFiles(dir).length >= 40, 60_000, '40 bundles');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const files = bundleFiles(dir);
    expect(files.length).toBeGreaterThanOrEqual(40);
    for (const f of files) {
      const r = verifyBundle(readFileSync(join(dir, f), 'utf8'));
      expect(r.ok, `${f} must verify`).toBe(true);
    }
  });

  const mounted: string[] = [];
  afterAll(() => {
    for (const m of mounted) spawnSync('umount', [m]);
  });

  it('fails cleanly on a full disk: the write rejects with ENOSPC, leaves no temporary file and no partial bundle', async (ctx) => {
    if (process.getuid?.() !== 0) {
      ctx.skip(); // mounting a small tmpfs needs root (CI runs as root)
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'wb-full-'));
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=96k', 'tmpfs', dir]);
    if (mount.status !== 0) {
      ctx.skip(); // no mount permission in this sandbox
      return;
    }
    mounted.push(dir);
    const out = join(dir, 'bundles');
    mkdirSync(out);
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
    expect((failure as NodeJS.ErrnoException | undefined)?.code).toBe('ENOSPC');
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    for (const f of bundleFiles(out))
      expect(verifyBundle(readFileSync(join(out, f), 'utf8')).ok).toBe(true);
  });
});
