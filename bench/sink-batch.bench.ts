/**
 * FileBundleSink: bundles written one by one (`write`, 8 at a time, as the receiver's fold worker
 * did) against batches (`writeMany`, 64 at a time, as it does now), fsync on, into a fresh folder
 * each round. CPU per bundle of the whole process (this thread, libuv's pool, the kernel work of
 * the file operations charged to them: user + system), and wall time; rounds interleave the two.
 *
 * Run alone: node --conditions=source --import tsx bench/sink-batch.bench.ts
 * Environment: BENCH_SINK_BUNDLES (per round, default 2048), BENCH_SINK_ROUNDS (default 5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  attributesFrom,
  foldRun,
  sealBundle,
  type RunBundle,
} from '../packages/bundle/src/index.js';
import { FileBundleSink } from '../packages/sink/src/index.js';
import { printResults } from './print-results.js';
import type { BenchResult } from './result.js';

/** A bundle of a 20-span run (a run span and 19 children), as the receiver bench sends. */
function runBundle(i: number): RunBundle {
  const traceId = (i + 1).toString(16).padStart(32, 'c');
  const span = (k: number) => ({
    traceId,
    spanId: (k + 1).toString(16).padStart(16, '0'),
    ...(k === 0 ? {} : { parentSpanId: '0000000000000001' }),
    name: k === 0 ? 'run' : `step ${k}`,
    kind: 'internal' as const,
    startTimeUnixNano: BigInt(1_000_000 * k),
    endTimeUnixNano: BigInt(1_000_000 * k + 500_000),
    status: { code: 'unset' as const },
    attributes: attributesFrom(
      k === 0
        ? [['workbench.run.id', `r${i}`]]
        : [
            ['gen_ai.operation.name', 'chat'],
            ['text', `step ${k} of run ${i}`],
          ],
    ),
    events: [],
    resource: attributesFrom([['service.name', 'bench']]),
    scope: { name: 'bench' },
  });
  return sealBundle(foldRun(Array.from({ length: 20 }, (_, k) => span(k))));
}

type Mode = 'write x8' | 'writeMany x64';

async function round(
  mode: Mode,
  bundles: readonly RunBundle[],
): Promise<{ cpu: number; wall: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'wb-sink-bench-'));
  const sink = new FileBundleSink({ directory: dir, fsync: true });
  await sink.write(runBundle(1e9)); // the folder and the ledger exist
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  if (mode === 'writeMany x64') {
    // Four batches in flight, as the receiver hands the worker up to four at once.
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < bundles.length) {
        const batch = bundles.slice(next, (next += 64));
        for (const o of await sink.writeMany(batch)) if (!o.ok) throw o.error;
      }
    };
    await Promise.all([lane(), lane(), lane(), lane()]);
  } else {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < bundles.length) await sink.write(bundles[next++] as RunBundle);
    };
    await Promise.all(Array.from({ length: 8 }, lane));
  }
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  await sink.shutdown();
  rmSync(dir, { recursive: true, force: true });
  return { cpu: (c.user + c.system) / bundles.length, wall: (wall * 1000) / bundles.length };
}

export async function run(): Promise<BenchResult[]> {
  const n = Number(process.env['BENCH_SINK_BUNDLES'] ?? 2048);
  const rounds = Number(process.env['BENCH_SINK_ROUNDS'] ?? 5);
  const bundles = Array.from({ length: n }, (_, i) => runBundle(i));
  const modes: Mode[] = ['write x8', 'writeMany x64'];
  const got = new Map<Mode, Array<{ cpu: number; wall: number }>>(modes.map((m) => [m, []]));
  await round('write x8', bundles.slice(0, 256)); // warm-up
  await round('writeMany x64', bundles.slice(0, 256));
  for (let r = 0; r < rounds; r++)
    for (const m of r % 2 === 0 ? modes : [...modes].reverse())
      got.get(m)?.push(await round(m, bundles));
  const median = (xs: number[]): number =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const out: BenchResult[] = [];
  const base = got.get('write x8') ?? [];
  for (const m of modes) {
    const rs = got.get(m) ?? [];
    const cpu = median(rs.map((x) => x.cpu));
    out.push({
      name: `sink ${m}: CPU per bundle, all threads (rounds ${rs.map((x) => x.cpu.toFixed(0)).join(' ')})`,
      value: cpu,
      unit: 'µs',
      ...(m === 'write x8'
        ? {}
        : { baseline: 'write x8', ratio: cpu / median(base.map((x) => x.cpu)) }),
    });
    out.push({
      name: `sink ${m}: wall per bundle`,
      value: median(rs.map((x) => x.wall)),
      unit: 'µs',
    });
  }
  return out;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printResults(await run());
}
