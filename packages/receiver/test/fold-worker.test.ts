import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import { foldRun, sealBundle, serializeBundle } from '@llm-workbench/bundle';
import { encodeOtlpJson, encodeOtlpProtobuf } from '@llm-workbench/otlp';
import { FileBundleSink } from '@llm-workbench/sink';
import { WorkerTraceFolder } from '../src/fold/worker-trace-folder.js';
import type { FoldJob } from '../src/fold/types.js';
import { startReceiver } from '../src/index.js';
import { RECORD_JSON, RECORD_PROTOBUF, Spool } from '../src/spool/spool.js';
import { bundleFiles, readBundleText, runRecords, sendSpans, tempDir } from './helpers.js';

async function spoolWith(
  dir: string,
  records: Array<[number, Uint8Array]>,
): Promise<FoldJob['records']> {
  const spool = await Spool.open(join(dir, 'spool'), {
    segmentBytes: 1 << 20,
    fsync: false,
    onError: () => undefined,
  });
  const out = [];
  for (const [kind, payload] of records) {
    const { segment, offset, durable } = spool.append(kind, payload);
    await durable;
    out.push({ segment, offset, length: payload.length, kind });
  }
  await spool.close();
  return out;
}

describe('WorkerTraceFolder', () => {
  it('folds the spans of a trace from the spool records it is in, in a worker thread', async () => {
    const dir = tempDir();
    const [a, b] = [runRecords(3), runRecords(2)];
    // Two records, each with spans of both traces; one JSON, one protobuf; a duplicate span.
    const records = await spoolWith(dir, [
      [RECORD_JSON, Buffer.from(JSON.stringify(encodeOtlpJson([...a.slice(0, 2), b[0]!])))],
      [RECORD_PROTOBUF, encodeOtlpProtobuf([a[2]!, a[1]!, b[1]!])],
    ]);
    const logs: string[] = [];
    const folder = new WorkerTraceFolder(
      {
        spoolDir: join(dir, 'spool'),
        sink: new FileBundleSink({ directory: join(dir, 'out'), fsync: false }).toWorkerData(),
        writeConcurrency: 2,
        cacheSpans: 100,
      },
      (line) => logs.push(line),
    );
    try {
      const outcomes = await folder.fold([
        { traceId: a[0]!.traceId, truncated: false, records },
        { traceId: b[0]!.traceId, truncated: true, records },
      ]);
      expect(outcomes).toEqual([
        { ok: true, status: 'written', complete: true, spans: 3 },
        { ok: true, status: 'written', complete: false, spans: 2 },
      ]);
      expect(folder.where).toBe('worker');
      expect(readBundleText(join(dir, 'out'), `${a[0]!.traceId}.json`)).toBe(
        serializeBundle(sealBundle(foldRun(a))),
      );
      if (process.platform === 'linux') expect(folder.cpuSeconds).toBeGreaterThan(0);
      expect(logs).toEqual([]);
    } finally {
      await folder.close();
    }
  });

  it('fails what the worker held when it dies, and folds on the calling thread from then on', async () => {
    const dir = tempDir();
    const spans = runRecords(2);
    const records = await spoolWith(dir, [[RECORD_PROTOBUF, encodeOtlpProtobuf(spans)]]);
    const logs: string[] = [];
    const folder = new WorkerTraceFolder(
      {
        spoolDir: join(dir, 'spool'),
        sink: new FileBundleSink({ directory: join(dir, 'out'), fsync: false }).toWorkerData(),
        writeConcurrency: 2,
        cacheSpans: 100,
      },
      (line) => logs.push(line),
      (options) => new Worker('throw new Error("no worker today")', { ...options, eval: true }),
    );
    try {
      const job = { traceId: spans[0]!.traceId, truncated: false, records };
      const first = await folder.fold([job]);
      expect(first[0]).toMatchObject({
        ok: false,
        message: expect.stringMatching(/no worker today/),
      });
      await waitUntil(() => (folder.where === 'inline' ? true : undefined), 'the fallback');
      expect(await folder.fold([job])).toEqual([
        { ok: true, status: 'written', complete: true, spans: 2 },
      ]);
      expect(logs).toEqual([expect.stringMatching(/no worker today; folding on the main thread/)]);
    } finally {
      await folder.close();
    }
  });
});

describe('the receiver and its fold worker', () => {
  it('folds off the request thread, and tells the CPU time of both threads in /metrics', async () => {
    const out = tempDir();
    const r = await startReceiver({ port: 0, outDir: out, dataDir: tempDir(), quietMs: 60_000 });
    try {
      const spans = runRecords(3);
      expect((await sendSpans(r.url, spans)).status).toBe(200);
      await r.flush();
      expect(bundleFiles(out)).toEqual([`${spans[0]!.traceId}.json`]);
      if (process.platform === 'linux') {
        expect(r.metrics()['main_thread_cpu_seconds']).toBeGreaterThan(0);
        expect(r.metrics()['fold_thread_cpu_seconds']).toBeGreaterThan(0);
        const text = await (await fetch(`${r.url}/metrics`)).text();
        expect(text).toMatch(/^workbench_receiver_cpu_seconds_total\{thread="fold"\} [\d.]+$/m);
      }
    } finally {
      await r.close();
    }
  });
});
