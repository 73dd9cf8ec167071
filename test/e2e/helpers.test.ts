import { describe, expect, it } from 'vitest';
import { attributesFrom, foldRun, sealBundle, type SpanRecord } from '@llm-workbench/bundle';
import { explainDifferences } from './helpers.js';

const root: SpanRecord = {
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: '1000000000000001',
  name: 'run',
  kind: 'internal',
  startTimeUnixNano: 1_764_151_842_000_123_789n,
  endTimeUnixNano: 1_764_151_847_000_123_100n,
  status: { code: 'ok' },
  attributes: attributesFrom([['workbench.run.id', 'r']]),
  events: [],
  resource: attributesFrom([['service.name', 'svc']]),
  scope: { name: 't' },
};

describe('explainDifferences', () => {
  it('names each differing JSON path with both values, and nothing for equal bundles', () => {
    const a = sealBundle(foldRun([root]));
    const b = sealBundle(foldRun([{ ...root, endTimeUnixNano: root.endTimeUnixNano - 1000n }]));
    expect(explainDifferences({ 'in-process': a, same: a })).toBe('');
    const text = explainDifferences({ 'in-process': a, jaeger: b });
    expect(text).toContain(`--- in-process (${a.integrity.sha256})`);
    expect(text).toContain(`+++ jaeger (${b.integrity.sha256})`);
    // end = truncated start (…42.000123) + truncated duration (4999.999 ms, then 4999.998 ms)
    expect(text).toContain(
      '.run.endTime: "2025-11-26T10:10:47.000122Z" -> "2025-11-26T10:10:47.000121Z"',
    );
    expect(text).toContain('.run.durationMs: 4999.999 -> 4999.998');
  });
});
