import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { attributesFrom, foldRun, sealBundle, type RunBundle } from '@llm-workbench/bundle';
import { readLedger } from '@llm-workbench/evidence';
import { FileBundleSink } from '../src/index.js';

function bundle(i: number): RunBundle {
  return sealBundle(
    foldRun([
      {
        traceId: (i + 1).toString(16).padStart(32, '0'),
        spanId: '1111111111111111',
        name: 'run',
        kind: 'internal',
        startTimeUnixNano: 1n,
        endTimeUnixNano: 2n,
        status: { code: 'unset' },
        attributes: attributesFrom([['workbench.run.id', `r${i}`]]),
        events: [],
        resource: attributesFrom([]),
        scope: { name: 't' },
      },
    ]),
  );
}

/** A worker thread that takes the folder's ledger lock and exits without releasing it. */
async function dieHoldingTheLock(sink: FileBundleSink): Promise<number> {
  const worker = new Worker(
    `const { workerData, threadId } = require('node:worker_threads');
     Atomics.store(new Int32Array(workerData.ledgerLock), 0, threadId + 1);`,
    { eval: true, workerData: sink.toWorkerData() },
  );
  const threadId = worker.threadId;
  await new Promise((resolve) => worker.once('exit', resolve));
  return threadId;
}

describe('ThreadLock (the ledger lock shared by threads)', () => {
  it('lets a write through once the lock a dead worker held is released, and only that worker’s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-lock-'));
    const sink = new FileBundleSink({ directory: dir, fsync: false });
    await sink.write(bundle(0));
    const dead = await dieHoldingTheLock(sink);
    let settled = false;
    const pending = sink.write(bundle(1)).finally(() => (settled = true));
    // The write waits on the lock (it placed its bundle, its line cannot go in).
    await expect
      .poll(() => readFileSync(join(dir, `${bundle(1).run.traceId}.json`), 'utf8').length, {
        timeout: 5_000,
      })
      .toBeGreaterThan(0);
    expect(settled).toBe(false);
    expect(sink.releaseLedgerLockOf(dead + 1000)).toBe(false); // not the holder: nothing freed
    expect(settled).toBe(false);
    expect(sink.releaseLedgerLockOf(dead)).toBe(true);
    expect((await pending).status).toBe('written');
    const reading = readLedger(readFileSync(join(dir, 'ledger.jsonl'), 'utf8'));
    expect(reading.problems).toEqual([]);
    expect(reading.entries).toHaveLength(2);
  });
});
