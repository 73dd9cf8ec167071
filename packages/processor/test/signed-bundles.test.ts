import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import {
  envelopeNameFor,
  generateKeyPair,
  readLedger,
  SigningKey,
  trustedKeyFromPem,
  verifyEnvelope,
} from '@llm-workbench/evidence';
import { BundlePipeline, resolveFoldingOptions } from '../src/bundle-pipeline.js';
import { spawnBundleWorker } from '../src/bundle-worker-client.js';
import type { Worker } from 'node:worker_threads';
import { RunBundleSpanProcessor } from '../src/index.js';
import { FileBundleSink } from '@llm-workbench/sink';
import { bundleNames, checkFolder, unsignedBundles } from '../../sink/test/fixtures/read-folder.js';
import { recordRawRun, tempDir } from './helpers.js';

function keyPair(): { key: SigningKey; trusted: ReturnType<typeof trustedKeyFromPem> } {
  const pair = generateKeyPair();
  return {
    key: SigningKey.fromPem(pair.privateKeyPem),
    trusted: trustedKeyFromPem(pair.publicKeyPem, 'app.pub'),
  };
}

/** Finished spans of `n` runs, one trace each, grouped by trace. */
function runs(n: number, prefix: string): ReadableSpan[][] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('t');
  for (let i = 0; i < n; i++) recordRawRun(tracer, `${prefix}-${i}`);
  const byTrace = new Map<string, ReadableSpan[]>();
  for (const s of memory.getFinishedSpans()) {
    const id = s.spanContext().traceId;
    byTrace.set(id, [...(byTrace.get(id) ?? []), s]);
  }
  return [...byTrace.values()];
}

describe('RunBundleSpanProcessor with a signing key', () => {
  it('signs each bundle on its worker thread; envelopes, ledger and checkpoint verify', async () => {
    const dir = tempDir('wb-signed-');
    const { key, trusted } = keyPair();
    const processor = new RunBundleSpanProcessor({
      sink: new FileBundleSink({ directory: dir, signingKey: key }),
    });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer('t');
    const traceIds = Array.from({ length: 5 }, (_, i) => recordRawRun(tracer, `run-${i}`));
    await provider.forceFlush();
    const pipeline = (processor as unknown as { pipeline: { worker?: { usable: boolean } } })
      .pipeline;
    expect(pipeline.worker?.usable).toBe(true);
    await provider.shutdown();
    expect(processor.stats).toMatchObject({ bundlesWritten: 5, sinkErrors: 0 });
    expect(bundleNames(dir)).toEqual(traceIds.map((t) => `${t}.json`).sort());
    expect(unsignedBundles(dir, [trusted])).toEqual([]);
    const name = `${traceIds[0]}.json`;
    const bundle = JSON.parse(readFileSync(join(dir, name), 'utf8')) as {
      integrity: { sha256: string };
    };
    const v = verifyEnvelope(
      readFileSync(join(dir, envelopeNameFor(name)), 'utf8'),
      { sha256: bundle.integrity.sha256, name },
      [trusted],
    );
    expect(v.statement?.predicate).toMatchObject({ signerRole: 'app', runId: 'run-0' });
    const verdict = checkFolder(dir, [trusted]);
    expect(verdict.problems).toEqual([]);
    expect(verdict.warnings).toEqual([]);
    expect(verdict).toMatchObject({ ok: true, recorded: 5, checkpointSignedBy: ['app.pub'] });
  });

  it('keeps one chain when the worker and the application thread write into one folder at once', async () => {
    const dir = tempDir('wb-two-threads-');
    const { key, trusted } = keyPair();
    // Two pipelines on one folder: one folds on its worker thread, one on this thread (as the
    // processor does when its worker is behind); their sinks share the folder's ledger lock.
    const onWorker = new BundlePipeline(
      resolveFoldingOptions('test', {
        sink: new FileBundleSink({ directory: dir, signingKey: key, fsync: false }),
      }),
      'test',
    );
    const inline = new BundlePipeline(
      resolveFoldingOptions('test', {
        sink: new FileBundleSink({ directory: dir, signingKey: key, fsync: false }),
        worker: false,
      }),
      'test',
    );
    const n = 150;
    const a = runs(n, 'w');
    const b = runs(n, 'i');
    // Once the worker is up, both threads write, in small batches, while the other does.
    onWorker.submit(a[0]!, false);
    await waitUntil(() => bundleNames(dir).length > 0, 'the worker to start', 30_000);
    for (let i = 1; i < n; i++) {
      onWorker.submit(a[i]!, false);
      inline.submit(b[i - 1]!, false);
      if (i % 5 === 0) await new Promise((r) => setImmediate(r));
    }
    inline.submit(b[n - 1]!, false);
    await Promise.all([onWorker.close('worker'), inline.close('inline')]);
    expect(onWorker.stats).toMatchObject({ bundlesWritten: n, sinkErrors: 0 });
    expect(inline.stats).toMatchObject({ bundlesWritten: n, sinkErrors: 0 });
    const reading = readLedger(readFileSync(join(dir, 'ledger.jsonl'), 'utf8'));
    expect(reading.problems).toEqual([]);
    expect(reading.entries).toHaveLength(2 * n);
    // The two threads' lines interleave: both appended while the other did.
    const threadOf = (file: string) =>
      a.some((s) => `${s[0]!.spanContext().traceId}.json` === file) ? 'w' : 'i';
    const order = reading.entries.map((e) => threadOf(e.file)).join('');
    expect(order.replace(/(.)\1*/g, '$1')).toMatch(/wiw|iwi/);
    expect(unsignedBundles(dir, [trusted])).toEqual([]);
    const verdict = checkFolder(dir, [trusted]);
    expect(verdict.problems).toEqual([]);
    expect(verdict).toMatchObject({ ok: true, recorded: 2 * n });
  });

  it('goes on signing inline, on one chain, when its worker is killed mid-stream', async () => {
    const dir = tempDir('wb-worker-killed-');
    const { key, trusted } = keyPair();
    let worker: Worker | undefined;
    const pipeline = new BundlePipeline(
      resolveFoldingOptions('test', {
        sink: new FileBundleSink({ directory: dir, signingKey: key }),
      }),
      'test',
      (options) => (worker = spawnBundleWorker(options)),
    );
    const traces = runs(300, 'k');
    for (const spans of traces.slice(0, 20)) pipeline.submit(spans, false);
    await waitUntil(() => bundleNames(dir).length > 0, 'the worker to write', 30_000);
    for (const spans of traces.slice(20)) pipeline.submit(spans, false);
    // Killed while it writes (perhaps holding the ledger lock): its traces come back and are
    // folded on this thread; a bundle it had placed is found unchanged and recorded.
    await waitUntil(() => bundleNames(dir).length > 30, 'more bundles', 30_000);
    await worker!.terminate();
    await pipeline.close('killed');
    expect(pipeline.stats.sinkErrors).toBe(0);
    expect(pipeline.stats.bundlesWritten + pipeline.stats.bundlesUnchanged).toBeGreaterThanOrEqual(
      traces.length,
    );
    expect(bundleNames(dir)).toHaveLength(traces.length);
    expect(unsignedBundles(dir, [trusted])).toEqual([]);
    const verdict = checkFolder(dir, [trusted]);
    expect(verdict.problems).toEqual([]);
    expect(verdict).toMatchObject({ ok: true, recorded: traces.length });
  });
});
