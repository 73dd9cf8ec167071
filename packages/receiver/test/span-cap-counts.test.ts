import { describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import { startReceiver } from '../src/index.js';
import { runRecords, sendSpans, tempDir } from './helpers.js';

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
