import { mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import { checkFolder } from '../../sink/test/fixtures/read-folder.js';
import { runServeCommand, startReceiver } from '../src/index.js';
import { OutputFolder } from '../src/output-folder.js';
import { bundleFiles, runRecords, send, sendSpans, tempDir } from './helpers.js';

describe('the receiver and its output folder', () => {
  it('creates the folder again when it is removed while serving, says so loudly, and writes the next bundles there with a new ledger', async () => {
    const out = join(tempDir(), 'bundles');
    const log: string[] = [];
    const receiver = await startReceiver({
      port: 0,
      outDir: out,
      dataDir: tempDir(),
      quietMs: 100,
      fsync: false,
      log: (line) => log.push(line),
    });
    try {
      const first = runRecords(3);
      expect((await sendSpans(receiver.url, first)).status).toBe(200);
      // Recorded, not just written: its ledger line comes after the bundle file.
      await waitUntil(
        () => (checkFolder(out).recorded === 1 ? true : undefined),
        'the first bundle, in the ledger',
      );

      rmSync(out, { recursive: true, force: true });
      const second = runRecords(3);
      expect((await sendSpans(receiver.url, second)).status).toBe(200);
      await waitUntil(
        () => (bundleFiles(out).includes(`${second[0]?.traceId}.json`) ? true : undefined),
        'the second bundle, in the folder created again',
      );
      // Its ledger line comes after its file.
      await waitUntil(
        () => (checkFolder(out).recorded === 1 ? true : undefined),
        'the second bundle, in the new ledger',
      );
      expect(log.join('\n')).toMatch(
        /output folder .* was removed while serving: created it again; its ledger\.jsonl starts a new chain/,
      );
      // The new folder checks out on its own: one bundle, one ledger line.
      expect(checkFolder(out)).toMatchObject({ ok: true, recorded: 1 });
      expect((await send(receiver.url, { method: 'GET', path: '/healthz' })).status).toBe(200);
      expect(receiver.metrics()['output_folder_recreated']).toBe(1);
    } finally {
      await receiver.close();
    }
  });

  it("notices a folder replaced by another while serving, and records the next bundles in the new folder's ledger", async () => {
    const out = join(tempDir(), 'bundles');
    const log: string[] = [];
    const receiver = await startReceiver({
      port: 0,
      outDir: out,
      dataDir: tempDir(),
      quietMs: 100,
      fsync: false,
      log: (line) => log.push(line),
    });
    try {
      expect((await sendSpans(receiver.url, runRecords(3))).status).toBe(200);
      // Recorded, not just written: its ledger line comes after the bundle file.
      await waitUntil(
        () => (checkFolder(out).recorded === 1 ? true : undefined),
        'the first bundle, in the ledger',
      );
      // Someone removes the folder and makes a new one before the receiver looks.
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out);
      const second = runRecords(3);
      expect((await sendSpans(receiver.url, second)).status).toBe(200);
      await waitUntil(
        () => (bundleFiles(out).includes(`${second[0]?.traceId}.json`) ? true : undefined),
        'the second bundle',
      );
      await waitUntil(
        () => (checkFolder(out).recorded === 1 ? true : undefined),
        'the second bundle, in the new ledger',
      );
      await receiver.flush();
      expect(log.join('\n')).toMatch(/output folder .* was replaced by another folder/);
      // Its line is in the new folder's ledger, not in the file the old sink held open.
      expect(checkFolder(out)).toMatchObject({ ok: true, recorded: 1 });
    } finally {
      await receiver.close();
    }
  });

  it('fails /healthz with the reason while the output folder is a file, and recovers once it is a folder again', async () => {
    const out = join(tempDir(), 'bundles');
    const receiver = await startReceiver({
      port: 0,
      outDir: out,
      dataDir: tempDir(),
      quietMs: 100,
      fsync: false,
    });
    try {
      rmSync(out, { recursive: true, force: true });
      writeFileSync(out, 'not a folder');
      const spans = runRecords(3);
      expect((await sendSpans(receiver.url, spans)).status).toBe(200);
      const health = await waitUntil(async () => {
        const h = await send(receiver.url, { method: 'GET', path: '/healthz' });
        return h.status === 503 ? h : undefined;
      }, '/healthz to fail');
      expect(health.body.toString()).toMatch(
        /^unhealthy\ncannot write bundles: output folder .*bundles is not a folder/,
      );
      unlinkSync(out);
      await waitUntil(
        () => (bundleFiles(out).includes(`${spans[0]?.traceId}.json`) ? true : undefined),
        'the bundle, once the folder is back',
      );
      await waitUntil(async () => {
        const h = await send(receiver.url, { method: 'GET', path: '/healthz' });
        return h.status === 200 ? true : undefined;
      }, '/healthz to recover');
    } finally {
      await receiver.close();
    }
  });

  it('tells /healthz why bundle writes fail when the folder is fine but its ledger is broken', async () => {
    const out = tempDir();
    writeFileSync(join(out, 'ledger.jsonl'), 'not a ledger line\n');
    const receiver = await startReceiver({
      port: 0,
      outDir: out,
      dataDir: tempDir(),
      quietMs: 100,
      fsync: false,
    });
    try {
      expect((await sendSpans(receiver.url, runRecords(3))).status).toBe(200);
      const health = await waitUntil(async () => {
        const h = await send(receiver.url, { method: 'GET', path: '/healthz' });
        return /bundle writes failing/.test(h.body.toString()) ? h : undefined;
      }, 'the failure in /healthz');
      expect(health.status).toBe(200);
      expect(health.body.toString()).toMatch(
        /^ok\nwarning: bundle writes failing \(retried\): .*ledger\.jsonl line 1: .*refusing to append/,
      );
    } finally {
      await receiver.close();
    }
  });

  it.each([
    ['a regular file', (file: string) => file, /is not a folder/],
    ['a path under a regular file', (file: string) => join(file, 'bundles'), /cannot create/],
  ])('refuses to start with exit 2 when --out names %s', async (_what, outOf, reason) => {
    const file = join(tempDir(), 'bundles.json');
    writeFileSync(file, '{}');
    let stderr = '';
    const code = await runServeCommand(
      ['--port', '0', '--out', outOf(file), '--data', tempDir(), '--no-fsync'],
      {
        stdout: { write: () => true },
        stderr: { write: (t: string) => (stderr += t) },
        env: {},
        stop: Promise.resolve(),
      },
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/^workbench serve: --out: output folder /);
    expect(stderr).toMatch(reason);
  });
});

describe(OutputFolder, () => {
  it('tells a folder removed and made again at once from the one it held (the inode number is not reused while held)', async () => {
    const out = join(tempDir(), 'bundles');
    const folder = await OutputFolder.open(out);
    try {
      for (let round = 0; round < 20; round++) {
        rmSync(out, { recursive: true, force: true });
        mkdirSync(out);
        expect(await folder.check()).toEqual({ ok: true, change: 'replaced' });
        expect(await folder.check()).toEqual({ ok: true, change: 'none' });
      }
    } finally {
      await folder.close();
    }
  });
});
