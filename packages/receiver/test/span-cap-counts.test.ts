import { describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import { verifyBundle, type RunBundle } from '@llm-workbench/bundle';
import { startReceiver } from '../src/index.js';
import { bundleFiles, readBundleText, runRecords, sendSpans, tempDir } from './helpers.js';
import { startServeProcess } from './serve-process.js';

describe('the span cap and late spans', () => {
  it('counts a span past the cap once, as dropped, not also as late', async () => {
    const r = await startReceiver({
      port: 0,
      dataDir: tempDir(),
      outDir: tempDir(),
      quietMs: 50,
      lateWindowMs: 10_000,
      maxSpansPerTrace: 3,
    });
    try {
      const spans = runRecords(5);
      expect((await sendSpans(r.url, spans.slice(0, 3))).status).toBe(200);
      await waitUntil(() => (r.metrics()['lingering_traces'] === 1 ? true : undefined), 'the fold');
      // Late for a folded trace, and past its cap: dropped, and counted as that only.
      const answer = await sendSpans(r.url, spans.slice(3));
      expect(
        (JSON.parse(answer.body.toString()) as { partialSuccess: Record<string, string> })
          .partialSuccess,
      ).toMatchObject({ rejectedSpans: '2' });
      expect(r.metrics()).toMatchObject({ spans_dropped: 2, spans_late: 0 });
      expect(r.metrics()['spans_accepted']).toBe(3);
    } finally {
      await r.close();
    }
  });
});

/** The `spans_dropped` diagnostics of a bundle's text. */
function droppedOf(text: string): Array<{ count?: number; message: string }> {
  return (JSON.parse(text) as RunBundle).diagnostics.filter((d) => d.code === 'spans_dropped');
}

/** A receiver writing to `out` that keeps at most 3 spans a trace and folds only when flushed. */
function cappedReceiver(out: string): ReturnType<typeof startReceiver> {
  return startReceiver({
    port: 0,
    dataDir: tempDir(),
    outDir: out,
    quietMs: 60_000,
    maxSpansPerTrace: 3,
  });
}

describe('a trace cut at the span cap', () => {
  it('writes a bundle that says how many spans were dropped, over every request', async () => {
    const out = tempDir();
    const r = await cappedReceiver(out);
    try {
      const spans = runRecords(8);
      expect((await sendSpans(r.url, spans.slice(0, 4))).status).toBe(200); // one dropped
      expect((await sendSpans(r.url, spans.slice(4), 'protobuf')).status).toBe(200); // four
      await r.flush();
      const text = readBundleText(out, `${spans[0]?.traceId}.json`);
      expect(verifyBundle(text).ok).toBe(true);
      expect((JSON.parse(text) as RunBundle).run).toMatchObject({ complete: false, spanCount: 3 });
      expect(droppedOf(text)).toEqual([
        expect.objectContaining({
          count: 5,
          message: '5 spans of the trace were dropped at the cap of 3 spans per trace',
        }),
      ]);
    } finally {
      await r.close();
    }
  });

  it('keeps the run span past the cap when it comes last, as SDKs end it', async () => {
    const out = tempDir();
    const r = await cappedReceiver(out);
    try {
      const [root, ...children] = runRecords(6);
      expect((await sendSpans(r.url, children)).status).toBe(200); // two dropped
      const answer = await sendSpans(r.url, [root!]);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body.toString())).not.toHaveProperty('partialSuccess.rejectedSpans');
      await r.flush();
      const text = readBundleText(out, `${root!.traceId}.json`);
      const bundle = JSON.parse(text) as RunBundle;
      expect(bundle.run).toMatchObject({ complete: false, spanCount: 4 });
      expect(bundle.run.runId).toMatch(/^run-/);
      expect(droppedOf(text)).toEqual([expect.objectContaining({ count: 2 })]);
    } finally {
      await r.close();
    }
  });

  it(
    'keeps the count in the spool: after a SIGKILL the bundle says the same, byte for byte',
    {
      timeout: 60_000,
    },
    async () => {
      const spans = runRecords(9);
      const requests = [spans.slice(0, 5), spans.slice(5, 7), spans.slice(7)];
      const name = `${spans[0]?.traceId}.json`;

      // Without a crash, in process.
      const calm = tempDir();
      const r = await cappedReceiver(calm);
      try {
        for (const request of requests) expect((await sendSpans(r.url, request)).status).toBe(200);
        await r.flush();
      } finally {
        await r.close();
      }
      const expected = readBundleText(calm, name);
      expect(droppedOf(expected)).toEqual([expect.objectContaining({ count: 6 })]);

      // Killed before anything is folded: the counts come back from the spool.
      const data = tempDir();
      const out = tempDir();
      const cap = ['--data', data, '--out', out, '--max-spans-per-trace', '3'];
      let server = await startServeProcess([...cap, '--quiet-ms', '600000']);
      for (const request of requests)
        expect((await sendSpans(server.url, request, 'protobuf')).status).toBe(200);
      server.child.kill('SIGKILL');
      await server.exited;
      server = await startServeProcess([...cap, '--quiet-ms', '200']);
      try {
        await waitUntil(() => (bundleFiles(out).includes(name) ? true : undefined), 'the bundle');
        expect(readBundleText(out, name)).toBe(expected);
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    },
  );
});
