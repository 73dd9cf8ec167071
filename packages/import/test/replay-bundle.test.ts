import { afterEach, describe, expect, it } from 'vitest';
import { foldRun, sealBundle } from '@llm-workbench/bundle';
import { decodeOtlpJson, decodeOtlpProtobuf } from '@llm-workbench/otlp';
import { ImportError, replayBundle, tracesUrl } from '../src/index.js';
import { randomRun, smallRun } from './fixtures.js';
import { closedPort, json, startServer, type TestServer } from './test-server.js';

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('replayBundle', () => {
  it('sends the run as OTLP/HTTP protobuf that folds back to the same bundle', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
    const bundle = sealBundle(foldRun(randomRun(11)));
    const result = await replayBundle(bundle, { endpoint: server.url });
    const req = server.requests[0]!;
    expect(req.url).toBe('/v1/traces');
    expect(req.headers['content-type']).toBe('application/x-protobuf');
    const decoded = decodeOtlpProtobuf(new Uint8Array(req.body));
    if (!decoded.ok) throw new Error('not protobuf');
    expect(sealBundle(foldRun(decoded.spans)).integrity.sha256).toBe(bundle.integrity.sha256);
    expect(result).toMatchObject({ traceId: bundle.run.traceId, status: 200, rejectedSpans: 0 });
    expect(result.spans).toBe(decoded.spans.length);
  });

  it('sends OTLP JSON to a full traces URL and reads partial success', async () => {
    server = await startServer((_req, res) =>
      json(res, 200, { partialSuccess: { rejectedSpans: '1', errorMessage: 'one bad span' } }),
    );
    const bundle = sealBundle(foldRun(smallRun()));
    const result = await replayBundle(bundle, {
      endpoint: `${server.url}/custom/traces`,
      protocol: 'json',
      headers: { authorization: 'Bearer x' },
    });
    const req = server.requests[0]!;
    expect(req.url).toBe('/custom/traces');
    expect(req.headers['authorization']).toBe('Bearer x');
    const decoded = decodeOtlpJson(req.body.toString('utf8'));
    if (!decoded.ok) throw new Error('not JSON');
    // The run and the step keep their ids; the plain HTTP span, which the bundle only counts,
    // comes back as a placeholder.
    const ids = decoded.spans.map((s) => s.spanId);
    expect(ids).toHaveLength(3);
    expect(ids).toEqual(expect.arrayContaining(['1000000000000001', '2000000000000002']));
    expect(result.rejectedSpans).toBe(1);
  });

  it('fails with the server’s answer on 400, and with unreachable when nothing listens', async () => {
    server = await startServer((_req, res) => json(res, 400, { code: 3, message: 'bad span id' }));
    const bundle = sealBundle(foldRun(smallRun()));
    const err = await replayBundle(bundle, { endpoint: server.url, protocol: 'json' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).message).toMatch(/answered 400: .*bad span id/);
    await expect(replayBundle(bundle, { endpoint: await closedPort() })).rejects.toMatchObject({
      code: 'unreachable',
    });
  });
});

describe('tracesUrl', () => {
  it('appends /v1/traces to a URL with no path and keeps a full one', () => {
    expect(tracesUrl('http://127.0.0.1:4318')).toBe('http://127.0.0.1:4318/v1/traces');
    expect(tracesUrl('http://127.0.0.1:4318/')).toBe('http://127.0.0.1:4318/v1/traces');
    expect(tracesUrl('https://otlp.example/v1/traces')).toBe('https://otlp.example/v1/traces');
    expect(() => tracesUrl('127.0.0.1:4318')).toThrow(/"127\.0\.0\.1:4318"/);
  });
});
