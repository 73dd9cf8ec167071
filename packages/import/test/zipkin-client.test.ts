import { afterEach, describe, expect, it } from 'vitest';
import { toZipkinSpans, ZipkinClient } from '../src/index.js';
import { segmentedRun, SEG_TRACES } from '../../bundle/test/segment-fixtures.js';
import { smallRun, TRACE } from './fixtures.js';
import { closedPort, json, rejection, startServer, type TestServer } from './test-server.js';

const T2 = '00f7651916cd43dd8448eb211c80319d';
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('ZipkinClient', () => {
  it('gets a trace from /api/v2/trace/{id} with what Zipkin lost', async () => {
    server = await startServer((_req, res) => json(res, 200, toZipkinSpans(smallRun())));
    const trace = await new ZipkinClient({ url: `${server.url}/` }).getTrace(TRACE.toUpperCase());
    expect(server.requests[0]?.url).toBe(`/api/v2/trace/${TRACE}`);
    expect(trace.traceId).toBe(TRACE);
    expect(trace.spans).toHaveLength(3);
    expect(trace.losses.map((d) => d.code)).toContain('zipkin_types_lost');
  });

  it('says not_found for a trace Zipkin does not have', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`${TRACE} not found`);
    });
    const err = await rejection(new ZipkinClient({ url: server.url }).getTrace(TRACE));
    expect(err.code).toBe('not_found');
    expect(err.message).toContain(`trace ${TRACE} was not found in Zipkin`);
  });

  it('says bad_response for an answer that is not a list of spans', async () => {
    server = await startServer((_req, res) => json(res, 200, { spans: [] }));
    const err = await rejection(new ZipkinClient({ url: server.url }).getTrace(TRACE));
    expect(err.code).toBe('bad_response');
  });

  it('searches by service (lower case) and window in milliseconds, one trace per list', async () => {
    server = await startServer((_req, res) =>
      json(res, 200, [toZipkinSpans(smallRun()), toZipkinSpans(smallRun(T2)), []]),
    );
    const start = new Date('2026-11-26T10:00:00.000Z');
    const end = new Date('2026-11-26T11:00:00.000Z');
    const traces = await new ZipkinClient({ url: server.url }).findTraces({
      service: 'Agent',
      start,
      end,
      limit: 5,
    });
    const url = new URL(server.requests[0]!.url, server.url);
    expect(url.pathname).toBe('/api/v2/traces');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      serviceName: 'agent',
      endTs: String(end.getTime()),
      lookback: '3600000',
      limit: '5',
    });
    expect(traces.map((t) => [t.traceId, t.spans.length])).toEqual([
      [TRACE, 3],
      [T2, 3],
    ]);
  });

  it('says unreachable when nothing listens', async () => {
    const err = await rejection(new ZipkinClient({ url: await closedPort() }).getTrace(TRACE));
    expect(err.code).toBe('unreachable');
  });
});

describe('ZipkinClient.findRunTraces', () => {
  it('finds every segment of a run with annotationQuery, segments told apart without links', async () => {
    server = await startServer((_req, res) =>
      json(res, 200, [...segmentedRun().map((s) => toZipkinSpans(s)), toZipkinSpans(smallRun())]),
    );
    const end = new Date('2026-11-27T00:00:00.000Z');
    const traces = await new ZipkinClient({ url: server.url }).findRunTraces({
      runId: 'run-seg',
      start: new Date(end.getTime() - 86_400_000),
      end,
    });
    expect(traces.map((t) => t.traceId).sort()).toEqual([...SEG_TRACES].sort());
    const url = new URL(server.requests[0]!.url, server.url);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      annotationQuery: 'workbench.run.id=run-seg',
      endTs: String(end.getTime()),
      lookback: '86400000',
      limit: '100',
    });
  });
});
