import { describe, expect, it } from 'vitest';
import {
  bundleRun,
  foldRun,
  sealBundle,
  serializeBundle,
  type LogEventRecord,
} from '../src/index.js';
import { attrs, sampleRun, TRACE } from './fixtures.js';

describe('bundleRun', () => {
  it('is sealBundle(foldRun(...)) to the byte, with and without options', () => {
    const spans = sampleRun();
    expect(serializeBundle(bundleRun(spans))).toBe(serializeBundle(sealBundle(foldRun(spans))));
    const cut = bundleRun(spans, { truncated: true });
    expect(cut.run.complete).toBe(false);
    expect(serializeBundle(cut)).toBe(
      serializeBundle(sealBundle(foldRun(spans, { truncated: true }))),
    );
  });

  it('takes an empty logEvents as none, and folds given ones as foldRun does', () => {
    const spans = sampleRun();
    expect(bundleRun(spans, { logEvents: [] }).integrity.sha256).toBe(
      bundleRun(spans).integrity.sha256,
    );
    const stray: LogEventRecord = {
      traceId: TRACE,
      spanId: 'ffffffffffffffff',
      name: 'workbench.artifact',
      timeUnixNano: spans[0]!.startTimeUnixNano,
      attributes: attrs({}),
    };
    const withLog = bundleRun(spans, { logEvents: [stray] });
    expect(withLog.integrity.sha256).toBe(
      sealBundle(foldRun(spans, { logEvents: [stray] })).integrity.sha256,
    );
    // A log record of a span that is not there: the trace was folded early.
    expect(withLog.run.complete).toBe(false);
    expect(withLog.diagnostics.map((d) => d.code)).toContain('log_event_without_span');
  });
});
