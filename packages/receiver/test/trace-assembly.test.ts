import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import {
  attributesFrom,
  foldRun,
  sealBundle,
  serializeBundle,
  verifyBundle,
  type RunBundle,
  type SpanRecord,
} from '@llm-workbench/bundle';
import type { BundleSink } from '@llm-workbench/sink';
import { startReceiver, type Receiver } from '../src/index.js';
import { bundleFiles, readBundleText, runRecords, sendSpans, tempDir } from './helpers.js';

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Marks spans as GenAI spans, so that a trace without its run span still deserves a bundle. */
function genAi(spans: SpanRecord[]): SpanRecord[] {
  return spans.map((s) => ({
    ...s,
    attributes: attributesFrom([
      ...Object.entries(s.attributes),
      ['gen_ai.operation.name', 'chat'],
    ]),
  }));
}

async function withReceiver<T>(
  options: Parameters<typeof startReceiver>[0],
  run: (r: Receiver, out: string) => Promise<T>,
): Promise<T> {
  const out = options?.outDir ?? tempDir();
  const receiver = await startReceiver({
    port: 0,
    dataDir: tempDir(),
    quietMs: 60_000,
    ...options,
    outDir: out,
  });
  try {
    return await run(receiver, out);
  } finally {
    await receiver.close();
  }
}

describe('trace assembly', () => {
  it('11. gives the same bundle bytes for any arrival order, split over many requests, with duplicates', async () => {
    const spans = runRecords(20);
    const traceId = (spans[0] as SpanRecord).traceId;
    const expected = serializeBundle(sealBundle(foldRun(spans)));
    for (const seed of [1, 2, 3]) {
      const text = await withReceiver({}, async (r, out) => {
        const order = shuffled([...spans, ...spans.slice(0, 7)], seed);
        for (let i = 0; i < order.length; i += 3) {
          const answer = await sendSpans(
            r.url,
            order.slice(i, i + 3),
            seed % 2 === 0 ? 'json' : 'protobuf',
            seed === 3,
          );
          expect(answer.status).toBe(200);
        }
        await r.flush();
        return readBundleText(out, `${traceId}.json`);
      });
      expect(text).toBe(expected);
    }
  });

  it('12. folds a trace without a root at its time-to-live, as incomplete, and counts it', async () => {
    await withReceiver({ ttlMs: 300, quietMs: 50 }, async (r, out) => {
      const orphans = genAi(runRecords(4).slice(1));
      expect((await sendSpans(r.url, orphans)).status).toBe(200);
      const name = await waitUntil(() => bundleFiles(out)[0], 'the expired bundle');
      const bundle = JSON.parse(readBundleText(out, name)) as RunBundle;
      expect(bundle.run.complete).toBe(false);
      await waitUntil(
        () => (r.metrics()['bundles_incomplete'] === 1 ? true : undefined),
        'the incomplete bundle to be counted',
      );
      expect(r.metrics()).toMatchObject({ traces_expired: 1, bundles_incomplete: 1 });
    });
  });

  it('12. folds the oldest open trace early when the cap on open traces is reached', async () => {
    await withReceiver({ maxOpenTraces: 2 }, async (r, out) => {
      const traces = [runRecords(3), runRecords(3), runRecords(3)];
      for (const t of traces) expect((await sendSpans(r.url, genAi(t.slice(1)))).status).toBe(200);
      const first = `${traces[0]?.[0]?.traceId}.json`;
      await waitUntil(
        () => (bundleFiles(out).includes(first) ? true : undefined),
        'the evicted bundle',
      );
      expect((JSON.parse(readBundleText(out, first)) as RunBundle).run.complete).toBe(false);
      expect(r.metrics()).toMatchObject({ traces_evicted: 1, open_traces: 2 });
    });
  });

  it('12. folds open traces early when the bytes held pass their cap, and keeps answering', async () => {
    await withReceiver({ maxBufferedBytes: 4 * 1024 }, async (r, out) => {
      const traces = Array.from({ length: 12 }, () => genAi(runRecords(4).slice(1)));
      for (const t of traces) expect([200, 503]).toContain((await sendSpans(r.url, t)).status);
      await waitUntil(
        () => ((r.metrics()['traces_evicted'] ?? 0) > 0 ? true : undefined),
        'an eviction',
      );
      const first = await waitUntil(() => bundleFiles(out)[0], 'an early bundle');
      expect((JSON.parse(readBundleText(out, first)) as RunBundle).run.complete).toBe(false);
      expect(r.metrics()['buffered_bytes']).toBeLessThan(32 * 1024);
      // Once the early folds are written, a retry (as the Collector does) gets through.
      const spans = runRecords(1);
      await waitUntil(
        async () => ((await sendSpans(r.url, spans)).status === 200 ? true : undefined),
        'a 200',
      );
    });
  });

  it('caps spans per trace, reports the dropped ones, and marks the bundle incomplete', async () => {
    await withReceiver({ maxSpansPerTrace: 3 }, async (r, out) => {
      const spans = runRecords(5);
      const answer = await sendSpans(r.url, spans);
      const partial = (
        JSON.parse(answer.body.toString()) as { partialSuccess: Record<string, string> }
      ).partialSuccess;
      expect(partial).toMatchObject({
        rejectedSpans: '2',
        errorMessage: expect.stringMatching(/cap of 3 spans per trace/),
      });
      await r.flush();
      const bundle = JSON.parse(readBundleText(out, `${spans[0]?.traceId}.json`)) as RunBundle;
      expect(bundle.run).toMatchObject({ complete: false, spanCount: 3 });
    });
  });

  it('13. never rewrites a written bundle: a late span within the window makes a revision beside it; later ones are dropped and reported', async () => {
    await withReceiver({ quietMs: 50, lateWindowMs: 400 }, async (r, out) => {
      const spans = runRecords(4);
      const traceId = (spans[0] as SpanRecord).traceId;
      const late = spans.pop() as SpanRecord;
      await sendSpans(r.url, spans);
      const primary = `${traceId}.json`;
      await waitUntil(
        () => (bundleFiles(out).includes(primary) ? true : undefined),
        'the first bundle',
      );
      const original = readBundleText(out, primary);

      // A duplicate of a folded span changes nothing.
      expect((await sendSpans(r.url, [spans[1] as SpanRecord])).status).toBe(200);
      // A new span within the late window: the trace is folded again, into a revision.
      expect((await sendSpans(r.url, [late])).status).toBe(200);
      const revision = await waitUntil(
        () => bundleFiles(out).find((f) => f !== primary),
        'the revision',
      );
      expect(revision).toMatch(new RegExp(`^${traceId}\\.[0-9a-f]{12}\\.json$`));
      expect(readBundleText(out, primary)).toBe(original);
      const revised = readBundleText(out, revision);
      expect(verifyBundle(revised).ok).toBe(true);
      expect((JSON.parse(revised) as RunBundle).run.spanCount).toBe(4);
      expect(revised).toBe(serializeBundle(sealBundle(foldRun([...spans, late]))));

      // After the window closes, a late span is dropped and reported, and no file changes.
      await waitUntil(
        () =>
          r.metrics()['lingering_traces'] === 0 &&
          r.metrics()['open_traces'] === 0 &&
          r.metrics()['folding_traces'] === 0
            ? true
            : undefined,
        'the late window to close',
      );
      const tooLate = { ...late, spanId: 'feedfacefeedface' };
      const answer = await sendSpans(r.url, [tooLate]);
      const partial = (
        JSON.parse(answer.body.toString()) as { partialSuccess: Record<string, string> }
      ).partialSuccess;
      expect(partial).toMatchObject({
        rejectedSpans: '1',
        errorMessage: expect.stringMatching(/late window closed/),
      });
      expect(bundleFiles(out)).toHaveLength(2);
      expect(r.metrics()).toMatchObject({ spans_dropped: 1, bundles_revision: 1 });
      expect(r.metrics()['spans_late']).toBeGreaterThanOrEqual(2);
    });
  });

  it('11. takes a span sent again in the other encoding as a duplicate: folded once, no revision, nothing reopened', async () => {
    await withReceiver({ quietMs: 50, lateWindowMs: 5_000 }, async (r, out) => {
      const spans = runRecords(4);
      const traceId = (spans[0] as SpanRecord).traceId;
      expect((await sendSpans(r.url, spans, 'json')).status).toBe(200);
      await waitUntil(() => (r.metrics()['lingering_traces'] === 1 ? true : undefined), 'the fold');
      const late = r.metrics()['spans_late'];
      // The Collector retries in protobuf what an SDK sent as JSON: the same spans, other bytes.
      expect((await sendSpans(r.url, spans.slice(1, 3), 'protobuf')).status).toBe(200);
      expect((await sendSpans(r.url, spans.slice(0, 2), 'json', true)).status).toBe(200);
      expect(r.metrics()).toMatchObject({ lingering_traces: 1, open_traces: 0, spans_late: late });
      await r.flush();
      expect(bundleFiles(out)).toEqual([`${traceId}.json`]);
      expect(r.metrics()).toMatchObject({ bundles_written: 1, bundles_unchanged: 0 });
    });
  });

  it('11. tells a retry from a new version of a span whichever earlier request brought it, in small and large traces', async () => {
    await withReceiver({}, async (r) => {
      // 30 spans in three requests (a large trace looks its ids up in a set), 6 in two.
      const large = runRecords(30);
      const small = runRecords(6);
      const requests = [
        large.slice(0, 10),
        large.slice(10, 20),
        large.slice(20),
        small.slice(0, 3),
        small.slice(3),
      ];
      for (const spans of requests)
        expect((await sendSpans(r.url, spans, 'protobuf')).status).toBe(200);
      const held = r.metrics()['buffered_bytes'] ?? NaN;
      // Retries, in the other encoding, of each request and of spans across two of them.
      for (const spans of [...requests, large.slice(5, 25), small.slice(1, 5)])
        expect((await sendSpans(r.url, spans, 'json')).status).toBe(200);
      expect(r.metrics()).toMatchObject({ buffered_bytes: held, open_traces: 2, spans_late: 0 });
      // A changed span of the middle request is a new version, kept.
      const changed = { ...(large[15] as SpanRecord), name: 'renamed' };
      expect((await sendSpans(r.url, [changed, small[4] as SpanRecord], 'protobuf')).status).toBe(
        200,
      );
      expect(r.metrics()['buffered_bytes']).toBeGreaterThan(held);
      const withChanged = r.metrics()['buffered_bytes'];
      expect((await sendSpans(r.url, [changed], 'json')).status).toBe(200);
      expect(r.metrics()['buffered_bytes']).toBe(withChanged);
    });
  });

  it('13. keeps a conflicting second version of a span id and folds it into a revision', async () => {
    await withReceiver({ quietMs: 50, lateWindowMs: 5_000 }, async (r, out) => {
      const spans = runRecords(3);
      const traceId = (spans[0] as SpanRecord).traceId;
      expect((await sendSpans(r.url, spans)).status).toBe(200);
      await waitUntil(() => (r.metrics()['lingering_traces'] === 1 ? true : undefined), 'the fold');
      const changed = { ...(spans[2] as SpanRecord), name: 'renamed' };
      expect((await sendSpans(r.url, [changed], 'protobuf')).status).toBe(200);
      const revision = await waitUntil(
        () => bundleFiles(out).find((f) => f !== `${traceId}.json`),
        'the revision',
      );
      expect(readBundleText(out, revision)).toBe(
        serializeBundle(sealBundle(foldRun([...spans, changed]))),
      );
      expect(r.metrics()['spans_late']).toBe(1);
    });
  });

  it('19. answers 503 while more traces wait to be folded than may be open, and recovers', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((ok) => (release = ok));
    const written: string[] = [];
    const sink: BundleSink = {
      async write(bundle) {
        await gate; // a sink that hangs until released
        written.push(bundle.run.traceId);
        return { status: 'written', location: `memory:${bundle.run.traceId}` };
      },
    };
    await withReceiver({ quietMs: 20, maxOpenTraces: 2, sink }, async (r) => {
      for (let i = 0; i < 3; i++) expect((await sendSpans(r.url, runRecords(2))).status).toBe(200);
      await waitUntil(() => (r.metrics()['folding_traces'] === 3 ? true : undefined), 'the folds');
      const refused = await sendSpans(r.url, runRecords(2));
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('2');
      release();
      await waitUntil(() => (written.length === 3 ? true : undefined), 'the bundles');
      await waitUntil(
        async () => ((await sendSpans(r.url, runRecords(2))).status === 200 ? true : undefined),
        'a 200',
      );
    });
  });

  it('15. folds the spans of a request whose spool write failed (answered 503) with their retry, once', async () => {
    const data = tempDir();
    await withReceiver({ dataDir: data, quietMs: 50 }, async (r, out) => {
      // The first segment cannot be written: a folder stands where its file goes.
      mkdirSync(join(data, 'spool', 'segment-000000000001.wal'));
      const spans = runRecords(5);
      const traceId = (spans[0] as SpanRecord).traceId;
      const children = spans.slice(1);
      expect((await sendSpans(r.url, children)).status).toBe(503);
      expect(r.metrics()['spool_errors']).toBe(1);
      expect((await sendSpans(r.url, children)).status).toBe(200); // the retry
      expect((await sendSpans(r.url, [spans[0] as SpanRecord])).status).toBe(200);
      await waitUntil(() => (bundleFiles(out).length > 0 ? true : undefined), 'the bundle');
      expect(bundleFiles(out)).toEqual([`${traceId}.json`]);
      expect(readBundleText(out, `${traceId}.json`)).toBe(
        serializeBundle(sealBundle(foldRun(spans))),
      );
    });
  });

  it('15. keeps serving while the sink fails, and writes the bundle once the sink works again', async () => {
    const base = tempDir();
    const out = join(base, 'out');
    await withReceiver({ outDir: out, quietMs: 50 }, async (r) => {
      // A file where the folder was (a bad --out is refused at start): no bundle can be written.
      rmSync(out, { recursive: true });
      writeFileSync(out, 'not a folder');
      const spans = runRecords(3);
      expect((await sendSpans(r.url, spans)).status).toBe(200);
      await waitUntil(
        () => ((r.metrics()['sink_errors'] ?? 0) > 0 ? true : undefined),
        'a sink error',
      );
      expect((await sendSpans(r.url, runRecords(2))).status).toBe(200);
      rmSync(out);
      mkdirSync(out);
      await waitUntil(
        () => (bundleFiles(out).includes(`${spans[0]?.traceId}.json`) ? true : undefined),
        'the retried bundle',
      );
    });
  });

  it('keeps a trace without its root in the spool across a graceful restart, and folds it when the root comes', async () => {
    const data = tempDir();
    const out = tempDir();
    const spans = runRecords(5);
    const root = spans.shift() as SpanRecord;
    const first = await startReceiver({ port: 0, dataDir: data, outDir: out, quietMs: 50 });
    expect((await sendSpans(first.url, spans)).status).toBe(200);
    await first.close();
    expect(bundleFiles(out)).toEqual([]);
    const second = await startReceiver({ port: 0, dataDir: data, outDir: out, quietMs: 50 });
    try {
      expect((await sendSpans(second.url, [root])).status).toBe(200);
      const name = await waitUntil(() => bundleFiles(out)[0], 'the bundle');
      expect(readBundleText(out, name)).toBe(
        serializeBundle(sealBundle(foldRun([root, ...spans]))),
      );
    } finally {
      await second.close();
    }
  });

  it('refuses a data folder another live receiver holds', async () => {
    const data = tempDir();
    const first = await startReceiver({ port: 0, dataDir: data, outDir: tempDir() });
    try {
      await expect(startReceiver({ port: 0, dataDir: data, outDir: tempDir() })).rejects.toThrow(
        /in use by process/,
      );
    } finally {
      await first.close();
    }
  });
});
