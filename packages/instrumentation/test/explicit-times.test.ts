import { describe, expect, it } from 'vitest';
import { EVENT_WORKFLOW_SNAPSHOT } from '@llm-workbench/semconv';
import { harness } from './helpers.js';

const T0 = Date.UTC(2026, 10, 26, 9, 0, 0);

describe('explicit start and end times', () => {
  it('records runs and steps on a given clock, with the snapshot at the run start', () => {
    const h = harness();
    const run = h.wb.startRun({
      name: 'past',
      startTime: T0,
      workflow: { id: 'w', revision: '1', definition: { nodes: [] } },
    });
    const step = run.startStep('s', { startTime: new Date(T0 + 1000) });
    step.end(T0 + 61_000);
    run.end([Math.floor(T0 / 1000) + 62, 500_000_000]);
    const r = h.span('run past');
    const s = h.span('step s');
    expect(r.startTime).toEqual([T0 / 1000, 0]);
    expect(r.endTime).toEqual([T0 / 1000 + 62, 500_000_000]);
    expect(s.startTime).toEqual([T0 / 1000 + 1, 0]);
    expect(s.endTime).toEqual([T0 / 1000 + 61, 0]);
    expect(r.events.find((e) => e.name === EVENT_WORKFLOW_SNAPSHOT)?.time).toEqual([T0 / 1000, 0]);
  });

  it('reports an invalid time and uses the current time instead of throwing', () => {
    const h = harness();
    const run = h.wb.startRun({ name: 'bad', startTime: Number.NaN });
    expect(() => run.end(-5)).not.toThrow();
    const r = h.span('run bad');
    expect(r.startTime[0]).toBeGreaterThan(T0 / 1000 - 86_400 * 365);
    expect(r.ended).toBe(true);
  });
});
