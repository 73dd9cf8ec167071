import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  attributesFrom,
  decodeSegmentFile,
  encodeSegmentFile,
  foldRun,
  openRunKey as runKey,
  runSegmentOf,
  sealBundle,
  segmentFileName,
  type LogEventRecord,
  type RunBundle,
  type SpanRecord,
} from '@llm-workbench/bundle';
import { segmentedRun } from '../../bundle/test/segment-fixtures.js';
import { RunAssembler, type RunAssemblerOptions } from '../src/fold/run-assembler.js';
import { tempDir } from './helpers.js';

const DAY = 86_400_000;

function options(dir: string, over: Partial<RunAssemblerOptions> = {}): RunAssemblerOptions {
  return {
    dir,
    runTtlMs: 7 * DAY,
    maxOpenRuns: 100,
    maxOpenRunBytes: 1 << 30,
    lingerMs: 60_000,
    fsync: false,
    ...over,
  };
}

/** A sink that keeps what it is given, by file name, as the file sink would name it. */
function memorySink(): {
  written: RunBundle[];
  write: (b: RunBundle) => Promise<{ status: 'written' | 'revision' | 'unchanged' }>;
} {
  const written: RunBundle[] = [];
  const byName = new Map<string, string>();
  return {
    written,
    write: (b) => {
      written.push(b);
      const name = b.run.traceId;
      const before = byName.get(name);
      byName.set(name, b.integrity.sha256);
      return Promise.resolve({
        status:
          before === undefined
            ? 'written'
            : before === b.integrity.sha256
              ? 'unchanged'
              : 'revision',
      });
    },
  };
}

function take(runs: RunAssembler, spans: SpanRecord[]): ReturnType<RunAssembler['take']> {
  const segment = runSegmentOf(spans);
  if (segment === null) throw new Error('not a segment');
  return runs.take({ segment, spans, logEvents: [], truncated: false });
}

/** Segments of another run: the fixture's, with another run id and other trace ids. */
function otherRun(runId: string, hexDigit: string): SpanRecord[][] {
  return segmentedRun().map((seg) =>
    seg.map((s) => ({
      ...s,
      traceId: hexDigit.repeat(31) + s.traceId.slice(31),
      attributes:
        s.attributes['workbench.run.id'] === undefined
          ? s.attributes
          : attributesFrom([...Object.entries(s.attributes), ['workbench.run.id', runId]]),
    })),
  );
}

describe('RunAssembler', () => {
  it('holds suspended segments and folds the run once its last segment and all before it are there', async () => {
    const dir = tempDir();
    const sink = memorySink();
    const runs = new RunAssembler(options(dir), sink.write);
    const [s1, s2, s3] = segmentedRun() as [SpanRecord[], SpanRecord[], SpanRecord[]];
    expect(await take(runs, s3)).toEqual({ ok: true, status: 'held' });
    expect(await take(runs, s1)).toEqual({ ok: true, status: 'held' });
    expect(runs.gauges()).toMatchObject({ open_runs: 1, open_run_segments: 2 });
    expect(sink.written).toHaveLength(0);
    expect(await take(runs, s2)).toEqual({ ok: true, status: 'written', complete: true });
    expect(sink.written).toHaveLength(1);
    const expected = sealBundle(foldRun([...s1, ...s2, ...s3]));
    expect(sink.written[0]?.integrity.sha256).toBe(expected.integrity.sha256);
    expect(sink.written[0]?.run.complete).toBe(true);
    expect(runs.gauges()).toMatchObject({ open_runs: 0, runs_folded_total: 1 });
  });

  it('folds the log-record events of every segment with the run, as foldRun does given them all', async () => {
    const dir = tempDir();
    const sink = memorySink();
    const [s1, s2, s3] = segmentedRun() as [SpanRecord[], SpanRecord[], SpanRecord[]];
    const note = (span: SpanRecord, name: string): LogEventRecord => ({
      traceId: span.traceId,
      spanId: span.spanId,
      name,
      timeUnixNano: span.startTimeUnixNano + 1n,
      attributes: attributesFrom([['note', name]]),
    });
    const logs = [note(s1[1]!, 'workbench.note.one'), note(s3[1]!, 'workbench.note.three')];
    // A restart between segments: the first assembler holds segment 1 with its log event.
    const first = new RunAssembler(options(dir), sink.write);
    const seg = (spans: SpanRecord[]) => runSegmentOf(spans)!;
    await first.take({ segment: seg(s1), spans: s1, logEvents: [logs[0]!], truncated: false });
    const second = new RunAssembler(options(dir), sink.write);
    await second.take({ segment: seg(s2), spans: s2, logEvents: [], truncated: false });
    await second.take({ segment: seg(s3), spans: s3, logEvents: [logs[1]!], truncated: false });
    expect(sink.written).toHaveLength(1);
    expect(sink.written[0]).toEqual(
      sealBundle(foldRun([...s1, ...s2, ...s3], { logEvents: logs })),
    );
  });

  it('adds up the spans its segments dropped at the cap, across a restart, as the fold is told', async () => {
    const dir = tempDir();
    const sink = memorySink();
    const [s1, s2, s3] = segmentedRun() as [SpanRecord[], SpanRecord[], SpanRecord[]];
    const seg = (spans: SpanRecord[]) => runSegmentOf(spans)!;
    const cut = (spans: SpanRecord[], count: number) => ({
      segment: seg(spans),
      spans,
      logEvents: [],
      truncated: count > 0,
      droppedSpans: { count, limit: 40 },
    });
    await new RunAssembler(options(dir), sink.write).take(cut(s1, 2));
    // A restart: segment 1's count comes back from its file.
    const second = new RunAssembler(options(dir), sink.write);
    await second.take(cut(s2, 0));
    await second.take(cut(s3, 5));
    expect(sink.written).toHaveLength(1);
    const expected = sealBundle(
      foldRun([...s1, ...s2, ...s3], { truncated: true, droppedSpans: { count: 7, limit: 40 } }),
    );
    expect(sink.written[0]).toEqual(expected);
    expect(expected.diagnostics.filter((d) => d.code === 'spans_dropped')).toEqual([
      expect.objectContaining({ count: 7 }),
    ]);
  });

  it('keeps held segments on disk, so a new assembler on the folder completes the run', async () => {
    const dir = tempDir();
    const [s1, s2, s3] = segmentedRun() as [SpanRecord[], SpanRecord[], SpanRecord[]];
    const first = new RunAssembler(options(dir), memorySink().write);
    await take(first, s1);
    await take(first, s2);
    expect(readdirSync(join(dir, runKey('run-seg'))).sort()).toEqual([
      `segment-1-${s1[0]?.traceId}.json`,
      `segment-2-${s2[0]?.traceId}.json`,
    ]);
    const sink = memorySink();
    const second = new RunAssembler(options(dir), sink.write);
    expect(await take(second, s3)).toMatchObject({ status: 'written', complete: true });
    expect(sink.written[0]?.integrity.sha256).toBe(
      sealBundle(foldRun([...s1, ...s2, ...s3])).integrity.sha256,
    );
  });

  it('folds a run complete at the last stop, before its bundle was written, when it starts again', async () => {
    const dir = tempDir();
    const [s1, s2, s3] = segmentedRun() as [SpanRecord[], SpanRecord[], SpanRecord[]];
    // The segments as a crash would leave them: all held, no bundle, no folded marker.
    mkdirRun(dir, [s1, s2, s3]);
    const sink = memorySink();
    const runs = new RunAssembler(options(dir), sink.write);
    await runs.sweep();
    await expect.poll(() => sink.written.length).toBe(1);
    expect(sink.written[0]?.run.complete).toBe(true);
  });

  it('folds segments held before the shared file format (version 1) with those held after it', async () => {
    const dir = tempDir();
    const [s1, , s3] = segmentedRun() as [SpanRecord[], SpanRecord[], SpanRecord[]];
    mkdirRun(dir, [s1, s3]);
    // Segment 2 as the receiver wrote it before: a version-1 file (with a span of odd values).
    const v1 = readFileSync(
      new URL('../../bundle/test/fixtures/segment-files/receiver-v1.json', import.meta.url),
      'utf8',
    );
    const old = decodeSegmentFile(v1);
    writeFileSync(join(dir, runKey('run-seg'), segmentFileName(old.segment)), v1);
    const sink = memorySink();
    const runs = new RunAssembler(options(dir), sink.write);
    await runs.sweep();
    await expect.poll(() => sink.written.length).toBe(1);
    const expected = sealBundle(
      foldRun([...s1, ...old.spans, ...s3], { truncated: true, logEvents: [...old.logEvents] }),
    );
    expect(sink.written[0]?.integrity.sha256).toBe(expected.integrity.sha256);
    expect(sink.written[0]?.run.segments?.map((g) => g.segment)).toEqual([1, 2, 3]);
  });

  it('writes an incomplete bundle for a run open longer than its time-to-live, and says so', async () => {
    const dir = tempDir();
    let now = 1_000_000;
    const sink = memorySink();
    const runs = new RunAssembler(options(dir, { runTtlMs: DAY }), sink.write, () => now);
    const [s1] = segmentedRun() as [SpanRecord[]];
    await take(runs, s1);
    now += DAY - 1;
    await runs.sweep();
    expect(sink.written).toHaveLength(0);
    now += 1;
    await runs.sweep();
    expect(sink.written).toHaveLength(1);
    const bundle = sink.written[0] as RunBundle;
    expect(bundle.run.complete).toBe(false);
    expect(bundle.run.traceId).toBe(s1[0]?.traceId);
    expect(runs.gauges()).toMatchObject({ open_runs: 0, runs_expired_total: 1 });
    // Its files stay for the late window, then go.
    now += 60_000;
    await runs.sweep();
    expect(existsSync(join(dir, runKey('run-seg')))).toBe(false);
  });

  it('names the missing segments of an expired run', async () => {
    const dir = tempDir();
    let now = 0;
    const sink = memorySink();
    const runs = new RunAssembler(options(dir, { runTtlMs: 10 }), sink.write, () => now);
    const [s1, , s3] = segmentedRun() as [SpanRecord[], SpanRecord[], SpanRecord[]];
    await take(runs, s1);
    await take(runs, s3);
    now = 10;
    await runs.sweep();
    const bundle = sink.written[0] as RunBundle;
    expect(bundle.run.complete).toBe(false);
    expect(JSON.stringify(bundle.diagnostics)).toContain('segment_missing');
  });

  it('folds a run again when a late span of one of its segments comes within the late window', async () => {
    const dir = tempDir();
    const sink = memorySink();
    const runs = new RunAssembler(options(dir), sink.write);
    const [s1, s2, s3] = segmentedRun() as [SpanRecord[], SpanRecord[], SpanRecord[]];
    // Segment 1 is folded first without its review step; the step comes late.
    await take(runs, s1.slice(0, 2));
    await take(runs, s3);
    expect(await take(runs, s2)).toMatchObject({ status: 'written' });
    expect(await take(runs, s1)).toMatchObject({ status: 'revision' });
    expect(await take(runs, s1)).toMatchObject({ status: 'unchanged' });
    expect(sink.written.at(-1)?.integrity.sha256).toBe(
      sealBundle(foldRun([...s1, ...s2, ...s3])).integrity.sha256,
    );
    expect(runs.gauges().runs_folded_total).toBe(1);
  });

  it('folds the oldest open run early, as incomplete, beyond the cap on open runs', async () => {
    const dir = tempDir();
    let now = 0;
    const sink = memorySink();
    const runs = new RunAssembler(options(dir, { maxOpenRuns: 1 }), sink.write, () => now);
    const [a1] = otherRun('run-a', 'a') as [SpanRecord[]];
    const [b1] = otherRun('run-b', 'b') as [SpanRecord[]];
    await take(runs, a1);
    now = 1;
    await take(runs, b1);
    expect(sink.written).toHaveLength(1);
    expect(sink.written[0]?.run.runId).toBe('run-a');
    expect(sink.written[0]?.run.complete).toBe(false);
    expect(runs.gauges()).toMatchObject({ open_runs: 1, runs_evicted_total: 1 });
    expect(existsSync(join(dir, runKey('run-a')))).toBe(false);
  });

  it('folds open runs early beyond the cap on bytes', async () => {
    const dir = tempDir();
    const sink = memorySink();
    const runs = new RunAssembler(options(dir, { maxOpenRunBytes: 10 }), sink.write);
    const [s1] = segmentedRun() as [SpanRecord[]];
    await take(runs, s1);
    expect(sink.written).toHaveLength(1);
    expect(runs.gauges()).toMatchObject({ open_runs: 0, open_run_bytes: 0, runs_evicted_total: 1 });
  });

  it('removes, when it starts, a folded run whose files were half removed, and a temporary file left by a crash', async () => {
    const dir = tempDir();
    const runDir = join(dir, runKey('gone'));
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'folded.json'), '{"foldedAt":1}');
    mkdirRun(dir, [segmentedRun()[0]!]);
    const tmp = join(dir, runKey('run-seg'), '.segment-2-x.json.tmp-abc');
    writeFileSync(tmp, '{"half');
    const runs = new RunAssembler(options(dir), memorySink().write, () => 1);
    await runs.sweep();
    expect(existsSync(runDir)).toBe(false);
    expect(existsSync(tmp)).toBe(false);
    expect(runs.gauges()).toMatchObject({ open_runs: 1, open_run_segments: 1 });
  });

  it('reports a folder it cannot write to as a failed outcome, never a throw', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), 'not a folder');
    const runs = new RunAssembler(options(join(dir, 'file')), memorySink().write);
    const [s1] = segmentedRun() as [SpanRecord[]];
    const outcome = await take(runs, s1);
    expect(outcome.ok).toBe(false);
  });
});

function mkdirRun(dir: string, segments: SpanRecord[][]): void {
  const runDir = join(dir, runKey('run-seg'));
  mkdirSync(runDir, { recursive: true });
  for (const spans of segments) {
    const segment = runSegmentOf(spans)!;
    writeFileSync(
      join(runDir, segmentFileName(segment)),
      encodeSegmentFile({ segment, heldAt: 0, truncated: false, spans, logEvents: [] }),
    );
  }
}
