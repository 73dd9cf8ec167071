/**
 * `workbench import` and `workbench replay` as a user runs them: real files, real HTTP servers on
 * 127.0.0.1 standing in for Jaeger, Tempo and an OTLP endpoint (no trace stack needed), exit
 * codes, messages, and the JSON report.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  attributesFrom,
  foldRun,
  sealBundle,
  serializeBundle,
  type RunBundle,
  type SpanRecord,
} from '@llm-workbench/bundle';
import { main } from '@llm-workbench/cli';
import { decodeOtlpProtobuf, encodeOtlpJson } from '@llm-workbench/otlp';
import * as sc from '@llm-workbench/semconv';
import { cli, readBundle } from './helpers.js';

const T1 = '5b8efff798038103d269b633813fc60c';
const T2 = '0000000000000000d269b633813fc60d';
const BASE = 1_764_151_842_000_000_000n;

function run(traceId: string): SpanRecord[] {
  const common = {
    traceId,
    kind: 'internal' as const,
    resource: attributesFrom([[sc.ATTR_SERVICE_NAME, 'newsletter']]),
    scope: { name: 'app' },
  };
  return [
    {
      ...common,
      spanId: '1000000000000001',
      name: 'run weekly',
      startTimeUnixNano: BASE + 123n,
      endTimeUnixNano: BASE + 4_000_000_777n,
      status: { code: 'ok' },
      attributes: attributesFrom([[sc.ATTR_RUN_ID, `run-${traceId.slice(-4)}`]]),
      events: [],
    },
    {
      ...common,
      spanId: '2000000000000002',
      parentSpanId: '1000000000000001',
      name: 'step review',
      startTimeUnixNano: BASE + 1_000_000_001n,
      endTimeUnixNano: BASE + 2_000_000_001n,
      status: { code: 'unset' },
      attributes: attributesFrom([[sc.ATTR_STEP_ID, 'review']]),
      events: [
        {
          name: sc.EVENT_GATE_RESOLVED,
          timeUnixNano: BASE + 1_500_000_000n,
          attributes: attributesFrom([
            [sc.ATTR_GATE_ID, 'review'],
            [sc.ATTR_GATE_DECISION, 'approved'],
            [sc.ATTR_GATE_ACTOR, 'ed@example.com'],
          ]),
        },
      ],
    },
  ];
}

const plain: SpanRecord = { ...run('7'.repeat(32))[0]!, attributes: attributesFrom([]) };

let dir = '';
let server:
  | { url: string; close(): Promise<void>; requests: Array<{ url: string; body: Buffer }> }
  | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wb-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<void> {
  const requests: Array<{ url: string; body: Buffer }> = [];
  const s = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', body: Buffer.concat(chunks) });
      handler(req, res);
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  server = {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        s.closeAllConnections();
        s.close(() => r());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function expected(traceId: string): RunBundle {
  return sealBundle(foldRun(run(traceId)));
}

describe('workbench import otlp', () => {
  it('imports a Collector file whose traces span many lines, reporting a bad line by number', async () => {
    const [a, b] = [run(T1), run(T2)];
    const lines = [
      JSON.stringify(encodeOtlpJson([a[0]!, b[1]!])),
      '{"resourceSpans":[{oops',
      JSON.stringify(encodeOtlpJson([a[1]!, b[0]!, plain])),
    ];
    const file = join(dir, 'traces.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const out = join(dir, 'out-otlp');
    const r = await cli(['import', 'otlp', file, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:2: not_json:`);
    expect(r.stderr).toMatch(/2 bundles from otlp; 1 trace without run data skipped/);
    expect(readBundle(join(out, `${T1}.json`))?.integrity.sha256).toBe(
      expected(T1).integrity.sha256,
    );
    expect(readBundle(join(out, `${T2}.json`))?.integrity.sha256).toBe(
      expected(T2).integrity.sha256,
    );
    expect(r.stdout.split('\n').filter((l) => l.startsWith('written'))).toHaveLength(2);
  });

  it('reads standard input with -, and prints a JSON report with --json', async () => {
    const out = join(dir, 'out-stdin');
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (c: Buffer) => (text += c.toString()));
    const code = await main(['import', 'otlp', '-', '--out', out, '--json'], {
      stdout,
      stderr: new PassThrough(),
      stdin: Readable.from([JSON.stringify(encodeOtlpJson(run(T1)), null, 2)]),
      isTTY: false,
    });
    expect(code).toBe(0);
    const report = JSON.parse(text) as {
      bundles: Array<{ traceId: string; sha256: string; status: string }>;
    };
    expect(report.bundles).toEqual([
      expect.objectContaining({
        traceId: T1,
        sha256: expected(T1).integrity.sha256,
        status: 'written',
      }),
    ]);
  });

  it('draws a progress bar on stderr only on a terminal', async () => {
    const file = join(dir, 'progress.jsonl');
    writeFileSync(file, `${JSON.stringify(encodeOtlpJson(run(T1)))}\n`);
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await main(['import', 'otlp', file, '--out', join(dir, 'out-tty')], {
      stdout: new PassThrough(),
      stderr,
      stdin: Readable.from([]),
      isTTY: true,
    });
    expect(code).toBe(0);
    expect(err).toContain('\r');
    expect(err).toMatch(/\[#+\.*\]/);
  });

  it('exits 3 for a missing file and 2 for bad usage', async () => {
    const missing = await cli(['import', 'otlp', join(dir, 'nope.jsonl'), '--out', dir]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no such file');
    expect((await cli(['import', 'otlp', 'x'])).code).toBe(2);
    const unknown = await cli(['import', 'honeycomb', '--out', dir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown source "honeycomb"');
    const noUrl = await cli(['import', 'zipkin', '--out', dir]);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('import zipkin needs --url URL');
  });
});

describe('workbench import jaeger|tempo', () => {
  it('imports a trace from Jaeger by id', async () => {
    await serve((_req, res) => send(res, 200, { result: encodeOtlpJson(run(T1)) }));
    const out = join(dir, 'out-jaeger');
    const r = await cli(['import', 'jaeger', '--url', server!.url, '--trace-id', T1, '--out', out]);
    expect(r.code).toBe(0);
    expect(server!.requests[0]!.url).toBe(`/api/v3/traces/${T1}?raw_traces=true`);
    expect(readBundle(join(out, `${T1}.json`))?.integrity.sha256).toBe(
      expected(T1).integrity.sha256,
    );
  });

  it('searches Tempo by service and --since, pads trimmed ids, imports every run found', async () => {
    await serve((req, res) => {
      if (req.url!.startsWith('/api/search')) {
        send(res, 200, { traces: [{ traceID: T1 }, { traceID: T2.replace(/^0+/, '') }] });
        return;
      }
      const id = req.url!.split('/').pop()!;
      send(res, 200, { trace: encodeOtlpJson(run(id)) });
    });
    const out = join(dir, 'out-tempo');
    const before = Math.floor(Date.now() / 1000);
    const r = await cli([
      'import',
      'tempo',
      '--url',
      server!.url,
      '--service',
      'newsletter',
      '--since',
      '2h',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const search = new URL(server!.requests[0]!.url, server!.url);
    expect(search.searchParams.get('q')).toBe('{resource.service.name="newsletter"}');
    expect(Number(search.searchParams.get('start'))).toBeGreaterThanOrEqual(before - 7200 - 1);
    expect(Number(search.searchParams.get('start'))).toBeLessThanOrEqual(before - 7200 + 1);
    // The sink keeps the folder's ledger beside the bundles.
    expect(readdirSync(out).sort()).toEqual([`${T2}.json`, `${T1}.json`, 'ledger.jsonl'].sort());
  });

  it('says clearly when the backend is unreachable or the trace unknown (exit 3)', async () => {
    await serve(() => undefined);
    const closed = server!.url;
    await server!.close();
    server = undefined;
    const unreachable = await cli([
      'import',
      'jaeger',
      '--url',
      closed,
      '--trace-id',
      T1,
      '--out',
      dir,
    ]);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain(
      `workbench import: cannot reach ${closed}/api/v3/traces/${T1}`,
    );
    expect(unreachable.stderr).toContain('(ECONNREFUSED)');
    await serve((_req, res) =>
      send(res, 404, { error: { httpCode: 404, message: 'trace not found' } }),
    );
    const unknown = await cli([
      'import',
      'jaeger',
      '--url',
      server!.url,
      '--trace-id',
      T1,
      '--out',
      dir,
    ]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain(`trace ${T1} was not found in Jaeger at ${server!.url}`);
  });

  it('refuses a bad duration or mixing --trace-id with a search (exit 2)', async () => {
    const bad = await cli([
      'import',
      'tempo',
      '--url',
      'http://127.0.0.1:9',
      '--service',
      's',
      '--since',
      'soon',
      '--out',
      dir,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid duration "soon"');
    const both = await cli([
      'import',
      'jaeger',
      '--url',
      'http://x',
      '--trace-id',
      T1,
      '--service',
      's',
      '--since',
      '1h',
      '--out',
      dir,
    ]);
    expect(both.code).toBe(2);
    const neither = await cli(['import', 'jaeger', '--url', 'http://x', '--out', dir]);
    expect(neither.stderr).toContain(
      'needs --trace-id ID, or --service NAME with --since DURATION',
    );
  });
});

describe('workbench replay', () => {
  it('sends a bundle as OTLP protobuf that folds back to the same bundle', async () => {
    await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
    const file = join(dir, 'replay.json');
    writeFileSync(file, serializeBundle(expected(T1)));
    const r = await cli(['replay', file, '--endpoint', server!.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`sent ${T1} (2 spans) from ${file} to ${server!.url}/v1/traces`);
    const decoded = decodeOtlpProtobuf(new Uint8Array(server!.requests[0]!.body));
    if (!decoded.ok) throw new Error('not protobuf');
    expect(sealBundle(foldRun(decoded.spans)).integrity.sha256).toBe(expected(T1).integrity.sha256);
  });

  it('exits 3 with the endpoint’s answer when it refuses, 2 on a bad protocol', async () => {
    await serve((_req, res) => send(res, 400, { code: 3, message: 'no' }));
    const file = join(dir, 'replay2.json');
    writeFileSync(file, serializeBundle(expected(T1)));
    const refused = await cli(['replay', file, '--endpoint', server!.url, '--protocol', 'json']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/answered 400/);
    expect(
      (await cli(['replay', file, '--endpoint', server!.url, '--protocol', 'grpc'])).code,
    ).toBe(2);
  });
});
