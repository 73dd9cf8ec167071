import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import { verifyBundle } from '@llm-workbench/bundle';
import { LEDGER_FILE, readLedger } from '@llm-workbench/evidence';
import { FileBundleSink, type BundleWriteOutcome } from '../src/index.js';
import { bulkyBundle } from './fixtures/bulky-bundle.js';
import { tinyDisks } from './fixtures/tiny-disk.js';
import { bundleNames, checkFolder } from './fixtures/read-folder.js';
import { countDirectorySyncs } from './fixtures/count-directory-syncs.js';

const here = new URL('.', import.meta.url).pathname;

function statuses(outcomes: readonly BundleWriteOutcome[]): string[] {
  return outcomes.map((o) => (o.ok ? o.result.status : `error: ${o.error.message}`));
}

describe('FileBundleSink.writeMany', () => {
  it('writes every bundle of a batch with one folder fsync and the ledger lines in batch order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-many-'));
    const sink = new FileBundleSink({ directory: dir });
    await sink.write(bulkyBundle(1000, 1)); // the ledger exists: its creation is a folder entry too
    const counter = countDirectorySyncs(sink);
    const bundles = Array.from({ length: 30 }, (_, i) => bulkyBundle(i, 2));
    const outcomes = await sink.writeMany(bundles);
    expect(statuses(outcomes)).toEqual(bundles.map(() => 'written'));
    expect(counter.syncs).toBe(1);
    for (const [i, o] of outcomes.entries()) {
      expect(o.ok && o.result.location).toBe(join(dir, `${bundles[i]!.run.traceId}.json`));
    }
    const lines = readLedger(readFileSync(join(dir, LEDGER_FILE), 'utf8'));
    expect(lines.problems).toEqual([]);
    expect(lines.entries.slice(1).map((e) => e.file)).toEqual(
      bundles.map((b) => `${b.run.traceId}.json`),
    );
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await sink.shutdown();
    const verdict = checkFolder(dir);
    expect(verdict.problems).toEqual([]);
    expect(verdict.recorded).toBe(31);
  });

  it('gives each bundle what a single write would: unchanged, revision, one trace twice, a bad id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-many-'));
    const sink = new FileBundleSink({ directory: dir });
    const first = bulkyBundle(0, 1);
    const later = bulkyBundle(0, 2); // the same trace folded again with more
    await sink.write(first);
    const bad = structuredClone(bulkyBundle(5, 1));
    (bad.run as { traceId: string }).traceId = '../escape';
    const outcomes = await sink.writeMany([
      bulkyBundle(1, 1),
      first,
      later,
      bulkyBundle(2, 1),
      bulkyBundle(2, 3),
      bad,
    ]);
    expect(statuses(outcomes).slice(0, 5)).toEqual([
      'written',
      'unchanged',
      'revision',
      'written',
      'revision',
    ]);
    const failed = outcomes[5]!;
    expect(failed.ok).toBe(false);
    expect(!failed.ok && (failed.error as { code?: string }).code).toBe('invalid_trace_id');
    // The first file is never rewritten.
    expect(
      verifyBundle(readFileSync(join(dir, `${first.run.traceId}.json`), 'utf8')),
    ).toMatchObject({
      ok: true,
      sha256: first.integrity.sha256,
    });
    await sink.shutdown();
    const verdict = checkFolder(dir);
    expect(verdict.problems).toEqual([]);
    expect(verdict.recorded).toBe(bundleNames(dir).length);
    expect(bundleNames(dir)).toHaveLength(5);
  });

  it('reports which bundles were written when one fails mid-batch, and leaves the folder consistent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-many-'));
    const sink = new FileBundleSink({ directory: dir });
    const bundles = Array.from({ length: 6 }, (_, i) => bulkyBundle(i, 1));
    // Something that is not a bundle file sits at the third bundle's name.
    mkdirSync(join(dir, `${bundles[2]!.run.traceId}.json`));
    const outcomes = await sink.writeMany(bundles);
    expect(statuses(outcomes).map((s) => s.split(':')[0])).toEqual([
      'written',
      'written',
      'error',
      'written',
      'written',
      'written',
    ]);
    const third = outcomes[2]!;
    expect(!third.ok && (third.error as { code?: string }).code).toBe('outside_directory');
    await sink.shutdown();
    const lines = readLedger(readFileSync(join(dir, LEDGER_FILE), 'utf8'));
    expect(lines.entries.map((e) => e.file)).toEqual(
      [0, 1, 3, 4, 5].map((i) => `${bundles[i]!.run.traceId}.json`),
    );
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('fails the placed bundles when their ledger line cannot be appended, and records them when written again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-many-'));
    const bundles = Array.from({ length: 4 }, (_, i) => bulkyBundle(i, 1));
    writeFileSync(join(dir, LEDGER_FILE), '{"not":"a ledger line"}\n');
    const sink = new FileBundleSink({ directory: dir });
    const outcomes = await sink.writeMany(bundles);
    for (const o of outcomes) {
      expect(o.ok).toBe(false);
      expect(!o.ok && (o.error as { code?: string }).code).toBe('ledger_broken');
    }
    // The bundles are in place, whole, and outside the (refused) ledger: not acknowledged.
    for (const name of bundleNames(dir))
      expect(verifyBundle(readFileSync(join(dir, name), 'utf8')).ok).toBe(true);
    await sink.shutdown();
    renameSync(join(dir, LEDGER_FILE), join(dir, 'ledger.broken'));
    const again = new FileBundleSink({ directory: dir });
    expect(statuses(await again.writeMany(bundles))).toEqual(bundles.map(() => 'unchanged'));
    await again.shutdown();
    const verdict = checkFolder(dir);
    expect(verdict.problems).toEqual([]);
    expect(verdict.recorded).toBe(4);
  });

  it('leaves whole bundles, a chained ledger naming only bundles present, when killed mid-batch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-many-kill-'));
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', join(here, 'fixtures/write-forever.ts'), dir],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, WRITE_MANY: '8' } },
    );
    await waitUntil(() => bundleNames(dir).length >= 40, '40 bundles', 60_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const present = new Set(bundleNames(dir));
    for (const name of present)
      expect(verifyBundle(readFileSync(join(dir, name), 'utf8')).ok, name).toBe(true);
    const left = readLedger(readFileSync(join(dir, LEDGER_FILE), 'utf8'));
    expect(left.problems.filter((p) => p.code !== 'torn_line')).toEqual([]);
    for (const e of left.entries) expect(present.has(e.file), e.file).toBe(true);
    // A new writer: what was placed but not recorded is recorded when written again.
    const sink = new FileBundleSink({ directory: dir });
    const recorded = new Set(left.entries.map((e) => e.file));
    const unrecorded = [...present]
      .filter((name) => !recorded.has(name))
      .map((name) =>
        bulkyBundle(Number.parseInt(name.slice(0, 32).replace(/^a+/, ''), 16) - 1, 50),
      );
    expect(statuses(await sink.writeMany(unrecorded))).toEqual(unrecorded.map(() => 'unchanged'));
    await sink.shutdown();
    const verdict = checkFolder(dir);
    expect(verdict.problems).toEqual([]);
    expect(verdict.recorded).toBe(present.size);
  });

  const disks = tinyDisks('wb-many-full-');
  afterAll(() => disks.unmountAll());

  it('on a full disk, reports each bundle written or failed (ENOSPC), with no partial file', async (ctx) => {
    const out = disks.mount();
    if (out === null) {
      ctx.skip(); // mounting a small tmpfs needs root and the permission (CI runs as root)
      return;
    }
    const sink = new FileBundleSink({ directory: out });
    const bundles = Array.from({ length: 40 }, (_, i) => bulkyBundle(i, 20, 'b'));
    const outcomes = await sink.writeMany(bundles);
    await sink.shutdown(); // closes the ledger, so that the tmpfs can be unmounted
    const failed = outcomes.filter((o) => !o.ok);
    expect(failed.length).toBeGreaterThan(0);
    for (const o of failed) expect((o.error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    for (const name of bundleNames(out))
      expect(verifyBundle(readFileSync(join(out, name), 'utf8')).ok).toBe(true);
    // Every bundle reported written is in the ledger.
    const recorded = new Set(
      readLedger(readFileSync(join(out, LEDGER_FILE), 'utf8')).entries.map((e) => e.file),
    );
    for (const [i, o] of outcomes.entries())
      if (o.ok) expect(recorded.has(`${bundles[i]!.run.traceId}.json`)).toBe(true);
  });
});
