import { afterEach, describe, expect, it } from 'vitest';
import { foldRun, sealBundle } from '@llm-workbench/bundle';
import { encodeOtlpJson } from '@llm-workbench/otlp';
import { ImportError, TempoClient } from '../src/index.js';
import { segmentedRun, SEG_TRACES } from '../../bundle/test/segment-fixtures.js';
import { asTempo, smallRun, TRACE } from './fixtures.js';
import { closedPort, json, startServer, type TestServer } from './test-server.js';

const T2 = '00000000000000008448eb211c80319d';
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function tempoTrace(traceId: string): Record<string, unknown> {
  return {
    trace: asTempo(encodeOtlpJson(smallRun(traceId)) as unknown as Record<string, unknown>),
  };
}

describe('TempoClient', () => {
  it('gets a trace from /api/v2/traces/{id}: base64 ids and enum names', async () => {
    server = await startServer((_req, res) => json(res, 200, tempoTrace(TRACE)));
    const trace = await new TempoClient({ url: server.url }).getTrace(TRACE);
    expect(server.requests[0]?.url).toBe(`/api/v2/traces/${TRACE}`);
    expect(trace.partial).toBe(false);
    expect(sealBundle(foldRun(trace.spans))).toEqual(sealBundle(foldRun(smallRun())));
  });

  it('falls back to /api/traces/{id} on a Tempo without the v2 route', async () => {
    server = await startServer((req, res) => {
      if (req.url.startsWith('/api/v2/')) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('404 page not found\n');
        return;
      }
      json(res, 200, {
        batches: (tempoTrace(TRACE)['trace'] as { resourceSpans: unknown })['resourceSpans'],
      });
    });
    const trace = await new TempoClient({ url: server.url }).getTrace(TRACE);
    expect(server.requests.map((r) => r.url)).toEqual([
      `/api/v2/traces/${TRACE}`,
      `/api/traces/${TRACE}`,
    ]);
    expect(trace.spans).toHaveLength(3);
  });

  it('says not_found for a trace Tempo does not have (yet)', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('trace not found');
    });
    const err = (await new TempoClient({ url: server.url })
      .getTrace(TRACE)
      .catch((e: unknown) => e)) as ImportError;
    expect(err).toBeInstanceOf(ImportError);
    expect(err.code).toBe('not_found');
    expect(err.message).toContain('trace not found');
  });

  it('marks a trace Tempo says is partial', async () => {
    server = await startServer((_req, res) =>
      json(res, 200, { ...tempoTrace(TRACE), status: 'PARTIAL', message: 'too large' }),
    );
    expect((await new TempoClient({ url: server.url }).getTrace(TRACE)).partial).toBe(true);
  });

  it('searches with TraceQL, unix seconds and a limit, pads trimmed ids and fetches each trace', async () => {
    server = await startServer((req, res) => {
      if (req.url.startsWith('/api/search')) {
        json(res, 200, {
          traces: [
            { traceID: T2.replace(/^0+/, ''), rootServiceName: 'agent' },
            { traceID: TRACE },
          ],
          metrics: {},
        });
        return;
      }
      const id = req.url.split('/').pop()!;
      json(res, 200, tempoTrace(id));
    });
    const progress: Array<[number, number]> = [];
    const traces = await new TempoClient({ url: server.url, concurrency: 1 }).findTraces(
      {
        service: 'say "hi"',
        start: new Date('2026-11-26T10:00:00.500Z'),
        end: new Date('2026-11-26T11:00:00.500Z'),
      },
      (done, total) => progress.push([done, total]),
    );
    const search = new URL(server.requests[0]!.url, server.url);
    expect(Object.fromEntries(search.searchParams)).toEqual({
      q: '{resource.service.name="say \\"hi\\""}',
      start: String(Date.parse('2026-11-26T10:00:00Z') / 1000),
      end: String(Date.parse('2026-11-26T11:00:01Z') / 1000),
      limit: '100',
    });
    expect(traces.map((t) => t.traceId)).toEqual([T2, TRACE]);
    expect(progress).toEqual([
      [0, 2],
      [1, 2],
      [2, 2],
    ]);
  });

  it('reads an empty search as no traces', async () => {
    server = await startServer((_req, res) => json(res, 200, { traces: [], metrics: {} }));
    const traces = await new TempoClient({ url: server.url }).findTraces({
      service: 'x',
      start: new Date(0),
      end: new Date(),
    });
    expect(traces).toEqual([]);
  });

  it('fails with unreachable, timeout and http_status as Jaeger does', async () => {
    const closed = await closedPort();
    await expect(new TempoClient({ url: closed }).getTrace(TRACE)).rejects.toMatchObject({
      code: 'unreachable',
    });
    server = await startServer(async (req, res) => {
      if (req.url.startsWith('/api/search')) {
        json(res, 400, { error: 'invalid TraceQL query' });
        return;
      }
      await new Promise((r) => setTimeout(r, 2000));
      res.end();
    });
    await expect(
      new TempoClient({ url: server.url, timeoutMs: 150 }).getTrace(TRACE),
    ).rejects.toMatchObject({ code: 'timeout' });
    await expect(
      new TempoClient({ url: server.url }).searchTraceIds({
        service: 'x',
        start: new Date(0),
        end: new Date(),
      }),
    ).rejects.toThrow(/answered 400.*invalid TraceQL query/);
  });
});

describe('TempoClient.findRunTraces', () => {
  it('finds every segment of a run with a TraceQL search on workbench.run.id', async () => {
    const segments = segmentedRun();
    server = await startServer((req, res) => {
      const url = new URL(req.url, 'http://x');
      if (url.pathname === '/api/search')
        return json(res, 200, { traces: SEG_TRACES.map((traceID) => ({ traceID })) });
      const id = url.pathname.split('/').at(-1);
      const spans = segments.find((s) => s[0]?.traceId === id);
      return json(res, 200, {
        trace: asTempo(encodeOtlpJson(spans ?? []) as unknown as Record<string, unknown>),
        status: 'COMPLETE',
      });
    });
    const traces = await new TempoClient({ url: server.url }).findRunTraces({
      runId: 'run-seg',
      service: 'agent',
      start: new Date('2026-11-20T00:00:00.000Z'),
      end: new Date('2026-11-27T00:00:00.000Z'),
    });
    expect(traces.map((t) => t.traceId).sort()).toEqual([...SEG_TRACES].sort());
    const search = new URL(server.requests[0]!.url, server.url);
    expect(search.searchParams.get('q')).toBe(
      '{ span."workbench.run.id" = "run-seg" && resource.service.name = "agent" }',
    );
  });
});
