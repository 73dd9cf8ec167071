import { afterEach, describe, expect, it } from 'vitest';
import { foldRun, sealBundle } from '@llm-workbench/bundle';
import { encodeOtlpJson } from '@llm-workbench/otlp';
import { JaegerClient } from '../src/index.js';
import { segmentedRun, SEG_TRACES } from '../../bundle/test/segment-fixtures.js';
import { backendFixture, smallRun, TRACE } from './fixtures.js';
import { closedPort, json, rejection, startServer, type TestServer } from './test-server.js';

const T2 = '00f7651916cd43dd8448eb211c80319d';
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('JaegerClient', () => {
  it('gets a trace from /api/v3/traces/{id} with raw_traces=true and decodes it', async () => {
    server = await startServer((_req, res) =>
      json(res, 200, { result: encodeOtlpJson(smallRun()) }),
    );
    const trace = await new JaegerClient({ url: `${server.url}/` }).getTrace(TRACE.toUpperCase());
    expect(server.requests[0]?.url).toBe(`/api/v3/traces/${TRACE}?raw_traces=true`);
    expect(trace.traceId).toBe(TRACE);
    expect(sealBundle(foldRun(trace.spans))).toEqual(sealBundle(foldRun(smallRun())));
  });

  it('says not_found for a trace Jaeger does not have', async () => {
    server = await startServer((_req, res) =>
      json(res, 404, { error: { httpCode: 404, message: 'trace not found' } }),
    );
    const err = await rejection(new JaegerClient({ url: server.url }).getTrace(TRACE));
    expect(err.code).toBe('not_found');
    expect(err.message).toContain(`trace ${TRACE} was not found in Jaeger`);
    expect(err.message).toContain('trace not found');
  });

  it('searches by service and window with num_traces and raw traces, grouping by trace', async () => {
    const both = encodeOtlpJson([...smallRun(), ...smallRun(T2)]);
    server = await startServer((_req, res) => json(res, 200, { result: both }));
    const start = new Date('2026-11-26T10:00:00.000Z');
    const end = new Date('2026-11-26T11:00:00.000Z');
    const traces = await new JaegerClient({ url: server.url }).findTraces({
      service: 'agent',
      start,
      end,
      limit: 7,
    });
    const url = new URL(server.requests[0]!.url, server.url);
    expect(url.pathname).toBe('/api/v3/traces');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      'query.service_name': 'agent',
      'query.start_time_min': '2026-11-26T10:00:00.000Z',
      'query.start_time_max': '2026-11-26T11:00:00.000Z',
      'query.num_traces': '7',
      'query.raw_traces': 'true',
    });
    expect(traces.map((t) => t.traceId).sort()).toEqual([T2, TRACE].sort());
    expect(traces.every((t) => t.spans.length === 3)).toBe(true);
  });

  it('reads "No traces found" (404) from a search as no traces', async () => {
    server = await startServer((_req, res) =>
      json(res, 404, { error: { httpCode: 404, message: 'No traces found' } }),
    );
    const traces = await new JaegerClient({ url: server.url }).findTraces({
      service: 'x',
      start: new Date(0),
      end: new Date(),
    });
    expect(traces).toEqual([]);
  });

  it('fails with http_status and Jaeger’s message on a 500', async () => {
    server = await startServer((_req, res) =>
      json(res, 500, { error: { httpCode: 500, message: 'search depth must be greater than 0' } }),
    );
    const err = await rejection(
      new JaegerClient({ url: server.url }).findTraces({
        service: 'x',
        start: new Date(0),
        end: new Date(),
      }),
    );
    expect(err.code).toBe('http_status');
    expect(err.details.status).toBe(500);
    expect(err.message).toContain('search depth must be greater than 0');
  });

  it('fails with unreachable when nothing listens', async () => {
    const url = await closedPort();
    const err = await rejection(new JaegerClient({ url }).getTrace(TRACE));
    expect(err.code).toBe('unreachable');
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).toContain(url);
  });

  it('fails with timeout when Jaeger is too slow', async () => {
    server = await startServer(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 2000));
      json(res, 200, { result: {} });
    });
    const started = Date.now();
    const err = await rejection(
      new JaegerClient({ url: server.url, timeoutMs: 200 }).getTrace(TRACE),
    );
    expect(err.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('fails with bad_response on a 200 that is not a trace', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>jaeger ui</html>');
    });
    const err = await rejection(new JaegerClient({ url: server.url }).getTrace(TRACE));
    expect(err.code).toBe('bad_response');
  });

  it('refuses a bad URL, trace id or timeout at once, quoting it', () => {
    expect(() => new JaegerClient({ url: 'ftp://x' })).toThrow(/"ftp:\/\/x"/);
    expect(() => new JaegerClient({ url: 'http://x', timeoutMs: 0 })).toThrow(/timeoutMs/);
    return expect(new JaegerClient({ url: 'http://127.0.0.1:1' }).getTrace('xyz')).rejects.toThrow(
      /invalid trace id "xyz"/,
    );
  });

  it('sends extra headers', async () => {
    server = await startServer((_req, res) =>
      json(res, 200, { result: encodeOtlpJson(smallRun()) }),
    );
    await new JaegerClient({ url: server.url, headers: { authorization: 'Bearer t' } }).getTrace(
      TRACE,
    );
    expect(server.requests[0]?.headers['authorization']).toBe('Bearer t');
  });

  it('decodes the captured real Jaeger answers when present', async () => {
    const trace = backendFixture('jaeger-v3-trace.json');
    const search = backendFixture('jaeger-search.json');
    if (trace === null || search === null) return;
    server = await startServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url.includes('query.') ? search : trace);
    });
    const client = new JaegerClient({ url: server.url });
    const found = await client.findTraces({ service: 'x', start: new Date(0), end: new Date() });
    expect(found.length).toBeGreaterThan(0);
    const one = await client.getTrace(found[0]!.traceId);
    expect(one.spans.length).toBeGreaterThan(0);
  });
});

describe('JaegerClient.findRunTraces', () => {
  it('finds every segment of a run by tag search in each service, then reads each trace raw', async () => {
    const segments = segmentedRun();
    server = await startServer((req, res) => {
      const url = new URL(req.url, 'http://x');
      if (url.pathname === '/api/v3/services')
        return json(res, 200, { services: ['agent', 'other'] });
      if (url.pathname === '/api/traces') {
        // Jaeger's JSON API: trace ids as it prints them (a short id when the high half is zero).
        const data =
          url.searchParams.get('service') === 'agent'
            ? SEG_TRACES.map((id) => ({ traceID: id.replace(/^0+/, '') })).concat([
                { traceID: TRACE },
              ])
            : [];
        return json(res, 200, { data, total: data.length, errors: null });
      }
      const id = url.pathname.split('/').at(-1);
      const spans =
        segments.find((s) => s[0]?.traceId === id) ?? (id === TRACE ? smallRun() : undefined);
      if (spans === undefined) return json(res, 404, { error: { message: 'trace not found' } });
      return json(res, 200, { result: encodeOtlpJson(spans) });
    });
    const start = new Date('2026-11-20T00:00:00.000Z');
    const end = new Date('2026-11-27T00:00:00.000Z');
    const traces = await new JaegerClient({ url: server.url }).findRunTraces({
      runId: 'run-seg',
      start,
      end,
      limit: 9,
    });
    expect(traces.map((t) => t.traceId)).toEqual([...SEG_TRACES].sort());
    const search = server.requests
      .map((r) => new URL(r.url, server!.url))
      .filter((u) => u.pathname === '/api/traces');
    expect(search.map((u) => u.searchParams.get('service'))).toEqual(['agent', 'other']);
    expect(Object.fromEntries(search[0]!.searchParams)).toEqual({
      service: 'agent',
      tags: '{"workbench.run.id":"run-seg"}',
      start: String(start.getTime() * 1000),
      end: String(end.getTime() * 1000),
      limit: '9',
    });
    // The trace the search matched loosely, of another run, is left out.
    expect(server.requests.some((r) => r.url.includes(TRACE))).toBe(true);
  });

  it('searches only the service given, and finds nothing as an empty list', async () => {
    server = await startServer((_req, res) => json(res, 200, { data: null }));
    const traces = await new JaegerClient({ url: server.url }).findRunTraces({
      runId: 'nope',
      service: 'agent',
      start: new Date(0),
      end: new Date(),
    });
    expect(traces).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });
});
