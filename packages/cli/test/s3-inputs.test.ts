/**
 * `workbench verify|show|render` reading s3://bucket/key from a real SeaweedFS
 * (test/backends/seaweedfs.sh), where S3BundleSink wrote signed bundles and their ledger.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyBundle, type RunBundle } from '@llm-workbench/bundle';
import { SigningKey } from '@llm-workbench/evidence';
import { createS3Client, resolveRetryOptions, S3BundleSink, S3Store } from '@llm-workbench/s3-sink';
import {
  SEAWEEDFS_CREDENTIALS,
  startSeaweedFs,
  type SeaweedFs,
} from '../../../test/backends/seaweedfs.js';
import { bundleText, keygen, tempDir } from './evidence-fixtures.js';
import { runCli } from './run-cli.js';

const BUCKET = 'workbench-cli-test';
const TRACE = 'abcdef0123456789abcdef0123456789';
let s3: SeaweedFs;
let store: S3Store;
let keys: { key: string; pub: string };
let stranger: { key: string; pub: string };

function bundleOf(name: string): RunBundle {
  const r = verifyBundle(bundleText(name, TRACE));
  if (!r.ok) throw new Error('fixture does not verify');
  return r.bundle;
}

beforeAll(async () => {
  s3 = await startSeaweedFs();
  const client = createS3Client({ endpoint: s3.endpoint, credentials: SEAWEEDFS_CREDENTIALS }, {});
  store = new S3Store(client, BUCKET, resolveRetryOptions());
  await s3.createBucket(BUCKET);
  const dir = tempDir('wb-s3-keys-');
  keys = await keygen(dir, 'receiver');
  stranger = await keygen(dir, 'stranger');
  const sink = new S3BundleSink({
    bucket: BUCKET,
    prefix: 'runs',
    client,
    signingKey: SigningKey.fromPem(readFileSync(keys.key, 'utf8')),
    signerRole: 'receiver',
  });
  await sink.write(bundleOf('first'));
  await sink.write(bundleOf('second')); // a revision beside it
  await sink.shutdown();
  // The CLI reads credentials from the AWS environment, as users give them.
  vi.stubEnv('AWS_ACCESS_KEY_ID', SEAWEEDFS_CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', SEAWEEDFS_CREDENTIALS.secretAccessKey);
  vi.stubEnv('AWS_REGION', 'us-east-1');
}, 45 * 60_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  store?.client.destroy();
  await s3?.kill();
  if (s3 !== undefined) rmSync(s3.dir, { recursive: true, force: true });
});

const endpoint = () => ['--s3-endpoint', s3.endpoint];

describe('workbench verify s3://', () => {
  it('checks a prefix against its ledger and signatures', async () => {
    const r = await runCli(['verify', `s3://${BUCKET}/runs/`, ...endpoint(), '--trust', keys.pub]);
    expect(r.stdout).toMatch(
      new RegExp(
        `^OK    s3://${BUCKET}/runs/  2 bundle\\(s\\) as recorded in ledger/ \\(2 line\\(s\\)\\); checkpoint signed by .*; 2 signed by a trusted key`,
      ),
    );
    expect(r.code).toBe(0);
  });

  it('checks one object with the envelope beside it, and fails it against an untrusted key', async () => {
    const url = `s3://${BUCKET}/runs/${TRACE}.json`;
    const ok = await runCli(['verify', url, ...endpoint(), '--trust', keys.pub]);
    expect(ok.stdout).toMatch(new RegExp(`^OK    [0-9a-f]{64}  ${url}  signed by receiver`));
    expect(ok.code).toBe(0);
    const bad = await runCli(['verify', url, ...endpoint(), '--trust', stranger.pub]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL  .*not trusted/);
  });

  it('reads the endpoint from AWS_ENDPOINT_URL when no flag is given', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', s3.endpoint);
    try {
      const r = await runCli(['verify', `s3://${BUCKET}/runs/`]);
      expect(r.code).toBe(0);
    } finally {
      vi.stubEnv('AWS_ENDPOINT_URL', '');
    }
  });

  it('fails a prefix whose bundle was replaced in place, naming the key', async () => {
    await store.put('tampered/x.json', bundleText('x', TRACE), 'application/json');
    const sink = new S3BundleSink({ bucket: BUCKET, prefix: 'tampered', client: store.client });
    await sink.write(bundleOf('kept'));
    await sink.shutdown();
    // Overwritten behind the sink's back (with rights the sink never uses).
    await store.put(`tampered/${TRACE}.json`, bundleText('swapped', TRACE), 'application/json');
    const r = await runCli(['verify', `s3://${BUCKET}/tampered/`, ...endpoint()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FAIL  s3://${BUCKET}/tampered/${TRACE}.json: replaced:`);
    expect(r.stdout).toContain(`FAIL  s3://${BUCKET}/tampered/x.json: outside_ledger:`);
  });

  it('exits 3 with a reason for a missing object or an unreachable server, and 2 for a bad URL', async () => {
    const missing = await runCli(['verify', `s3://${BUCKET}/runs/nope.json`, ...endpoint()]);
    expect(missing.code).toBe(3);
    expect(missing.stdout).toMatch(/no such object/);
    const bucketless = await runCli(['show', `s3://no-such-bucket-here/x.json`, ...endpoint()]);
    expect(bucketless.code).toBe(3);
    expect(bucketless.stderr).toMatch(
      /^workbench show: cannot read s3:\/\/no-such-bucket-here\/x.json: /,
    );
    const unreachable = await runCli([
      'show',
      `s3://${BUCKET}/runs/${TRACE}.json`,
      '--s3-endpoint',
      'http://127.0.0.1:9',
    ]);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/ECONNREFUSED/);
    expect(unreachable.stderr).not.toContain(SEAWEEDFS_CREDENTIALS.secretAccessKey);
    const bad = await runCli(['show', 's3://Bad_Bucket/x.json', ...endpoint()]);
    expect(bad.code).toBe(2);
  }, 60_000);
});

describe('workbench show s3://', () => {
  it('prints the run of an object', async () => {
    const r = await runCli(['show', `s3://${BUCKET}/runs/${TRACE}.json`, ...endpoint(), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, run: { traceId: TRACE } });
  });
});

describe('workbench import otlp s3://', () => {
  it('reads an OTLP file from S3 and writes its bundles to an S3 prefix, which then verifies', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const otlp = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
          scopeSpans: [
            {
              scope: { name: 't' },
              spans: [
                {
                  traceId,
                  spanId: 'b7ad6b7169203331',
                  name: 'run',
                  kind: 1,
                  startTimeUnixNano: '1764151842000000000',
                  endTimeUnixNano: '1764151843000000000',
                  attributes: [{ key: 'workbench.run.id', value: { stringValue: 'imported' } }],
                },
              ],
            },
          ],
        },
      ],
    };
    await store.put('otlp/traces.json', JSON.stringify(otlp), 'application/json');
    const imported = await runCli([
      'import',
      'otlp',
      `s3://${BUCKET}/otlp/traces.json`,
      '--out',
      `s3://${BUCKET}/imported`,
      ...endpoint(),
      '--json',
    ]);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({
      bundles: [{ traceId, status: 'written', path: `s3://${BUCKET}/imported/${traceId}.json` }],
    });
    const again = await runCli([
      'import',
      'otlp',
      `s3://${BUCKET}/otlp/traces.json`,
      '--out',
      `s3://${BUCKET}/imported/`,
      ...endpoint(),
      '--json',
    ]);
    expect(JSON.parse(again.stdout)).toMatchObject({ bundles: [{ status: 'unchanged' }] });
    const v = await runCli(['verify', `s3://${BUCKET}/imported/`, ...endpoint()]);
    expect(v.stdout).toMatch(/^OK .* 1 bundle\(s\) as recorded in ledger\/ \(1 line\(s\)\)/);
    expect(v.code).toBe(0);
    const missing = await runCli([
      'import',
      'otlp',
      `s3://${BUCKET}/otlp/none.json`,
      '--out',
      tempDir('wb-s3-import-'),
      ...endpoint(),
    ]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/no such object/);
  });
});

describe('workbench render s3://', () => {
  it('writes the report of an object with its envelope, to its name in the current folder unless -o says where', async () => {
    const out = join(tempDir('wb-s3-render-'), 'report.html');
    const r = await runCli([
      'render',
      `s3://${BUCKET}/runs/${TRACE}.json`,
      ...endpoint(),
      '-o',
      out,
      '--trust',
      keys.pub,
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/bundle intact/);
    expect(r.stderr).toMatch(
      new RegExp(`signature \\(${TRACE}.dsse.json\\): verified by receiver`),
    );
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out, 'utf8')).toContain('<html');
  });
});
