import { spawn as spawnProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { context, diag, DiagLogLevel, trace, type DiagLogger } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import * as sc from '@llm-workbench/semconv';
import { verifyBundle, type RunBundle } from '@llm-workbench/bundle';
import { FileBundleSink, type BundleWriteResult } from '@llm-workbench/sink';
import { BundlePipeline, resolveFoldingOptions } from '../src/bundle-pipeline.js';
import { PART_SPANS } from '../src/bundle-worker-client.js';
import { RunBundleSpanExporter, RunBundleSpanProcessor } from '../src/index.js';
import { recordRawRun, tempDir } from './helpers.js';

const here = new URL('.', import.meta.url).pathname;

function bundlesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

function contents(dir: string): string[] {
  return bundlesIn(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
}

/** Warnings sent to diag while a test runs. */
let warnings: string[] = [];
const logger: DiagLogger = {
  error: (...m: unknown[]) => warnings.push(m.join(' ')),
  warn: (...m: unknown[]) => warnings.push(m.join(' ')),
  info: () => undefined,
  debug: () => undefined,
  verbose: () => undefined,
};
beforeEach(() => {
  warnings = [];
  diag.setLogger(logger, DiagLogLevel.WARN);
});
afterEach(() => diag.disable());

/** Records a run with odd attribute values on the raw API; returns the finished spans. */
function oddSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('odd', '1.2.3');
  recordRawRun(tracer, 'odd-run');
  const run = tracer.startSpan('run odd', {
    attributes: {
      [sc.ATTR_RUN_ID]: 'odd',
      nan: Number.NaN,
      inf: -Infinity,
      negZero: -0,
      big: 2 ** 60,
      list: ['a', 'b'],
      holes: [1, null, 3] as number[],
      text: 'é東京🙂 "quoted"\n',
      constructor: 'data',
    },
  });
  run.addEvent('app.note', { toString: 'x', nested: [true, false], when: 1.5 });
  run.addEvent(sc.EVENT_MODEL_IO, {
    [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'fake',
    [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'm',
    [sc.ATTR_MODEL_IO_INPUT]: 'secret sk-abcdefghijklmnopqrstuvwxyz',
  });
  run.setStatus({ code: 2, message: 'failed' });
  run.end();
  return memory.getFinishedSpans();
}

/** A run of `count` spans: the run span and its children, each with an attribute and an event. */
function largeRun(count: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('large');
  const run = tracer.startSpan('run large', { attributes: { [sc.ATTR_RUN_ID]: 'large' } });
  const inRun = trace.setSpan(context.active(), run);
  for (let i = 1; i < count; i++) {
    const child = tracer.startSpan(`tool ${i}`, { attributes: { n: i } }, inRun);
    child.addEvent('app.note', { i });
    child.end();
  }
  run.end();
  return memory.getFinishedSpans();
}

/** Feeds finished spans, grouped by trace, to a pipeline. */
function submitAll(pipeline: BundlePipeline, spans: readonly ReadableSpan[]): void {
  const byTrace = new Map<string, ReadableSpan[]>();
  for (const s of spans) {
    const id = s.spanContext().traceId;
    byTrace.set(id, [...(byTrace.get(id) ?? []), s]);
  }
  for (const group of byTrace.values()) pipeline.submit(group, false);
}

function pipelineFor(
  dir: string,
  spawn?: (options: WorkerOptions) => Worker,
  extra: { flushTimeoutMs?: number; worker?: boolean } = {},
): BundlePipeline {
  const options = resolveFoldingOptions('test', {
    sink: new FileBundleSink({ directory: dir, fsync: false }),
    ...extra,
  });
  return new BundlePipeline(options, 'test', spawn);
}

/** A worker made of a few lines of code, for the ways a worker can fail. */
const fakeWorker =
  (code: string) =>
  (options: WorkerOptions): Worker =>
    new Worker(code, { ...options, eval: true });

describe('RunBundleSpanProcessor on its worker thread', () => {
  it('writes the same bundle bytes as folding inline, odd attribute values included', async () => {
    const spans = oddSpans();
    const viaWorker = tempDir();
    const inline = tempDir();
    const a = pipelineFor(viaWorker);
    const b = pipelineFor(inline, undefined, { worker: false });
    submitAll(a, spans);
    submitAll(b, spans);
    await Promise.all([a.flush(), b.flush()]);
    await Promise.all([a.stop(), b.stop()]);
    expect(bundlesIn(viaWorker)).toHaveLength(2);
    expect(contents(viaWorker)).toEqual(contents(inline));
    for (const text of contents(viaWorker)) expect(verifyBundle(text).ok).toBe(true);
    expect(a.stats).toMatchObject({ bundlesWritten: 2, foldErrors: 0, sinkErrors: 0 });
    expect(warnings).toEqual([]);
  });

  it('carries the count of spans dropped at the cap to the worker, whole or in parts: the bytes folding inline writes', async () => {
    const dropped = { count: 17, limit: 10_000 };
    for (const spans of [largeRun(12), largeRun(PART_SPANS * 2 + 3)]) {
      const viaWorker = tempDir();
      const inline = tempDir();
      const a = pipelineFor(viaWorker);
      const b = pipelineFor(inline, undefined, { worker: false });
      a.submit(spans, true, [], dropped);
      b.submit(spans, true, [], dropped);
      await Promise.all([a.flush(), b.flush()]);
      await Promise.all([a.stop(), b.stop()]);
      expect(contents(viaWorker)).toEqual(contents(inline));
      const [text] = contents(viaWorker);
      const result = verifyBundle(text!);
      expect(result.ok).toBe(true);
      const bundle = (result as { bundle: RunBundle }).bundle;
      expect(bundle.run.complete).toBe(false);
      expect(bundle.diagnostics.filter((d) => d.code === 'spans_dropped')).toEqual([
        expect.objectContaining({ count: 17 }),
      ]);
    }
  });

  it('sends a trace larger than PART_SPANS in parts, one per turn, and writes the bytes folding inline does', async () => {
    const spans = largeRun(PART_SPANS * 3 + 7);
    const viaWorker = tempDir();
    const inline = tempDir();
    const a = pipelineFor(viaWorker);
    const b = pipelineFor(inline, undefined, { worker: false });
    a.submit(spans, false);
    b.submit(spans, false);
    // Turns of the event loop taken while the trace is being sent: one between each two parts.
    let turns = 0;
    const tick = (): void => {
      turns++;
      if (bundlesIn(viaWorker).length === 0) timer = setImmediate(tick);
    };
    let timer = setImmediate(tick);
    await Promise.all([a.flush(), b.flush()]);
    clearImmediate(timer);
    await Promise.all([a.stop(), b.stop()]);
    expect(turns).toBeGreaterThanOrEqual(3);
    expect(bundlesIn(viaWorker)).toHaveLength(1);
    expect(contents(viaWorker)).toEqual(contents(inline));
    expect(JSON.parse(contents(viaWorker)[0]!).run.spanCount).toBe(PART_SPANS * 3 + 7);
    expect(a.stats).toMatchObject({ bundlesWritten: 1, foldErrors: 0, sinkErrors: 0 });
    expect(warnings).toEqual([]);
  });

  it('posts a large trace as parts then its rest, and a small one in a batch of its own', async () => {
    const dir = tempDir();
    // A worker that, once it has two batches, fails them both, the last first, with the kinds of
    // message it got (diag reports the first failure only).
    const code = `const { parentPort } = require('node:worker_threads');
      const kinds = [];
      const ids = [];
      parentPort.on('message', (m) => {
        kinds.push('part' in m ? 'part' : 'batch' in m ? 'batch:' + m.batch.traces : 'abandon');
        if ('batch' in m) ids.unshift(m.id);
        if (ids.length === 2)
          for (const id of ids) parentPort.postMessage({ id, failed: kinds.join(' ') });
      });`;
    const pipeline = pipelineFor(dir, fakeWorker(code));
    pipeline.submit(largeRun(PART_SPANS * 2 + 1), false);
    pipeline.submit(
      oddSpans().filter((s) => s.name === 'run odd'),
      false,
    );
    await pipeline.flush();
    expect(pipeline.stats.bundlesWritten).toBe(2);
    expect(warnings).toEqual([
      expect.stringMatching(/failed a batch: batch:1 part part batch:1 \(/) as unknown as string,
    ]);
    await pipeline.stop();
  });

  it('folds inline a large trace whose later part structured clone refuses, and tells the worker to drop its parts', async () => {
    const dir = tempDir();
    const spans = largeRun(PART_SPANS * 2 + 1);
    (spans[PART_SPANS + 3]!.attributes as Record<string, unknown>)['fn'] = () => 'not data';
    const pipeline = pipelineFor(dir);
    pipeline.submit(spans, false);
    await pipeline.flush();
    expect(pipeline.stats.bundlesWritten).toBe(1);
    expect(warnings).toEqual([
      expect.stringMatching(/could not be sent to the worker/) as unknown as string,
    ]);
    expect(pipeline.stats.foldedInline).toBe(1);
    submitAll(pipeline, oddSpans()); // the worker is kept
    await pipeline.flush();
    expect(pipeline.stats.bundlesWritten).toBe(3);
    expect(pipeline.stats.foldedInline).toBe(1);
    await pipeline.stop();
  });

  it('uses the worker for a FileBundleSink by default, and gives onBundle the bundle', async () => {
    const dir = tempDir();
    const seen: Array<[RunBundle, BundleWriteResult]> = [];
    const processor = new RunBundleSpanProcessor({
      sink: new FileBundleSink({ directory: dir }),
      onBundle: (bundle, result) => seen.push([bundle, result]),
    });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const traceId = recordRawRun(provider.getTracer('t'));
    await provider.forceFlush();
    const pipeline = (processor as unknown as { pipeline: { worker?: { usable: boolean } } })
      .pipeline;
    expect(pipeline.worker?.usable).toBe(true);
    expect(processor.stats.foldedInline).toBe(0);
    expect(seen).toHaveLength(1);
    const [bundle, result] = seen[0]!;
    expect(result).toEqual({ status: 'written', location: join(dir, `${traceId}.json`) });
    expect(bundle.run.traceId).toBe(traceId);
    expect(JSON.stringify(bundle)).toBe(
      JSON.stringify(JSON.parse(readFileSync(result.location, 'utf8'))),
    );
    await provider.shutdown();
    expect(warnings).toEqual([]);
  });

  it('folds on the calling thread for sinks that are not a FileBundleSink, or worker: false', async () => {
    class LoggingSink extends FileBundleSink {}
    for (const options of [
      { sink: new LoggingSink({ directory: tempDir() }) },
      { sink: new FileBundleSink({ directory: tempDir() }), worker: false },
    ]) {
      const processor = new RunBundleSpanProcessor(options);
      const pipeline = (processor as unknown as { pipeline: { worker?: unknown } }).pipeline;
      expect(pipeline.worker).toBeUndefined();
      const provider = new BasicTracerProvider({ spanProcessors: [processor] });
      recordRawRun(provider.getTracer('t'));
      await provider.forceFlush();
      expect(processor.stats.bundlesWritten).toBe(1);
      expect(processor.stats.foldedInline).toBe(0); // no worker to be behind
      await provider.shutdown();
    }
  });

  it('refuses a worker option that is not a boolean, quoting it', () => {
    expect(
      () =>
        new RunBundleSpanProcessor({
          sink: new FileBundleSink({ directory: tempDir() }),
          worker: 'yes' as never,
        }),
    ).toThrow(/worker must be a boolean, got "yes"/);
  });

  it('folds inline, reporting once, when the worker cannot start', async () => {
    const dir = tempDir();
    const pipeline = pipelineFor(dir, () => {
      throw new Error('no threads here');
    });
    submitAll(pipeline, oddSpans());
    await pipeline.flush();
    submitAll(pipeline, oddSpans());
    await pipeline.flush();
    expect(pipeline.stats.bundlesWritten).toBe(4);
    expect(pipeline.stats.foldedInline).toBe(4);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/could not start: no threads here; folding on this thread/);
    await pipeline.stop();
  });

  it('loses nothing when the worker dies with traces in it, and folds inline from then on', async () => {
    for (const code of [
      'process.exit(3)',
      "require('node:worker_threads').parentPort.on('message', () => { throw new Error('boom'); })",
      "throw new Error('broken at start')",
    ]) {
      warnings = [];
      const dir = tempDir();
      const pipeline = pipelineFor(dir, fakeWorker(code));
      submitAll(pipeline, oddSpans());
      await pipeline.flush();
      expect(bundlesIn(dir)).toHaveLength(2);
      submitAll(pipeline, oddSpans()); // new traces: inline at once
      await pipeline.flush();
      expect(bundlesIn(dir)).toHaveLength(4);
      expect(pipeline.stats).toMatchObject({
        bundlesWritten: 4,
        foldErrors: 0,
        sinkErrors: 0,
        foldedInline: 4,
      });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/bundle worker (failed|exited).*folding on this thread/);
      await pipeline.stop();
    }
  });

  it('folds a batch inline when the worker answers that it failed, and keeps the worker', async () => {
    const dir = tempDir();
    const code = `const { parentPort } = require('node:worker_threads');
      parentPort.on('message', (m) => parentPort.postMessage({ id: m.id, failed: 'disk gremlins' }));`;
    const pipeline = pipelineFor(dir, fakeWorker(code));
    submitAll(pipeline, oddSpans());
    await pipeline.flush();
    expect(bundlesIn(dir)).toHaveLength(2);
    expect(pipeline.stats.foldedInline).toBe(2);
    expect(warnings).toEqual([
      expect.stringMatching(/failed a batch: disk gremlins/) as unknown as string,
    ]);
    await pipeline.stop();
  });

  it('folds inline a batch structured clone refuses, and keeps the worker for the next', async () => {
    const dir = tempDir();
    const [first, ...rest] = oddSpans();
    (first!.attributes as Record<string, unknown>)['fn'] = () => 'not data';
    const pipeline = pipelineFor(dir);
    submitAll(pipeline, [first!, ...rest]);
    await pipeline.flush();
    expect(pipeline.stats.bundlesWritten).toBe(2);
    expect(warnings).toEqual([
      expect.stringMatching(/could not be sent to the worker/) as unknown as string,
    ]);
    expect(pipeline.stats.foldedInline).toBe(2);
    submitAll(pipeline, oddSpans());
    await pipeline.flush();
    expect(pipeline.stats.bundlesWritten).toBe(4);
    expect(pipeline.stats.foldedInline).toBe(2); // the next batch went to the worker
    await pipeline.stop();
  });

  it('folds inline while the worker is more than 20 000 spans behind', async () => {
    const dir = tempDir();
    const silent = "require('node:worker_threads').parentPort.on('message', () => undefined)";
    const pipeline = pipelineFor(dir, fakeWorker(silent));
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    const tracer = provider.getTracer('big');
    const root = tracer.startSpan('big run', { attributes: { [sc.ATTR_RUN_ID]: 'big' } });
    const ctx = trace.setSpan(context.active(), root);
    for (let i = 0; i < 20_000; i++) tracer.startSpan(`s${i}`, {}, ctx).end();
    root.end();
    pipeline.submit(memory.getFinishedSpans(), false); // to the worker, which never answers
    await new Promise((r) => setImmediate(r));
    submitAll(pipeline, oddSpans()); // the worker is 20 001 spans behind: inline
    await waitUntil(() => pipeline.stats.bundlesWritten === 2, 'the inline bundles');
    expect(bundlesIn(dir)).toHaveLength(2);
    expect(pipeline.stats.foldedInline).toBe(2);
    await pipeline.stop();
  });

  it('returns from forceFlush and shutdown with failure when the worker never answers', async () => {
    const silent = "require('node:worker_threads').parentPort.on('message', () => undefined)";
    const exporter = new RunBundleSpanExporter({
      sink: new FileBundleSink({ directory: tempDir() }),
      flushTimeoutMs: 200,
      quietPeriodMs: 0,
    });
    // Swap in a worker that takes batches and never answers.
    const internals = exporter as unknown as { pipeline: BundlePipeline; options: never };
    internals.pipeline = new BundlePipeline(
      resolveFoldingOptions('test', {
        sink: new FileBundleSink({ directory: tempDir() }),
        flushTimeoutMs: 200,
      }),
      'test',
      fakeWorker(silent),
    );
    (exporter as unknown as { buffer: { pipeline: BundlePipeline } }).buffer.pipeline =
      internals.pipeline;
    exporter.export(oddSpans(), () => undefined);
    const started = Date.now();
    await expect(exporter.forceFlush()).rejects.toThrow(/timed out after 200 ms/);
    await expect(exporter.shutdown()).rejects.toThrow(/timed out/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('never keeps the process alive, and finishes what it was given before a natural exit', async () => {
    const dir = tempDir();
    const child = spawnProcess(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        join(here, 'fixtures/exit-without-shutdown.ts'),
        dir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(output).toBe('');
    expect(code).toBe(0);
    // One bundle flushed, one left in flight when the script's last line ran.
    await waitUntil(() => bundlesIn(dir).length === 2, 'two bundles');
    for (const text of contents(dir)) expect(verifyBundle(text).ok).toBe(true);
  }, 60_000); // a child process loading TypeScript through tsx: slow on a loaded machine
});
