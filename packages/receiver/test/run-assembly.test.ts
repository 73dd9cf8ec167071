import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import { foldRun, sealBundle, type RunBundle, type SpanRecord } from '@llm-workbench/bundle';
import { segmentedRun, SEG_TRACES } from '../../bundle/test/segment-fixtures.js';
import { runKey } from '../src/fold/run-assembler.js';
import { bundleFiles, readBundleText, sendSpans, tempDir } from './helpers.js';
import { startServeProcess, type ServeProcess } from './serve-process.js';

const started: ServeProcess[] = [];

async function serve(args: readonly string[]): Promise<ServeProcess> {
  const p = await startServeProcess(args);
  started.push(p);
  return p;
}

async function kill(p: ServeProcess): Promise<void> {
  p.child.kill('SIGKILL');
  await p.exited;
}

afterEach(async () => {
  for (const p of started.splice(0)) if (p.child.exitCode === null) await kill(p);
});

/** The receiver's /metrics samples, by name with labels. */
async function metrics(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const [name, value] = line.split(' ');
    out.set(name as string, Number(value));
  }
  return out;
}

/** Waits until /metrics says `name` is `value`. */
function metricIs(url: string, name: string, value: number): Promise<true> {
  return waitUntil(
    async () =>
      (await metrics(url)).get(`workbench_receiver_${name}`) === value ? true : undefined,
    `${name} to be ${value}`,
    30_000,
  );
}

describe('workbench serve with a run that spans traces', () => {
  it(
    'holds each segment across SIGKILLs and writes one bundle for the run, the hash of the fold of all segments',
    { timeout: 120_000 },
    async () => {
      const data = tempDir();
      const out = tempDir();
      const args = ['--data', data, '--out', out, '--quiet-ms', '100'];
      const [s1, s2, s3] = segmentedRun() as [SpanRecord[], SpanRecord[], SpanRecord[]];

      let p = await serve(args);
      expect((await sendSpans(p.url, s1)).status).toBe(200);
      await metricIs(p.url, 'open_runs', 1);
      await metricIs(p.url, 'traces_held_as_segments_total', 1);
      expect(bundleFiles(out)).toEqual([]);
      await kill(p);

      p = await serve(args);
      expect((await sendSpans(p.url, s2, 'protobuf')).status).toBe(200);
      await metricIs(p.url, 'open_run_segments', 2);
      expect(bundleFiles(out)).toEqual([]);
      await kill(p);

      p = await serve(args);
      expect((await sendSpans(p.url, s3)).status).toBe(200);
      const names = await waitUntil(
        () => (bundleFiles(out).length > 0 ? bundleFiles(out) : undefined),
        'the run bundle',
        30_000,
      );
      expect(names).toEqual([`${SEG_TRACES[0]}.json`]);
      const bundle = JSON.parse(readBundleText(out, names[0] as string)) as RunBundle;
      expect(bundle.integrity.sha256).toBe(
        sealBundle(foldRun([...s1, ...s2, ...s3])).integrity.sha256,
      );
      expect(bundle.run.complete).toBe(true);
      await metricIs(p.url, 'open_runs', 0);
      await metricIs(p.url, 'runs_folded_total', 1);
      // This process held none: the segments it completed were held by the ones killed before.
      await metricIs(p.url, 'traces_held_as_segments_total', 0);
      await metricIs(p.url, 'bundles_written_total{status="written"}', 1);
    },
  );

  it(
    'writes an incomplete bundle naming the missing segments when a run stays open past --run-ttl-ms',
    { timeout: 60_000 },
    async () => {
      const data = tempDir();
      const out = tempDir();
      const [s1, , s3] = segmentedRun() as [SpanRecord[], SpanRecord[], SpanRecord[]];
      const p = await serve([
        '--data',
        data,
        '--out',
        out,
        '--quiet-ms',
        '100',
        '--run-ttl-ms',
        '1500',
        '--late-window-ms',
        '500',
      ]);
      expect((await sendSpans(p.url, [...s1, ...s3])).status).toBe(200);
      await metricIs(p.url, 'open_run_segments', 2);
      const names = await waitUntil(
        () => (bundleFiles(out).length > 0 ? bundleFiles(out) : undefined),
        'the expired run bundle',
        30_000,
      );
      const bundle = JSON.parse(readBundleText(out, names[0] as string)) as RunBundle;
      expect(bundle.run.complete).toBe(false);
      expect(bundle.run.traceId).toBe(SEG_TRACES[0]);
      expect(JSON.stringify(bundle.diagnostics)).toContain('segment_missing');
      await metricIs(p.url, 'runs_expired_total', 1);
      await metricIs(p.url, 'open_runs', 0);
      // After the late window its held files go.
      await waitUntil(
        () => (existsSync(join(data, 'open-runs', runKey('run-seg'))) ? undefined : true),
        'the held files to go',
      );
      expect(readdirSync(join(data, 'open-runs'))).toEqual([]);
    },
  );
});
