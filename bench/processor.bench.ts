/**
 * Target 1 of issue #6: adding RunBundleSpanProcessor to the stock pipeline costs at most 1.15×
 * the stock pipeline's time per span, bundle writing included; onEnd p99 under 50 µs.
 *
 * Stock pipeline: BasicTracerProvider + BatchSpanProcessor + OTLP JSON serialization (the
 * serializer the OTLP/HTTP exporter uses; the bytes are discarded, so no network is measured).
 * Workload: runs of 10 spans (a run span and 9 step spans), 8 attributes and 2 events per span.
 * Run: node --conditions=source --import tsx bench/processor.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { FileBundleSink, RunBundleSpanProcessor } from '@llm-workbench/processor';
import * as sc from '@llm-workbench/semconv';
import type { BenchResult } from './result.js';

class SerializingExporter implements SpanExporter {
  bytes = 0;
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    const body = JsonTraceSerializer.serializeRequest(spans);
    this.bytes += body?.byteLength ?? 0;
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Times each onEnd call of the wrapped processor. */
class TimedProcessor implements SpanProcessor {
  readonly samples: number[] = [];
  constructor(private readonly inner: SpanProcessor) {}
  onStart(...args: Parameters<SpanProcessor['onStart']>): void {
    this.inner.onStart(...args);
  }
  onEnd(span: ReadableSpan): void {
    const t = process.hrtime.bigint();
    this.inner.onEnd(span);
    this.samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

function recordRun(tracer: Tracer, i: number): void {
  const run = tracer.startSpan('run bench', {
    attributes: {
      [sc.ATTR_RUN_ID]: `run-${i}`,
      [sc.ATTR_RUN_NAME]: 'bench',
      'app.tenant': 'acme',
      'app.region': 'eu-west-1',
      'app.attempt': 1,
      'app.priority': 0.5,
      'app.flag': true,
      'app.user': 'user-42',
    },
  });
  run.addEvent(sc.EVENT_WORKFLOW_SNAPSHOT, {
    [sc.ATTR_WORKFLOW_ID]: 'bench',
    [sc.ATTR_WORKFLOW_REVISION]: '1',
    [sc.ATTR_WORKFLOW_DEFINITION]: '{"nodes":[{"id":"s0"},{"id":"s1"}],"edges":[["s0","s1"]]}',
  });
  run.addEvent('app.note', { 'app.message': 'started' });
  const ctx = trace.setSpan(context.active(), run);
  for (let s = 0; s < 9; s++) {
    const step = tracer.startSpan(
      `step s${s}`,
      {
        attributes: {
          [sc.ATTR_STEP_ID]: `s${s}`,
          [sc.ATTR_STEP_KIND]: 'llm',
          'app.tenant': 'acme',
          'app.region': 'eu-west-1',
          'app.attempt': s,
          'app.priority': 0.25,
          'app.flag': false,
          'app.user': 'user-42',
        },
      },
      ctx,
    );
    step.addEvent(sc.EVENT_MODEL_IO, {
      [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'fake',
      [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'fake-1',
      [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 100 + s,
      [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 20,
      [sc.ATTR_MODEL_IO_DURATION_MS]: 12.5,
      [sc.ATTR_MODEL_IO_COST_AMOUNT]: 0.001,
      [sc.ATTR_MODEL_IO_COST_CURRENCY]: 'USD',
    });
    step.addEvent('app.note', { 'app.message': `step ${s}` });
    step.end();
  }
  run.end();
}

async function measure(
  withBundles: boolean,
  runs: number,
  dir: string,
): Promise<{ usPerSpan: number; onEnd: number[] }> {
  const exporter = new SerializingExporter();
  const processors: SpanProcessor[] = [
    new BatchSpanProcessor(exporter, {
      maxQueueSize: 1_000_000,
      maxExportBatchSize: 512,
      scheduledDelayMillis: 50,
    }),
  ];
  let timed: TimedProcessor | undefined;
  if (withBundles) {
    timed = new TimedProcessor(
      new RunBundleSpanProcessor({
        sink: new FileBundleSink({ directory: dir, fsync: process.env.BENCH_FSYNC !== '0' }),
        maxOpenTraces: 100_000,
      }),
    );
    processors.push(timed);
  }
  const provider = new BasicTracerProvider({ spanProcessors: processors });
  const tracer = provider.getTracer('bench');
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) {
    recordRun(tracer, i);
    // Yield now and then so that background work (batch export, folding, writes) runs inside the
    // measured window, as it would in a real app.
    if (i % 50 === 49) await new Promise((r) => setImmediate(r));
  }
  await provider.forceFlush();
  const elapsed = Number(process.hrtime.bigint() - start) / 1000;
  await provider.shutdown();
  return { usPerSpan: elapsed / (runs * 10), onEnd: timed?.samples ?? [] };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

function median(xs: number[]): number {
  return percentile(xs, 50);
}

/** Runs the A/B measurement and returns the figures. */
export async function benchProcessor(runs = 2000, rounds = 5): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'wb-bench-'));
  try {
    await measure(false, 200, dir); // warm-up
    await measure(true, 200, join(dir, 'warm'));
    const stock: number[] = [];
    const ours: number[] = [];
    const onEnd: number[] = [];
    for (let r = 0; r < rounds; r++) {
      stock.push((await measure(false, runs, dir)).usPerSpan);
      const m = await measure(true, runs, join(dir, `r${r}`));
      ours.push(m.usPerSpan);
      onEnd.push(...m.onEnd);
    }
    const s = median(stock);
    const o = median(ours);
    return [
      { name: 'stock pipeline (BSP + OTLP JSON)', value: s, unit: 'µs/span' },
      {
        name: 'stock + RunBundleSpanProcessor (bundles written)',
        value: o,
        unit: 'µs/span',
        baseline: 'stock pipeline (BSP + OTLP JSON)',
        ratio: o / s,
      },
      { name: 'RunBundleSpanProcessor.onEnd p50', value: percentile(onEnd, 50), unit: 'µs' },
      { name: 'RunBundleSpanProcessor.onEnd p99', value: percentile(onEnd, 99), unit: 'µs' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchProcessor()) {
    console.log(
      `${r.name.padEnd(52)} ${r.value.toFixed(2).padStart(9)} ${r.unit}${r.ratio !== undefined ? `   ratio ${r.ratio.toFixed(3)} vs ${r.baseline}` : ''}`,
    );
  }
}
