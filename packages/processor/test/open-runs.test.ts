import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { context, trace, type SpanContext, type Tracer } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import * as sc from '@llm-workbench/semconv';
import {
  bundleRun,
  decodeSegmentFile,
  foldRun,
  runSegmentOf,
  sealBundle,
  segmentFileName,
  serializeBundle,
  summarizeBundle,
  verifyBundle,
  type RunBundle,
} from '@llm-workbench/bundle';
import {
  RunBundleSpanExporter,
  RunBundleSpanProcessor,
  spanRecordFromReadableSpan,
  type BundleFoldingOptions,
} from '../src/index.js';
import { FileBundleSink } from '@llm-workbench/sink';
import { OpenRunStore } from '../src/open-run-store.js';
import { tempDir } from './helpers.js';

const HOUR = 3_600_000;

/**
 * Records one segment of run `runId` with the raw API and the wire contract, as the
 * instrumentation's suspend/resume writes it: a run span with the segment number and state (and
 * a link to the previous segment's run span), a step, and a gate event.
 */
function recordSegment(
  tracer: Tracer,
  o: {
    runId: string;
    segment: number;
    state: 'suspended' | 'ended';
    previous?: SpanContext;
    base: number;
    gate?: 'request' | 'resolve';
  },
): SpanContext {
  const run = tracer.startSpan(
    'run newsletter',
    {
      root: true,
      startTime: o.base,
      attributes: {
        [sc.ATTR_RUN_ID]: o.runId,
        [sc.ATTR_RUN_NAME]: 'newsletter',
        [sc.ATTR_RUN_SEGMENT]: o.segment,
      },
      links:
        o.previous === undefined
          ? []
          : [
              {
                context: o.previous,
                attributes: { [sc.ATTR_LINK_KIND]: sc.LINK_KIND_PREVIOUS_SEGMENT },
              },
            ],
    },
    context.active(),
  );
  const step = tracer.startSpan(
    'step review',
    {
      startTime: o.base + 1,
      attributes: { [sc.ATTR_STEP_ID]: 'review', [sc.ATTR_STEP_KIND]: 'human' },
    },
    trace.setSpan(context.active(), run),
  );
  if (o.gate === 'request') {
    step.addEvent(sc.EVENT_GATE_REQUESTED, { [sc.ATTR_GATE_ID]: 'review' }, o.base + 2);
  } else if (o.gate === 'resolve') {
    step.addEvent(
      sc.EVENT_GATE_RESOLVED,
      {
        [sc.ATTR_GATE_ID]: 'review',
        [sc.ATTR_GATE_DECISION]: 'approved',
        [sc.ATTR_GATE_ACTOR]: 'editor@example.com',
      },
      o.base + 2,
    );
  }
  step.end(o.base + 3);
  run.setAttribute(sc.ATTR_RUN_SEGMENT_STATE, o.state);
  if (o.state === 'ended') run.setStatus({ code: 1 });
  run.end(o.base + 4);
  return run.spanContext();
}

/** One "process": a provider with the processor over `dir`, and a copy of every span it ended. */
function processWith(dir: string, options: Partial<BundleFoldingOptions> = {}) {
  const processor = new RunBundleSpanProcessor({
    sink: new FileBundleSink({ directory: dir }),
    ...options,
  });
  const copy = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [processor, new SimpleSpanProcessor(copy)],
  });
  return { processor, provider, tracer: provider.getTracer('test'), copy };
}

const bundlesIn = (dir: string): string[] =>
  readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('.'));
const runDir = (dir: string, runId: string): string =>
  join(dir, '.open-runs', createHash('sha256').update(runId).digest('hex'));

describe('RunBundleSpanProcessor with runs that span traces', () => {
  it('holds suspended segments across process restarts and writes one bundle when the run ends', async () => {
    const dir = tempDir();
    const base = Date.now() - 3 * HOUR;
    const all = [];

    const p1 = processWith(dir);
    const seg1 = recordSegment(p1.tracer, {
      runId: 'run-x',
      segment: 1,
      state: 'suspended',
      base,
      gate: 'request',
    });
    all.push(...p1.copy.getFinishedSpans()); // the copy is cleared at shutdown
    await p1.provider.shutdown();
    expect(bundlesIn(dir)).toEqual([]);
    expect(p1.processor.stats.segmentsHeld).toBe(1);
    expect(readdirSync(runDir(dir, 'run-x'))).toEqual([`segment-1-${seg1.traceId}.json`]);

    const p2 = processWith(dir);
    const seg2 = recordSegment(p2.tracer, {
      runId: 'run-x',
      segment: 2,
      state: 'suspended',
      previous: seg1,
      base: base + HOUR,
    });
    all.push(...p2.copy.getFinishedSpans()); // the copy is cleared at shutdown
    await p2.provider.shutdown();
    expect(bundlesIn(dir)).toEqual([]);

    const p3 = processWith(dir);
    recordSegment(p3.tracer, {
      runId: 'run-x',
      segment: 3,
      state: 'ended',
      previous: seg2,
      base: base + 2 * HOUR,
      gate: 'resolve',
    });
    await p3.provider.forceFlush();
    all.push(...p3.copy.getFinishedSpans());

    expect(bundlesIn(dir)).toEqual([`${seg1.traceId}.json`]);
    const text = readFileSync(join(dir, `${seg1.traceId}.json`), 'utf8');
    expect(verifyBundle(text).ok).toBe(true);
    const bundle = JSON.parse(text) as RunBundle;
    expect(bundle.run).toMatchObject({ traceId: seg1.traceId, runId: 'run-x', complete: true });
    expect(bundle.run.segments?.map((g) => [g.segment, g.state])).toEqual([
      [1, 'suspended'],
      [2, 'suspended'],
      [3, 'ended'],
    ]);
    expect(bundle.diagnostics).toEqual([]);
    const gate = summarizeBundle(bundle).gates.get('review');
    expect(gate).toMatchObject({ state: 'resolved', waitMs: 2 * HOUR });
    // The same bytes as folding every segment's spans at once, as any other door does.
    expect(text).toBe(serializeBundle(sealBundle(foldRun(all.map(spanRecordFromReadableSpan)))));
    // What was held of the run is gone.
    expect(existsSync(runDir(dir, 'run-x'))).toBe(false);
    await p3.provider.shutdown();
  });

  it('folds a segment held before the shared file format (version 1) with those held after it', async () => {
    const dir = tempDir();
    // Segment 2 of run-seg as the processor wrote it before: a version-1 file.
    const v1 = readFileSync(
      new URL('../../bundle/test/fixtures/segment-files/processor-v1.json', import.meta.url),
      'utf8',
    );
    const old = decodeSegmentFile(v1);
    mkdirSync(runDir(dir, 'run-seg'), { recursive: true });
    writeFileSync(join(runDir(dir, 'run-seg'), segmentFileName(old.segment)), v1);
    const base = Date.now() - 3 * HOUR;
    const p = processWith(dir);
    const seg1 = recordSegment(p.tracer, {
      runId: 'run-seg',
      segment: 1,
      state: 'suspended',
      base,
      gate: 'request',
    });
    await p.provider.forceFlush();
    recordSegment(p.tracer, {
      runId: 'run-seg',
      segment: 3,
      state: 'ended',
      base: base + 2 * HOUR,
      gate: 'resolve',
    });
    await p.provider.forceFlush();
    const spans = [...p.copy.getFinishedSpans().map(spanRecordFromReadableSpan), ...old.spans];
    expect(bundlesIn(dir)).toEqual([`${seg1.traceId}.json`]);
    const text = readFileSync(join(dir, `${seg1.traceId}.json`), 'utf8');
    expect(text).toBe(
      serializeBundle(
        sealBundle(foldRun(spans, { truncated: true, logEvents: [...old.logEvents] })),
      ),
    );
    expect((JSON.parse(text) as RunBundle).run.segments?.map((g) => g.segment)).toEqual([1, 2, 3]);
    await p.provider.shutdown();
  });

  it('writes an incomplete bundle saying what is missing when an open run expires', async () => {
    const dir = tempDir();
    const p1 = processWith(dir, { openRuns: { maxAgeMs: 1 } });
    const seg1 = recordSegment(p1.tracer, {
      runId: 'run-old',
      segment: 1,
      state: 'suspended',
      base: Date.now() - HOUR,
      gate: 'request',
    });
    await expect
      .poll(async () => {
        await p1.provider.forceFlush();
        return bundlesIn(dir);
      })
      .toEqual([`${seg1.traceId}.json`]);
    const bundle = JSON.parse(readFileSync(join(dir, `${seg1.traceId}.json`), 'utf8')) as RunBundle;
    expect(bundle.run.complete).toBe(false);
    expect(bundle.diagnostics.map((d) => d.code)).toContain('run_not_ended');
    expect(summarizeBundle(bundle).gates.get('review')?.state).toBe('pending');
    expect(p1.processor.stats.openRunsCutShort).toBe(1);
    expect(existsSync(runDir(dir, 'run-old'))).toBe(false);
    await p1.provider.shutdown();
  });

  it('keeps the count of spans a segment dropped at the cap on disk, and adds them up in the run', async () => {
    const dir = tempDir();
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
    const tracer = provider.getTracer('test');
    const base = Date.now() - HOUR;
    const seg1 = recordSegment(tracer, { runId: 'run-cut', segment: 1, state: 'suspended', base });
    const spans1 = memory.getFinishedSpans().map(spanRecordFromReadableSpan);
    memory.reset();
    recordSegment(tracer, {
      runId: 'run-cut',
      segment: 2,
      state: 'ended',
      previous: seg1,
      base: base + 1000,
    });
    const spans2 = memory.getFinishedSpans().map(spanRecordFromReadableSpan);
    const options = { directory: dir, maxOpenRuns: 10, maxRunBytes: 1 << 20, maxAgeMs: HOUR };
    const first = new OpenRunStore(options);
    expect(
      await first.add(runSegmentOf(spans1)!, spans1, [], true, { count: 3, limit: 10 }),
    ).toBeNull();
    // Another process, as after a restart: segment 1's count comes back from its file.
    const second = new OpenRunStore(options);
    const ready = await second.add(runSegmentOf(spans2)!, spans2, [], true, {
      count: 4,
      limit: 10,
    });
    expect(ready?.droppedSpans).toEqual({ count: 7, limit: 10 });
    const bundle = bundleRun(ready!.spans, { truncated: true, droppedSpans: ready!.droppedSpans });
    expect(bundle.run.complete).toBe(false);
    expect(bundle.diagnostics.filter((d) => d.code === 'spans_dropped')).toEqual([
      expect.objectContaining({ count: 7 }),
    ]);
    await provider.shutdown();
  });

  it('folds a segment alone with openRuns: false', async () => {
    const dir = tempDir();
    const p = processWith(dir, { openRuns: false });
    const seg1 = recordSegment(p.tracer, {
      runId: 'r',
      segment: 1,
      state: 'suspended',
      base: Date.now() - 1000,
    });
    await p.provider.forceFlush();
    expect(bundlesIn(dir)).toEqual([`${seg1.traceId}.json`]);
    expect(existsSync(join(dir, '.open-runs'))).toBe(false);
    await p.provider.shutdown();
  });

  it('folds a segment of one run too many alone, and counts it', async () => {
    const dir = tempDir();
    const p = processWith(dir, { openRuns: { maxOpenRuns: 1 } });
    recordSegment(p.tracer, {
      runId: 'first',
      segment: 1,
      state: 'suspended',
      base: Date.now() - 1000,
    });
    await p.provider.forceFlush();
    const second = recordSegment(p.tracer, {
      runId: 'second',
      segment: 1,
      state: 'suspended',
      base: Date.now() - 900,
    });
    await p.provider.forceFlush();
    expect(bundlesIn(dir)).toEqual([`${second.traceId}.json`]);
    expect(p.processor.stats).toMatchObject({ segmentsHeld: 1, openRunsCutShort: 1 });
    await p.provider.shutdown();
  });

  it('folds a run as it is when it grows past its byte limit', async () => {
    const dir = tempDir();
    const p = processWith(dir, { openRuns: { maxRunBytes: 100 } });
    const seg1 = recordSegment(p.tracer, {
      runId: 'big',
      segment: 1,
      state: 'suspended',
      base: Date.now() - 1000,
    });
    await p.provider.forceFlush();
    expect(bundlesIn(dir)).toEqual([`${seg1.traceId}.json`]);
    expect(p.processor.stats.openRunsCutShort).toBe(1);
    await p.provider.shutdown();
  });

  it('skips an unreadable segment file, reports it, and never throws', async () => {
    const dir = tempDir();
    const held = runDir(dir, 'run-bad');
    mkdirSync(held, { recursive: true });
    writeFileSync(join(held, `segment-1-${'a'.repeat(32)}.json`), '{not json');
    const p = processWith(dir);
    const seg2 = recordSegment(p.tracer, {
      runId: 'run-bad',
      segment: 2,
      state: 'ended',
      base: Date.now() - 1000,
    });
    await p.provider.forceFlush();
    expect(p.processor.stats.openRunErrors).toBeGreaterThanOrEqual(1);
    expect(bundlesIn(dir)).toEqual([]);
    expect(readdirSync(held).sort()).toEqual(
      [`segment-1-${'a'.repeat(32)}.json`, `segment-2-${seg2.traceId}.json`].sort(),
    );
    await p.provider.shutdown();
  });

  it('refuses bad openRuns options at construction, quoting them', () => {
    const sink = new FileBundleSink({ directory: tempDir() });
    expect(() => new RunBundleSpanProcessor({ sink, openRuns: { maxAgeMs: -1 } })).toThrow(/-1/);
    expect(() => new RunBundleSpanProcessor({ sink, openRuns: { directory: '' } })).toThrow(
      /directory/,
    );
  });
});

describe('RunBundleSpanExporter with runs that span traces', () => {
  it('holds segments across restarts and writes the same bundle, byte for byte, as the processor', async () => {
    const viaProcessor = tempDir();
    const viaExporter = tempDir();
    const base = Date.now() - 3 * HOUR;
    /** One "process": the processor over one folder and the exporter over another, fed alike. */
    const both = () => {
      const processor = new RunBundleSpanProcessor({
        sink: new FileBundleSink({ directory: viaProcessor }),
      });
      const exporter = new RunBundleSpanExporter({
        sink: new FileBundleSink({ directory: viaExporter }),
        quietPeriodMs: 0,
      });
      const provider = new BasicTracerProvider({
        spanProcessors: [processor, new SimpleSpanProcessor(exporter)],
      });
      return { exporter, provider, tracer: provider.getTracer('test') };
    };

    const p1 = both();
    const seg1 = recordSegment(p1.tracer, {
      runId: 'run-e',
      segment: 1,
      state: 'suspended',
      base,
      gate: 'request',
    });
    await p1.provider.shutdown();
    const p2 = both();
    const seg2 = recordSegment(p2.tracer, {
      runId: 'run-e',
      segment: 2,
      state: 'suspended',
      previous: seg1,
      base: base + HOUR,
    });
    await p2.provider.shutdown();
    expect(bundlesIn(viaExporter)).toEqual([]);
    expect(readdirSync(runDir(viaExporter, 'run-e')).length).toBe(2);

    const p3 = both();
    recordSegment(p3.tracer, {
      runId: 'run-e',
      segment: 3,
      state: 'ended',
      previous: seg2,
      base: base + 2 * HOUR,
      gate: 'resolve',
    });
    await p3.provider.shutdown();
    expect(p3.exporter.stats.segmentsHeld).toBe(0);

    const name = `${seg1.traceId}.json`;
    expect(bundlesIn(viaExporter)).toEqual([name]);
    expect(bundlesIn(viaProcessor)).toEqual([name]);
    const text = readFileSync(join(viaExporter, name), 'utf8');
    expect(text).toBe(readFileSync(join(viaProcessor, name), 'utf8'));
    const bundle = JSON.parse(text) as RunBundle;
    expect(bundle.run.complete).toBe(true);
    expect(bundle.run.segments?.map((s) => s.segment)).toEqual([1, 2, 3]);
    expect(summarizeBundle(bundle).gates.get('review')).toMatchObject({
      state: 'resolved',
      waitMs: 2 * HOUR,
    });
    expect(existsSync(runDir(viaExporter, 'run-e'))).toBe(false);
  });
});
