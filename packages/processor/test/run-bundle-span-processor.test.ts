import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { verifyBundle, type RunBundle } from '@llm-workbench/bundle';
import { FileBundleSink, type BundleSink } from '@llm-workbench/sink';
import { RunBundleSpanExporter, RunBundleSpanProcessor } from '../src/index.js';
import { recordRawRun, tempDir } from './helpers.js';

function bundlesIn(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.json'));
}

describe('RunBundleSpanProcessor', () => {
  it('writes one verified bundle per finished run trace', async () => {
    const dir = tempDir();
    const processor = new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: dir }) });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const traceId = recordRawRun(provider.getTracer('test'));
    await provider.forceFlush();
    expect(bundlesIn(dir)).toEqual([`${traceId}.json`]);
    const text = readFileSync(join(dir, `${traceId}.json`), 'utf8');
    const result = verifyBundle(text);
    expect(result.ok).toBe(true);
    const bundle = JSON.parse(text) as RunBundle;
    expect(bundle.run).toMatchObject({
      traceId,
      runId: 'run-1',
      name: 'newsletter',
      complete: true,
      spanCount: 4,
    });
    expect(bundle.run.workflowSnapshot).toMatchObject({ id: 'newsletter', revision: 'r7' });
    expect(bundle.steps.map((s) => s.stepId)).toEqual(['draft', 'review']);
    expect(bundle.model_io).toHaveLength(2);
    const receipts = bundle.model_io.map((m) => [
      m.source,
      m.provider,
      m.model,
      m.usage.inputTokens,
      m.stepId,
    ]);
    expect(receipts.sort()).toEqual([
      ['event', 'fake', 'fake-1', 120, 'draft'],
      ['span', 'fake', 'fake-2', 10, 'draft'],
    ]);
    expect(bundle.events.filter((e) => e.type === 'human_gate_resolved')).toMatchObject([
      { gateId: 'review', decision: 'approved', actor: 'editor@example.com', stepId: 'review' },
    ]);
    expect(bundle.diagnostics).toEqual([]);
    await provider.shutdown();
  });

  it('writes nothing for traces without a run or a GenAI span', async () => {
    const dir = tempDir();
    const processor = new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: dir }) });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    provider.getTracer('t').startSpan('GET /health').end();
    await provider.forceFlush();
    expect(bundlesIn(dir)).toEqual([]);
    await provider.shutdown();
  });

  it('folds a trace whose child never ends after the idle timeout, marked incomplete', async () => {
    const dir = tempDir();
    const processor = new RunBundleSpanProcessor({
      sink: new FileBundleSink({ directory: dir }),
      idleTimeoutMs: 50,
    });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer('t');
    const run = tracer.startSpan('run', { attributes: { 'workbench.run.id': 'r' } });
    const { trace, context } = await import('@opentelemetry/api');
    tracer.startSpan('never ends', {}, trace.setSpan(context.active(), run));
    run.end();
    const file = await waitUntil(() => bundlesIn(dir)[0], 'a bundle');
    const bundle = JSON.parse(readFileSync(join(dir, file), 'utf8')) as RunBundle;
    expect(bundle.run.complete).toBe(false);
    expect(bundle.diagnostics.map((d) => d.code)).toContain('folded_early');
    await processor.forceFlush(); // stats arrive with the worker's answer, just after the file
    expect(processor.stats.incomplete).toBe(1);
    await provider.shutdown();
  });

  it('folds unfinished traces at shutdown, once, and ignores spans after it', async () => {
    const dir = tempDir();
    const processor = new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: dir }) });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const run = provider
      .getTracer('t')
      .startSpan('run', { attributes: { 'workbench.run.id': 'r' } });
    const first = processor.shutdown();
    expect(processor.shutdown()).toBe(first);
    await first;
    run.end();
    expect(bundlesIn(dir)).toHaveLength(0); // the run span had not ended: nothing of it was buffered
  });

  it('returns from forceFlush and shutdown with failure when the sink hangs', async () => {
    const hanging: BundleSink = { write: () => new Promise(() => undefined) };
    const processor = new RunBundleSpanProcessor({ sink: hanging, flushTimeoutMs: 100 });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    recordRawRun(provider.getTracer('t'));
    const started = Date.now();
    await expect(processor.forceFlush()).rejects.toThrow(/timed out after 100 ms/);
    await expect(processor.shutdown()).rejects.toThrow(/timed out/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('never throws into user code when the sink throws or rejects', async () => {
    const throwing: BundleSink = {
      write: () => {
        throw new Error('disk on fire');
      },
    };
    const processor = new RunBundleSpanProcessor({ sink: throwing });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    expect(() => recordRawRun(provider.getTracer('t'))).not.toThrow();
    await processor.forceFlush();
    expect(processor.stats.sinkErrors).toBe(1);
    await provider.shutdown();
  });

  it('drops spans beyond the caps but the run span, counts them, and marks the bundle incomplete', async () => {
    const written: RunBundle[] = [];
    const sink: BundleSink = {
      write: async (b) => (written.push(b), { status: 'written', location: 'mem' }),
    };
    const processor = new RunBundleSpanProcessor({ sink, maxSpansPerTrace: 2, maxOpenTraces: 1 });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer('t');
    const { trace, context } = await import('@opentelemetry/api');
    const run = tracer.startSpan('run', { attributes: { 'workbench.run.id': 'r' } });
    const other = tracer.startSpan('other trace root'); // refused: one open trace at most
    const ctx = trace.setSpan(context.active(), run);
    for (let i = 0; i < 4; i++)
      tracer.startSpan(`chat ${i}`, { attributes: { 'gen_ai.operation.name': 'chat' } }, ctx).end();
    run.end();
    other.end();
    await processor.forceFlush();
    expect(written).toHaveLength(1);
    expect(written[0]!.run.complete).toBe(false);
    // Two chat spans, and the run span past the cap: it ends last, and it is the run.
    expect(written[0]!.run.spanCount).toBe(3);
    expect(written[0]!.run.runId).toBe('r');
    expect(written[0]!.diagnostics.map((d) => d.code)).not.toContain('missing_root');
    // The bundle says what was cut: two chat spans of the run's trace, at the cap of two.
    expect(written[0]!.diagnostics.filter((d) => d.code === 'spans_dropped')).toEqual([
      expect.objectContaining({
        count: 2,
        message: '2 spans of the trace were dropped at the cap of 2 spans per trace',
      }),
    ]);
    expect(processor.stats.droppedSpans).toBeGreaterThanOrEqual(3);
    expect(processor.stats.droppedTraces).toBe(1);
    await provider.shutdown();
  });

  it('refuses bad options at construction, quoting the value', () => {
    expect(
      () =>
        new RunBundleSpanProcessor({
          sink: { write: async () => ({ status: 'written', location: '' }) },
          idleTimeoutMs: -1,
        }),
    ).toThrow(/idleTimeoutMs must be a positive number, got -1/);
    expect(() => new RunBundleSpanProcessor({} as never)).toThrow(/sink/);
  });
});

describe('RunBundleSpanExporter', () => {
  it('gives the same bundle bytes as the processor for the same spans', async () => {
    const memory = new InMemorySpanExporter();
    const dirA = tempDir();
    const dirB = tempDir();
    const processor = new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: dirA }) });
    const provider = new BasicTracerProvider({
      spanProcessors: [processor, new SimpleSpanProcessor(memory)],
    });
    const traceId = recordRawRun(provider.getTracer('t'));
    await provider.forceFlush();
    const exporter = new RunBundleSpanExporter({
      sink: new FileBundleSink({ directory: dirB }),
      quietPeriodMs: 20,
    });
    const spans = memory.getFinishedSpans();
    // Two batches, reversed order: assembly must not depend on arrival.
    exporter.export(spans.slice(2).reverse(), () => undefined);
    exporter.export(spans.slice(0, 2), () => undefined);
    await waitUntil(() => bundlesIn(dirB).length === 1, 'the exporter bundle');
    await exporter.forceFlush();
    const a = readFileSync(join(dirA, `${traceId}.json`), 'utf8');
    const b = readFileSync(join(dirB, `${traceId}.json`), 'utf8');
    expect(b).toBe(a);
    await exporter.shutdown();
    await provider.shutdown();
  });
});
