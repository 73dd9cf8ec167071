import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '@llm-workbench/bundle';
import { segmentedRun } from '../../bundle/test/segment-fixtures.js';
import { isTraceOfRun, runIdOfTrace } from '../src/index.js';
import { smallRun } from './fixtures.js';

describe('runIdOfTrace', () => {
  it('reads the run id of a segment and of a one-trace run, and null for a trace of no run', () => {
    const [s1, s2] = segmentedRun() as [SpanRecord[], SpanRecord[]];
    expect(runIdOfTrace(s1)).toBe('run-seg');
    expect(runIdOfTrace(s2)).toBe('run-seg');
    expect(runIdOfTrace(smallRun())).toBe(
      smallRun().find((s) => typeof s.attributes['workbench.run.id'] === 'string')?.attributes[
        'workbench.run.id'
      ],
    );
    expect(runIdOfTrace(smallRun().map((s) => ({ ...s, attributes: {} })))).toBeNull();
  });
});

describe('isTraceOfRun', () => {
  it('matches the exact run id only', () => {
    const [s1] = segmentedRun() as [SpanRecord[]];
    expect(isTraceOfRun(s1, 'run-seg')).toBe(true);
    expect(isTraceOfRun(s1, 'run-se')).toBe(false);
    expect(isTraceOfRun(s1, 'run-seg2')).toBe(false);
  });
});
