/**
 * S3BundleSink against a real SeaweedFS (test/backends/seaweedfs.sh: built from the Go module on
 * first use and cached, started on free loopback ports for this file).
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldRun, sealBundle, serializeBundle, type RunBundle } from '@llm-workbench/bundle';
import {
  generateKeyPair,
  SigningKey,
  trustedKeyFromPem,
  verifyEnvelope,
} from '@llm-workbench/evidence';
import { BundleSinkError } from '@llm-workbench/sink';
import * as sc from '@llm-workbench/semconv';
import {
  createS3Client,
  ledgerObjectKey,
  resolveRetryOptions,
  S3BundleSink,
  S3Store,
  verifyS3Prefix,
  type S3BundleSinkOptions,
} from '../src/index.js';
import {
  SEAWEEDFS_CREDENTIALS,
  startSeaweedFs,
  type SeaweedFs,
} from '../../../test/backends/seaweedfs.js';

const BUCKET = 'workbench-sink-test';
let s3: SeaweedFs;
let client: S3Client;
let prefixCounter = 0;
/** A prefix of its own per test: tests share the bucket, never keys. */
const freshPrefix = () => `t${Date.now().toString(36)}-${prefixCounter++}/`;

function traceId(n: number): string {
  return (0x1000 + n).toString(16).padStart(32, 'a');
}

function bundle(name: string, trace = traceId(0)): RunBundle {
  const attributes = Object.assign(Object.create(null) as Record<string, string>, {
    [sc.ATTR_RUN_ID]: `run-${trace}`,
    [sc.ATTR_RUN_NAME]: name,
  });
  return sealBundle(
    foldRun([
      {
        traceId: trace,
        spanId: '1111111111111111',
        name: 'run',
        kind: 'internal',
        startTimeUnixNano: 1n,
        endTimeUnixNano: 2n,
        status: { code: 'unset' },
        attributes,
        events: [],
        resource: Object.create(null),
        scope: { name: 't' },
      },
    ]),
  );
}

function sink(prefix: string, options: Partial<S3BundleSinkOptions> = {}): S3BundleSink {
  return new S3BundleSink({
    bucket: BUCKET,
    prefix,
    endpoint: s3.endpoint,
    credentials: SEAWEEDFS_CREDENTIALS,
    env: {},
    ...options,
  });
}

async function getText(key: string): Promise<string | null> {
  try {
    const res = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return (await res.Body?.transformToString('utf8')) ?? '';
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') return null;
    throw err;
  }
}

const store = () => new S3Store(client, BUCKET, resolveRetryOptions({ maxAttempts: 3 }));

beforeAll(async () => {
  // The first run on a machine builds weed from its Go module (minutes); CI builds it before.
  s3 = await startSeaweedFs();
  client = createS3Client({ endpoint: s3.endpoint, credentials: SEAWEEDFS_CREDENTIALS }, {});
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 45 * 60_000);

afterAll(async () => {
  client?.destroy();
  await s3?.kill();
  if (s3 !== undefined) rmSync(s3.dir, { recursive: true, force: true });
});

describe('SeaweedFS', () => {
  it('honours If-None-Match: * on PutObject: of concurrent creators of one key exactly one wins, the rest get 412', async () => {
    const key = `${freshPrefix()}race.json`;
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        client.send(
          new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `writer ${i}`, IfNoneMatch: '*' }),
        ),
      ),
    );
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') {
        expect(
          (r.reason as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode,
        ).toBe(412);
      }
    }
    expect(await getText(key)).toBe(`writer ${won[0]}`);
  });

  it('honours If-Match on PutObject (the checkpoint compare-and-swap)', async () => {
    const key = `${freshPrefix()}cas.json`;
    const first = await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'one', IfNoneMatch: '*' }),
    );
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'two', IfMatch: first.ETag }),
    );
    const stale = await client
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'three', IfMatch: first.ETag }))
      .catch((e: unknown) => e);
    expect((stale as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(
      412,
    );
    expect(await getText(key)).toBe('two');
  });
});

describe('S3BundleSink', () => {
  it('writes <prefix><traceId>.json with the canonical bytes, then never overwrites it', async () => {
    const prefix = freshPrefix();
    const s = sink(prefix);
    const first = bundle('first');
    const key = `${prefix}${traceId(0)}.json`;
    expect(await s.write(first)).toEqual({ status: 'written', location: `s3://${BUCKET}/${key}` });
    expect(await getText(key)).toBe(serializeBundle(first));
    expect(await s.write(first)).toEqual({
      status: 'unchanged',
      location: `s3://${BUCKET}/${key}`,
    });

    // Another writer (another receiver, say) with a different bundle of the same trace.
    const other = sink(prefix);
    const second = bundle('second');
    const revisionKey = `${prefix}${traceId(0)}.${second.integrity.sha256.slice(0, 12)}.json`;
    expect(await other.write(second)).toEqual({
      status: 'revision',
      location: `s3://${BUCKET}/${revisionKey}`,
    });
    expect(await getText(key)).toBe(serializeBundle(first));
    expect(await getText(revisionKey)).toBe(serializeBundle(second));
    expect((await other.write(second)).status).toBe('unchanged');
    await s.shutdown();
    await other.shutdown();
    const v = await verifyS3Prefix(store(), prefix);
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ ok: true, recorded: 2, lines: 2 });
  });

  it('lets exactly one of many concurrent writers of one trace have the first key; the others write revisions', async () => {
    const prefix = freshPrefix();
    const sinks = Array.from({ length: 6 }, () => sink(prefix));
    const bundles = sinks.map((_, i) => bundle(`writer ${i}`));
    const results = await Promise.all(sinks.map((s, i) => s.write(bundles[i]!)));
    expect(results.filter((r) => r.status === 'written')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'revision')).toHaveLength(5);
    const winner = results.findIndex((r) => r.status === 'written');
    expect(await getText(`${prefix}${traceId(0)}.json`)).toBe(serializeBundle(bundles[winner]!));
    for (const [i, r] of results.entries()) {
      expect(await getText(r.location.slice(`s3://${BUCKET}/`.length))).toBe(
        serializeBundle(bundles[i]!),
      );
    }
    await Promise.all(sinks.map((s) => s.shutdown()));
    const v = await verifyS3Prefix(store(), prefix);
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ ok: true, recorded: 6, lines: 6 });
  });

  it('puts a signed envelope beside each bundle and keeps the ledger checkpoint signed', async () => {
    const prefix = freshPrefix();
    const pair = generateKeyPair();
    const key = SigningKey.fromPem(pair.privateKeyPem);
    const trusted = [trustedKeyFromPem(pair.publicKeyPem, 'receiver key')];
    const s = sink(prefix, { signingKey: key, signerRole: 'receiver' });
    const a = bundle('a');
    const b = bundle('b');
    await s.write(a);
    const r = await s.write(b);
    expect(r.status).toBe('revision');
    const name = `${traceId(0)}.${b.integrity.sha256.slice(0, 12)}.json`;
    const envelope = await getText(
      `${prefix}${traceId(0)}.${b.integrity.sha256.slice(0, 12)}.dsse.json`,
    );
    expect(envelope).not.toBeNull();
    expect(verifyEnvelope(envelope!, { sha256: b.integrity.sha256, name }, trusted).ok).toBe(true);
    await s.shutdown();
    const v = await verifyS3Prefix(store(), prefix, trusted);
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ ok: true, recorded: 2, signed: 2, checkpoint: true });
    expect(v.checkpointSignedBy).toEqual(['receiver key']);
    // Against another key, the same prefix fails: signatures are checked, not just present.
    const stranger = [trustedKeyFromPem(generateKeyPair().publicKeyPem, 'stranger')];
    const bad = await verifyS3Prefix(store(), prefix, stranger);
    expect(bad.ok).toBe(false);
    expect(bad.problems.map((p) => p.code)).toContain('checkpoint_untrusted');
  });

  it('keeps one hash chain under concurrent writers, and verify catches a removed ledger object, a removed bundle and an added one', async () => {
    const prefix = freshPrefix();
    const writers = Array.from({ length: 4 }, () => sink(prefix));
    await Promise.all(
      writers.map((w, i) =>
        Promise.all(
          Array.from({ length: 10 }, (_, j) => w.write(bundle(`w${i}`, traceId(i * 100 + j)))),
        ),
      ),
    );
    await Promise.all(writers.map((w) => w.shutdown()));
    const v = await verifyS3Prefix(store(), prefix);
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ ok: true, recorded: 40, lines: 40 });
    expect(v.ledgerObjects).toBeGreaterThanOrEqual(4);

    // A bundle added outside the sink.
    const stray = bundle('stray', traceId(999));
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${prefix}${traceId(999)}.json`,
        Body: serializeBundle(stray),
      }),
    );
    expect((await verifyS3Prefix(store(), prefix)).problems).toEqual([
      expect.objectContaining({ code: 'outside_ledger', file: `${traceId(999)}.json` }),
    ]);
    await client.send(
      new DeleteObjectCommand({ Bucket: BUCKET, Key: `${prefix}${traceId(999)}.json` }),
    );

    // A recorded bundle removed, then put back as it was.
    const removedKey = `${prefix}${traceId(3)}.json`;
    const removed = (await getText(removedKey))!;
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: removedKey }));
    expect((await verifyS3Prefix(store(), prefix)).problems).toEqual([
      expect.objectContaining({ code: 'removed', file: `${traceId(3)}.json` }),
    ]);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: removedKey, Body: removed }));
    expect((await verifyS3Prefix(store(), prefix)).ok).toBe(true);

    // A ledger object from the middle removed: the chain breaks there.
    const keys: string[] = [];
    for await (const k of store().list(`${prefix}ledger/`, '/')) keys.push(k);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: keys[1]! }));
    const broken = await verifyS3Prefix(store(), prefix);
    expect(broken.ok).toBe(false);
    expect(broken.problems[0]).toMatchObject({ code: 'broken_chain', file: 'ledger/' });
  });

  it('records a bundle found again (after a crash between its put and its ledger line) once, not twice', async () => {
    const prefix = freshPrefix();
    const b = bundle('crashed');
    // The bundle is in place, its ledger line is not: what a crash between the two leaves.
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${prefix}${traceId(0)}.json`,
        Body: serializeBundle(b),
      }),
    );
    expect((await verifyS3Prefix(store(), prefix)).problems.map((p) => p.code)).toEqual([
      'no_ledger',
    ]);
    const s = sink(prefix);
    expect((await s.write(b)).status).toBe('unchanged');
    await s.shutdown();
    const again = sink(prefix);
    expect((await again.write(b)).status).toBe('unchanged');
    await again.shutdown();
    const v = await verifyS3Prefix(store(), prefix);
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ ok: true, recorded: 1, lines: 1 });
  });

  it('finds the head of a long ledger on start (a search, not a listing) and appends after it', async () => {
    const prefix = freshPrefix();
    const first = sink(prefix);
    for (let i = 0; i < 21; i++) await first.write(bundle('one at a time', traceId(i)));
    await first.shutdown();
    const objects: string[] = [];
    for await (const k of store().list(`${prefix}ledger/`, '/')) objects.push(k);
    expect(objects).toHaveLength(21); // one object per append when appends come one by one
    const next = sink(prefix);
    await next.write(bundle('after a restart', traceId(100)));
    await next.shutdown();
    const v = await verifyS3Prefix(store(), prefix);
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ ok: true, recorded: 22, lines: 22, ledgerObjects: 22 });
  });

  it('refuses to append to a ledger whose last object does not chain', async () => {
    const prefix = freshPrefix();
    const s = sink(prefix);
    await s.write(bundle('a', traceId(1)));
    await s.shutdown();
    const key = ledgerObjectKey(prefix, 1);
    const text = (await getText(key))!;
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: text.replace('"seq":1', '"seq":2') }),
    );
    const err = await sink(prefix)
      .write(bundle('b', traceId(2)))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleSinkError);
    expect(err).toMatchObject({ code: 'ledger_broken' });
  });

  it('refuses invalid trace ids and prefixes; every key is the prefix, then hex', async () => {
    const s = sink(freshPrefix());
    const bad = {
      ...bundle('x'),
      run: { ...bundle('x').run, traceId: '../../etc/passwd' },
    } as RunBundle;
    await expect(s.write(bad)).rejects.toMatchObject({ code: 'invalid_trace_id' });
    for (const prefix of ['../up', 'a//b', 'a/./b', 'a b']) {
      expect(() => sink(prefix)).toThrow(BundleSinkError);
    }
    expect(
      () => new S3BundleSink({ bucket: 'Not_A_Bucket', endpoint: s3.endpoint, env: {} }),
    ).toThrow(/not a bucket name/);
    await s.shutdown();
    await expect(s.write(bundle('late'))).rejects.toMatchObject({ code: 'shut_down' });
  });

  it('bounds memory: beyond maxConcurrentWrites in progress and maxQueuedWrites waiting, a write fails at once with overloaded', async () => {
    const s = sink(freshPrefix(), { maxConcurrentWrites: 1, maxQueuedWrites: 1, ledger: false });
    const writes = [0, 1, 2].map((i) => s.write(bundle('q', traceId(i))));
    const settled = await Promise.allSettled(writes);
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'overloaded' });
    await s.shutdown();
  });

  it('settles a put whose answer was lost: the retry finds its own bytes, and neither the bundle nor its ledger line is doubled', async () => {
    const prefix = freshPrefix();
    // A loopback proxy that forwards every request but drops the answer of the first put of
    // the first ledger object, then of the first put of trace 6's bundle, after the server
    // carried the put out.
    const dropped: string[] = [];
    const target = new URL(s3.endpoint);
    const proxy = createServer((req, res) => {
      const path = req.url ?? '/';
      const key = new URL(path, 'http://proxy').pathname; // the SDK adds ?x-id=PutObject
      let lose: string | null = null;
      if (
        req.method === 'PUT' &&
        !dropped.includes('ledger') &&
        /\/ledger\/\d{16}\.jsonl$/.test(key)
      ) {
        lose = 'ledger';
      } else if (
        req.method === 'PUT' &&
        !dropped.includes('bundle') &&
        key.endsWith(`/${traceId(6)}.json`)
      ) {
        lose = 'bundle';
      }
      const up = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path,
          headers: req.headers,
        },
        (answer) => {
          if (lose !== null) {
            dropped.push(lose);
            answer.resume();
            answer.on('end', () => req.socket.destroy());
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      up.on('error', () => req.socket.destroy());
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const { port } = proxy.address() as AddressInfo;
    try {
      const s = sink(prefix, {
        endpoint: `http://127.0.0.1:${port}`,
        retry: { baseDelayMs: 10, maxDelayMs: 50 },
      });
      // Its ledger object's answer is lost: the retry must not append its line a second time.
      const five = bundle('lost ledger answer', traceId(5));
      expect(await s.write(five)).toMatchObject({ status: 'written' });
      // Its bundle's answer is lost: the retry finds its own bytes: written, not unchanged.
      const six = bundle('lost bundle answer', traceId(6));
      expect(await s.write(six)).toMatchObject({ status: 'written' });
      await s.shutdown();
      expect(dropped).toEqual(['ledger', 'bundle']);
      expect(await getText(`${prefix}${traceId(6)}.json`)).toBe(serializeBundle(six));
      const v = await verifyS3Prefix(store(), prefix);
      expect(v.problems).toEqual([]);
      expect(v).toMatchObject({ ok: true, recorded: 2, lines: 2 });
    } finally {
      proxy.close();
    }
  });

  it('retries through a server that is briefly stopped, and fails with unavailable within its time bound when it stays down', async () => {
    const prefix = freshPrefix();
    const patient = sink(prefix, {
      retry: { maxAttempts: 1000, baseDelayMs: 50, maxDelayMs: 500, totalTimeMs: 180_000 },
    });
    const impatient = sink(prefix, {
      retry: { baseDelayMs: 20, maxDelayMs: 200, totalTimeMs: 1_500 },
    });
    const b = bundle('through an outage', traceId(7));
    await s3.kill(); // a crash of the server, mid-test
    try {
      const started = Date.now();
      const err = await impatient.write(bundle('never', traceId(8))).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'unavailable' });
      expect((err as Error).message).toMatch(/ECONNREFUSED|gave up/);
      expect(Date.now() - started).toBeLessThan(10_000);
      // This write starts while the server is down and must get through once it is back.
      const pending = patient.write(b);
      await s3.start();
      expect(await pending).toMatchObject({ status: 'written' });
    } finally {
      await s3.start().catch(() => undefined); // already up unless the test failed early
    }
    await patient.shutdown();
    await impatient.shutdown();
    expect(await getText(`${prefix}${traceId(7)}.json`)).toBe(serializeBundle(b));
    const v = await verifyS3Prefix(store(), prefix);
    expect(v.problems).toEqual([]);
    expect(v.recorded).toBe(1);
  }, 240_000);
});
