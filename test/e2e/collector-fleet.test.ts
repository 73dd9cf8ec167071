/**
 * A load-balanced fleet behind the real Collector: its `load_balancing` exporter routes whole
 * traces by trace id straight to three `workbench serve --grpc-port` receivers over OTLP/gRPC
 * (collector-config/test-stack/collector-loadbalancing.yaml, every port from the environment).
 * One receiver is SIGKILLed while runs stream in and started again on the same folders; the
 * Collector's queue and retries carry what was routed to it meanwhile. Every run the Collector
 * acknowledged must be bundled exactly once, by one receiver, with the hash of the in-process fold.
 *
 * Needs the Collector binary (test/backends/build.sh builds it on first use). Set
 * WORKBENCH_E2E=0 to skip this file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attributesFrom,
  foldRun,
  sealBundle,
  verifyBundle,
  type RunBundle,
  type SpanRecord,
} from '@llm-workbench/bundle';
import { encodeOtlpProtobuf } from '@llm-workbench/otlp';
import { collectorBinary, freePort, poll, REPO } from './helpers.js';

const enabled = process.env['WORKBENCH_E2E'] !== '0';
const RUNS = 36;
const CONFIG = join(REPO, 'collector-config', 'test-stack', 'collector-loadbalancing.yaml');

interface Member {
  readonly name: string;
  readonly grpcPort: number;
  readonly out: string;
  readonly data: string;
  child?: ChildProcess;
  output: string;
}

let dir = '';
const members: Member[] = [];
let collector: ChildProcess | undefined;
let collectorLog = '';
let collectorHttp = '';

/** Starts (or starts again) one receiver on its own folders and gRPC port. */
async function startMember(m: Member): Promise<void> {
  m.output = '';
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      'packages/cli/src/bin.ts',
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--grpc-port',
      String(m.grpcPort),
      '--out',
      m.out,
      '--data',
      m.data,
      '--quiet-ms',
      '1000',
      // A receiver that got part of a trace would fold it, as incomplete, this soon: so a trace
      // split between receivers shows up as a second bundle within the test.
      '--ttl-ms',
      '4000',
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  m.child = child;
  child.stdout?.on('data', (c: Buffer) => (m.output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (m.output += c.toString()));
  await poll(
    `${m.name} to listen for OTLP/gRPC`,
    async () => {
      if (child.exitCode !== null)
        throw new Error(`${m.name} exited ${child.exitCode}: ${m.output}`);
      return /receiving OTLP\/gRPC traces at/.test(m.output) ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}

function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  return exited;
}

/** A run of a root and three steps, ids derived from `seed`. */
function run(seed: number): SpanRecord[] {
  const hex = (n: bigint, width: number): string =>
    n.toString(16).padStart(width, '0').slice(-width);
  const traceId = hex(BigInt(seed + 101) * 0x9e3779b97f4a7c15n, 32);
  const rootId = hex(BigInt(seed + 101) * 0x1000n + 1n, 16);
  const start = 1_795_000_000_000_000_000n + BigInt(seed) * 1_000_000_000n;
  return Array.from({ length: 4 }, (_, i) => ({
    traceId,
    spanId: i === 0 ? rootId : hex(BigInt(seed + 101) * 0x1000n + BigInt(i + 1), 16),
    parentSpanId: i === 0 ? undefined : rootId,
    name: i === 0 ? 'run' : `step ${i}`,
    kind: 'internal' as const,
    startTimeUnixNano: start + BigInt(i) * 1000n,
    endTimeUnixNano: start + 1_000_000n + BigInt(i),
    status: { code: 'unset' as const, message: undefined },
    attributes:
      i === 0
        ? attributesFrom([['workbench.run.id', `fleet-run-${seed}`]])
        : attributesFrom([['workbench.step.id', `s${i}`]]),
    events: [],
    resource: attributesFrom([['service.name', 'fleet-test']]),
    scope: { name: 'test', version: undefined },
  }));
}

/** Sends spans to the Collector as OTLP/HTTP protobuf, as the stock exporter does; true when acknowledged. */
async function send(spans: SpanRecord[]): Promise<boolean> {
  const res = await fetch(`${collectorHttp}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: encodeOtlpProtobuf(spans),
  });
  await res.arrayBuffer();
  return res.status === 200;
}

/** Bundle files (`<traceId>.json`, and revisions `<traceId>.<sha12>.json`) in a folder. */
function bundleFiles(folder: string): string[] {
  try {
    return readdirSync(folder).filter((n) => /^[0-9a-f]{32}(\.[0-9a-f]{12})?\.json$/.test(n));
  } catch {
    return [];
  }
}

describe.runIf(enabled)('a load-balanced fleet of receivers behind the Collector', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wb-fleet-'));
    const collectorBin = await collectorBinary(dir);

    for (let i = 1; i <= 3; i++) {
      const m: Member = {
        name: `receiver-${i}`,
        grpcPort: await freePort(),
        out: join(dir, `bundles-${i}`),
        data: join(dir, `data-${i}`),
        output: '',
      };
      mkdirSync(m.out);
      members.push(m);
    }
    await Promise.all(members.map(startMember));

    const [grpcPort, httpPort, metricsPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    collectorHttp = `http://127.0.0.1:${httpPort}`;
    collector = spawn(collectorBin, ['--config', CONFIG], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        WORKBENCH_COLLECTOR_GRPC_PORT: String(grpcPort),
        WORKBENCH_COLLECTOR_HTTP_PORT: String(httpPort),
        WORKBENCH_COLLECTOR_METRICS_PORT: String(metricsPort),
        WORKBENCH_FLEET_PORT_1: String(members[0]!.grpcPort),
        WORKBENCH_FLEET_PORT_2: String(members[1]!.grpcPort),
        WORKBENCH_FLEET_PORT_3: String(members[2]!.grpcPort),
      },
    });
    collector.stdout?.on('data', (c: Buffer) => (collectorLog += c.toString()));
    collector.stderr?.on('data', (c: Buffer) => (collectorLog += c.toString()));
    await poll(
      'the Collector to listen',
      async () => {
        if (collector?.exitCode !== null) throw new Error(`the Collector exited: ${collectorLog}`);
        // Its OTLP/HTTP receiver answers GET with 405: any answer means it is up.
        const res = await fetch(`${collectorHttp}/v1/traces`);
        return res.status > 0 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  }, 30 * 60_000);

  afterAll(async () => {
    await stopChild(collector, 'SIGTERM');
    await Promise.all(members.map((m) => stopChild(m.child, 'SIGTERM')));
    if (dir !== '' && process.env['WORKBENCH_E2E_KEEP'] !== '1')
      rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('bundles every acknowledged run exactly once, by the receiver that got its trace, with a receiver SIGKILLed and restarted mid-stream', async () => {
    const runs = Array.from({ length: RUNS }, (_, i) => run(i));
    const victim = members[1]!;
    for (const [i, spans] of runs.entries()) {
      if (i === RUNS / 3) await stopChild(victim.child, 'SIGKILL');
      if (i === (2 * RUNS) / 3) await startMember(victim);
      // Children first, the root last, in two requests: the trace meets again at one receiver.
      expect(await send(spans.slice(2))).toBe(true);
      expect(await send(spans.slice(0, 2))).toBe(true);
    }

    const expected = new Map(
      runs.map((spans) => [spans[0]!.traceId, sealBundle(foldRun(spans)).integrity.sha256]),
    );
    const where = await poll(
      `all ${RUNS} runs bundled`,
      async () => {
        const found = new Map<string, string[]>();
        for (const m of members)
          for (const f of bundleFiles(m.out)) {
            const traceId = f.slice(0, 32);
            found.set(traceId, [...(found.get(traceId) ?? []), `${m.name}/${f}`]);
          }
        return [...expected.keys()].every((t) => found.has(t)) ? found : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );

    // Past the receivers' ttl: a part of a trace that went to another receiver is folded by now.
    await new Promise((r) => setTimeout(r, 5_000));
    // The Collector first (it flushes what it holds), then the receivers (they fold what has its root).
    await stopChild(collector, 'SIGTERM');
    await Promise.all(members.map((m) => stopChild(m.child, 'SIGTERM')));

    const byReceiver = new Map<string, number>();
    const files = new Map<string, string[]>();
    for (const m of members)
      for (const f of bundleFiles(m.out)) {
        const traceId = f.slice(0, 32);
        files.set(traceId, [...(files.get(traceId) ?? []), join(m.out, f)]);
        byReceiver.set(m.name, (byReceiver.get(m.name) ?? 0) + 1);
      }
    expect(new Set(files.keys())).toEqual(new Set(expected.keys()));
    for (const [traceId, paths] of files) {
      expect(paths, `bundles of trace ${traceId}`).toHaveLength(1);
      const text = readFileSync(paths[0]!, 'utf8');
      const v = verifyBundle(text);
      expect(v.ok && v.sha256, `bundle of trace ${traceId}`).toBe(expected.get(traceId));
      expect((JSON.parse(text) as RunBundle).run.complete).toBe(true);
    }
    // Batches were routed to the killed receiver while it was down, and retried until it was back.
    expect(collectorLog).toMatch(
      new RegExp(`127\\.0\\.0\\.1:${victim.grpcPort}[\\s\\S]*retry`, 'i'),
    );
    expect(collectorLog).not.toMatch(/Dropping data|dropped_items":[1-9]/);
    // Every receiver took part, the killed one included, before and after its restart.
    expect([...byReceiver.keys()].sort()).toEqual(members.map((m) => m.name));
    expect(where.size).toBe(RUNS);
  }, 110_000);
});
