import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { context, diag, DiagLogLevel, trace } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, type IdGenerator } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { verifyBundle, type RunBundle } from '@llm-workbench/bundle';
import { RunBundleLogRecordProcessor, RunBundleSpanProcessor } from '../src/index.js';
import { FileBundleSink } from '@llm-workbench/sink';
import { recordRawRun, tempDir, type EmitEvent } from './helpers.js';

const BASE = Date.UTC(2026, 10, 26, 10, 0, 0);

/** The same ids on every recording, so two recordings of one run can give one hash. */
function fixedIds(): IdGenerator {
  let n = 0;
  return {
    generateTraceId: () => '4bf92f3577b34da6a3ce929d0e0e4736',
    generateSpanId: () => (++n).toString(16).padStart(16, '0'),
  };
}

/** Records the raw run in process, its events as span events or as log records; its bundle. */
async function recordInProcess(mode: 'span' | 'log'): Promise<RunBundle> {
  const dir = tempDir();
  const spans = new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: dir }) });
  const provider = new BasicTracerProvider({ spanProcessors: [spans], idGenerator: fixedIds() });
  const logs = new LoggerProvider({ processors: [new RunBundleLogRecordProcessor(spans)] });
  const logger = logs.getLogger('test');
  const asLog: EmitEvent = (span, name, attributes, time) =>
    logger.emit({
      eventName: name,
      timestamp: time,
      attributes,
      context: trace.setSpan(context.active(), span),
    });
  const traceId = recordRawRun(
    provider.getTracer('test'),
    'run-1',
    mode === 'log' ? asLog : undefined,
    BASE,
  );
  await provider.forceFlush();
  await provider.shutdown();
  await logs.shutdown();
  expect(spans.stats.droppedLogEvents).toBe(0);
  const text = readFileSync(join(dir, `${traceId}.json`), 'utf8');
  expect(verifyBundle(text).ok).toBe(true);
  return JSON.parse(text) as RunBundle;
}

describe('RunBundleLogRecordProcessor', () => {
  it('folds a run recorded as log records to the bundle span events give, byte for byte', async () => {
    const fromSpans = await recordInProcess('span');
    const fromLogs = await recordInProcess('log');
    expect(fromSpans.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['human_gate_requested', 'human_gate_resolved', 'artifact']),
    );
    expect(fromSpans.model_io.length).toBe(2);
    expect(fromLogs).toEqual(fromSpans);
    expect(fromLogs.integrity.sha256).toBe(fromSpans.integrity.sha256);
  });

  it('folds log events whose span never ends here as every door does: flagged, the run folded early; never throws', async () => {
    const hashes: string[] = [];
    for (const worker of [true, false]) {
      const dir = tempDir();
      const spans = new RunBundleSpanProcessor({
        sink: new FileBundleSink({ directory: dir }),
        worker,
      });
      const provider = new BasicTracerProvider({
        spanProcessors: [spans],
        idGenerator: fixedIds(),
      });
      const processor = new RunBundleLogRecordProcessor(spans);
      const warnings: string[] = [];
      diag.setLogger(
        {
          error: (...args: unknown[]) => warnings.push(args.join(' ')),
          warn: (...args: unknown[]) => warnings.push(args.join(' ')),
          info: () => {},
          debug: () => {},
          verbose: () => {},
        },
        { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
      );
      try {
        const tracer = provider.getTracer('test');
        const traceId = recordRawRun(
          tracer,
          'run-1',
          (span, name, a, time) => {
            span.addEvent(name, a, time);
            // A record naming a span of this trace that never ends here, and odd records.
            processor.onEmit({
              hrTime: [Math.floor(time / 1000), (time % 1000) * 1_000_000],
              eventName: name,
              attributes: a,
              spanContext: {
                traceId: span.spanContext().traceId,
                spanId: 'ffffffffffffffff',
                traceFlags: 1,
              },
            });
            expect(() =>
              processor.onEmit(null as unknown as Parameters<typeof processor.onEmit>[0]),
            ).not.toThrow();
            processor.onEmit({ hrTime: [0, 0], eventName: 'app.click', attributes: {} });
          },
          BASE,
        );
        await provider.forceFlush();
        const text = readFileSync(join(dir, `${traceId}.json`), 'utf8');
        expect(verifyBundle(text).ok).toBe(true);
        const bundle = JSON.parse(text) as RunBundle;
        expect(bundle.steps.map((s) => s.stepId)).toEqual(['draft', 'review']);
        // Kept out of the fold, each one flagged, and the run incomplete: what the receiver and
        // `workbench import otlp` fold of the same records (their span never arrives there).
        expect(bundle.run.complete).toBe(false);
        const flagged = bundle.diagnostics.filter((d) => d.code === 'log_event_without_span');
        expect(flagged.length).toBe(5);
        expect(flagged.every((d) => d.message.includes('ffffffffffffffff'))).toBe(true);
        expect(bundle.diagnostics.map((d) => d.code)).toContain('folded_early');
        expect(spans.stats.droppedLogEvents).toBe(0);
        expect(warnings).toEqual([]);
        await provider.shutdown();
        hashes.push(bundle.integrity.sha256);
      } finally {
        diag.disable();
      }
    }
    // The worker thread and the inline fold give the same bytes.
    expect(hashes[0]).toBe(hashes[1]);
  });
});
