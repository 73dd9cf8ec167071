/**
 * Shared bundle storage: two `workbench serve --out s3://…` processes (a fleet, as behind the
 * Collector's load-balancing exporter) write into one prefix of a real SeaweedFS bucket, signed
 * with a key each; `workbench verify s3://bucket/prefix/` then checks every bundle, every
 * envelope and the one ledger both receivers appended to.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  attributesFrom,
  foldRun,
  sealBundle,
  verifyBundle,
  type SpanRecord,
} from '@llm-workbench/bundle';
import { encodeOtlpJson } from '@llm-workbench/otlp';
import { createS3Client, resolveRetryOptions, S3Store } from '@llm-workbench/s3-sink';
import { SEAWEEDFS_CREDENTIALS, startSeaweedFs, type SeaweedFs } from '../backends/seaweedfs.js';
import { cli, poll, REPO } from './helpers.js';

const BUCKET = 'workbench-fleet';
const PREFIX = 'fleet/';
let s3: SeaweedFs;
let store: S3Store;
const receivers: ChildProcess[] = [];

const AWS_ENV = {
  AWS_ACCESS_KEY_ID: SEAWEEDFS_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: SEAWEEDFS_CREDENTIALS.secretAccessKey,
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** A small run: a root and `steps` children, ids derived from `seed`. */
function run(seed: number, steps = 3): SpanRecord[] {
  const traceId = (BigInt(seed + 1) * 0x9e3779b97f4a7c15n)
    .toString(16)
    .padStart(32, '0')
    .slice(-32);
  const rootId = (BigInt(seed + 1) * 0x1000n + 1n).toString(16).padStart(16, '0');
  const start = 1_764_151_842_000_000_000n + BigInt(seed) * 1_000_000_000n;
  return Array.from({ length: steps + 1 }, (_, i) => ({
    traceId,
    spanId:
      i === 0
        ? rootId
        : (BigInt(seed + 1) * 0x1000n + BigInt(i + 1)).toString(16).padStart(16, '0'),
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

/** Starts `workbench serve --out s3://…` as its own process; resolves with its URL. */
async function serve(name: string, keyFile: string): Promise<string> {
  const data = mkdtempSync(join(tmpdir(), `wb-fleet-${name}-`));
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      'packages/cli/src/bin.ts',
      'serve',
      '--port',
      '0',
      '--out',
      `s3://${BUCKET}/${PREFIX}`,
      '--s3-endpoint',
      s3.endpoint,
      '--data',
      data,
      '--quiet-ms',
      '200',
      '--sign-key',
      keyFile,
    ],
    { cwd: REPO, env: { ...process.env, ...AWS_ENV }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  receivers.push(child);
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return poll(
    `${name} to listen`,
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${out}`);
      return /receiving OTLP traces at (http:\/\/[^ ]+)\/v1\/traces/.exec(out)?.[1];
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  return exited;
}

beforeAll(async () => {
  s3 = await startSeaweedFs();
  const client = createS3Client({ endpoint: s3.endpoint, credentials: SEAWEEDFS_CREDENTIALS }, {});
  await s3.createBucket(BUCKET);
  store = new S3Store(client, BUCKET, resolveRetryOptions());
}, 45 * 60_000);

afterAll(async () => {
  await Promise.all(receivers.map(stop));
  store?.client.destroy();
  await s3?.kill();
  if (s3 !== undefined) rmSync(s3.dir, { recursive: true, force: true });
});

describe('workbench serve --out s3://', () => {
  it('lets a fleet of receivers write signed bundles into one prefix that workbench verify s3:// passes, each run once, with the in-process hash', async () => {
    const keys = mkdtempSync(join(tmpdir(), 'wb-fleet-keys-'));
    for (const n of ['a', 'b']) {
      const made = await cli(['keygen', '-o', join(keys, n)]);
      expect(made.code).toBe(0);
    }
    const urls = await Promise.all([
      serve('a', join(keys, 'a.key')),
      serve('b', join(keys, 'b.key')),
    ]);

    // Runs routed by trace, as the load-balancing exporter does: each trace to one receiver.
    const runs = Array.from({ length: 12 }, (_, i) => run(i + 1));
    for (const [i, spans] of runs.entries()) {
      const res = await fetch(`${urls[i % 2]}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(encodeOtlpJson(spans)),
      });
      expect(res.status).toBe(200);
    }
    const expected = new Map(
      runs.map((spans) => [spans[0]!.traceId, sealBundle(foldRun(spans)).integrity.sha256]),
    );
    await poll(
      'every run bundled in the bucket',
      async () => {
        const names: string[] = [];
        for await (const k of store.list(PREFIX, '/')) names.push(k.slice(PREFIX.length));
        const bundles = names.filter((n) => /^[0-9a-f]{32}\.json$/.test(n));
        return bundles.length === runs.length ? bundles : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    // A graceful stop flushes each receiver's last ledger appends.
    expect(await Promise.all(receivers.map(stop))).toEqual([0, 0]);

    for (const [traceId, sha256] of expected) {
      const read = await store.get(`${PREFIX}${traceId}.json`, 1 << 20);
      expect('text' in read).toBe(true);
      const v = verifyBundle((read as { text: string }).text);
      expect(v.ok && v.sha256).toBe(sha256);
    }

    vi.stubEnv('AWS_ACCESS_KEY_ID', AWS_ENV.AWS_ACCESS_KEY_ID);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', AWS_ENV.AWS_SECRET_ACCESS_KEY);
    try {
      const r = await cli([
        'verify',
        `s3://${BUCKET}/${PREFIX}`,
        '--s3-endpoint',
        s3.endpoint,
        '--trust',
        join(keys, 'a.pub'),
        '--trust',
        join(keys, 'b.pub'),
      ]);
      expect(r.stdout).toMatch(
        new RegExp(
          `^OK    s3://${BUCKET}/${PREFIX}  12 bundle\\(s\\) as recorded in ledger/ \\(12 line\\(s\\)\\); checkpoint signed by .*; 12 signed by a trusted key`,
        ),
      );
      expect(r.code).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
  }, 180_000);
});
