import { request } from 'node:http';
import { connect } from 'node:net';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attributesFrom,
  verifyBundle,
  type RunBundle,
  type SpanRecord,
} from '@llm-workbench/bundle';
import { decodeOtlpProtobuf, encodeOtlpJson, encodeOtlpProtobuf } from '@llm-workbench/otlp';
import { startReceiver, type Receiver } from '../src/index.js';
import { bundleFiles, readBundleText, runRecords, send, sendSpans, tempDir } from './helpers.js';

const LIMIT = 1024 * 1024;

function jsonOf(buf: Buffer): Record<string, unknown> {
  return JSON.parse(buf.toString('utf8')) as Record<string, unknown>;
}

describe('the receiver facing bad input (RELIABILITY.md)', () => {
  let receiver: Receiver;
  const out = tempDir();

  beforeAll(async () => {
    receiver = await startReceiver({
      port: 0,
      outDir: out,
      dataDir: tempDir(),
      maxBodyBytes: LIMIT,
      quietMs: 60_000,
    });
  });
  afterAll(async () => {
    await receiver.close();
  });

  async function stillServes(): Promise<void> {
    const answer = await sendSpans(receiver.url, runRecords(2));
    expect(answer.status).toBe(200);
  }

  describe('1. bodies that do not decode', () => {
    it.each([
      ['not JSON', 'application/json', 'this is not json'],
      [
        'truncated JSON',
        'application/json',
        JSON.stringify(encodeOtlpJson(runRecords(3))).slice(0, 50),
      ],
      [
        'protobuf that does not decode',
        'application/x-protobuf',
        Buffer.from([0x0a, 0xff, 0xff, 0x03]),
      ],
    ])(
      'answers 400 with a reason for %s, keeps nothing, and keeps serving',
      async (_what, type, body) => {
        const before = receiver.metrics()['spans_accepted'];
        const answer = await send(receiver.url, { headers: { 'content-type': type }, body });
        expect(answer.status).toBe(400);
        expect(answer.headers['content-type']).toBe(type);
        if (type === 'application/json')
          expect(jsonOf(answer.body)).toMatchObject({
            code: 3,
            message: expect.stringMatching(/not/),
          });
        else expect(answer.body.toString('utf8')).toMatch(/not an OTLP protobuf message/);
        expect(receiver.metrics()['spans_accepted']).toBe(before);
        await stillServes();
      },
    );
  });

  describe('2. encodings and content types', () => {
    it('answers 400 for corrupt gzip', async () => {
      const gz = gzipSync(JSON.stringify(encodeOtlpJson(runRecords(2))));
      gz.writeUInt8(gz.readUInt8(gz.length - 6) ^ 0xff, gz.length - 6); // break the CRC
      const answer = await send(receiver.url, {
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gz,
      });
      expect(answer.status).toBe(400);
      expect(jsonOf(answer.body)['message']).toMatch(/decompress/);
    });

    it('answers 415 for an unknown Content-Encoding', async () => {
      const answer = await send(receiver.url, {
        headers: { 'content-type': 'application/json', 'content-encoding': 'br' },
        body: '{}',
      });
      expect(answer.status).toBe(415);
    });

    it.each(['text/plain', 'application/xml', ''])(
      'answers 415 for Content-Type %j',
      async (type) => {
        const answer = await send(receiver.url, {
          headers: type === '' ? {} : { 'content-type': type },
          body: '{}',
        });
        expect(answer.status).toBe(415);
        expect(answer.headers['content-type']).toBe('application/json');
      },
    );

    it('accepts deflate and charset parameters, and answers in the request content type', async () => {
      const answer = await sendSpans(receiver.url, runRecords(2), 'protobuf', true);
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/x-protobuf');
      expect(answer.body.length).toBe(0); // an empty ExportTraceServiceResponse
      const json = await send(receiver.url, {
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(encodeOtlpJson(runRecords(2))),
      });
      expect(json.status).toBe(200);
      expect(jsonOf(json.body)).toEqual({ partialSuccess: {} });
    });

    it('answers 200 with an empty partial success for an empty request', async () => {
      const answer = await send(receiver.url, {
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(answer.status).toBe(200);
      expect(jsonOf(answer.body)).toEqual({ partialSuccess: {} });
    });
  });

  describe('3. bodies over the limit', () => {
    it('answers 413 to Expect: 100-continue without asking for the body, and 100 Continue otherwise', async () => {
      const answer = (length: number): Promise<string> =>
        new Promise((resolve, reject) => {
          const { port } = new URL(receiver.url);
          const socket = connect(Number(port), '127.0.0.1', () => {
            socket.write(
              `POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`,
            );
          });
          let text = '';
          socket.on('data', (c: Buffer) => {
            text += c.toString();
            if (text.includes('\r\n\r\n')) {
              socket.destroy();
              resolve(text);
            }
          });
          socket.on('error', reject);
        });
      expect(await answer(10 * LIMIT)).toMatch(/^HTTP\/1\.1 413 /);
      expect(await answer(2)).toMatch(/^HTTP\/1\.1 100 Continue/);
    });

    it('answers 413 from a Content-Length above the limit, before reading the body', async () => {
      // Headers only: the body never comes, so an answer proves it was not waited for.
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          `${receiver.url}/v1/traces`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'content-length': 10 * LIMIT },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
            req.destroy();
          },
        );
        req.on('error', reject);
        req.flushHeaders();
      });
      expect(status).toBe(413);
      await stillServes();
    });

    it('answers 413 for a chunked body that grows past the limit', async () => {
      const big = Buffer.alloc(LIMIT + 1, 0x20);
      const answer = await send(receiver.url, {
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        body: big,
      });
      expect(answer.status).toBe(413);
      await stillServes();
    });
  });

  describe('4. a gzip bomb', () => {
    it('answers 413 at the decompressed limit with memory growth of about one limit', async () => {
      // About 1 MB of gzip that inflates to 1 GiB of spaces.
      const bomb = await new Promise<Buffer>((resolve) => {
        const gz = createGzip({ level: 9 });
        const parts: Buffer[] = [];
        gz.on('data', (c: Buffer) => parts.push(c));
        gz.on('end', () => resolve(Buffer.concat(parts)));
        const mb = Buffer.alloc(1024 * 1024, 0x20);
        let i = 0;
        const write = (): void => {
          while (i < 1024) {
            i++;
            if (!gz.write(mb)) {
              gz.once('drain', write);
              return;
            }
          }
          gz.end();
        };
        write();
      });
      expect(bomb.length).toBeLessThan(LIMIT * 2);
      const before = process.memoryUsage();
      const answer = await send(receiver.url, {
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: bomb,
      });
      const after = process.memoryUsage();
      expect(answer.status).toBe(413);
      const growth = after.rss + after.arrayBuffers - (before.rss + before.arrayBuffers);
      expect(growth).toBeLessThan(64 * 1024 * 1024);
      await stillServes();
    }, 60_000);
  });

  describe('5 and 7. bad ids and times', () => {
    it('rejects only the bad spans and reports them in partialSuccess; uppercase hex is accepted', async () => {
      const [root, child] = runRecords(2) as [SpanRecord, SpanRecord];
      const body = encodeOtlpJson([root, child]);
      const spans = body.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
      const good = spans[0];
      if (good === undefined) throw new Error('no span');
      good.traceId = good.traceId.toUpperCase();
      const bad = [
        { ...good, spanId: 'abc' },
        { ...good, spanId: 'zzzzzzzzzzzzzzzz' },
        { ...good, traceId: '0'.repeat(32) },
        { ...good, traceId: '../../x' },
        { ...good, spanId: 'aaaaaaaaaaaaaaab', startTimeUnixNano: '-1' },
        { ...good, spanId: 'aaaaaaaaaaaaaaac', endTimeUnixNano: '99999999999999999999' },
      ];
      spans.push(...bad);
      const answer = await send(receiver.url, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(answer.status).toBe(200);
      const partial = jsonOf(answer.body)['partialSuccess'] as Record<string, string>;
      expect(partial['rejectedSpans']).toBe('6');
      expect(partial['errorMessage']).toMatch(/^6 spans rejected: invalid_span_id/);
    });

    it('answers partial success in protobuf for a protobuf request', async () => {
      const [root] = runRecords(1) as [SpanRecord];
      const bytes = encodeOtlpProtobuf([
        root,
        { ...root, spanId: 'bbbbbbbbbbbbbbbb', startTimeUnixNano: 0n },
      ]);
      const answer = await send(receiver.url, {
        headers: { 'content-type': 'application/x-protobuf' },
        body: bytes,
      });
      expect(answer.status).toBe(200);
      // ExportTraceServiceResponse { partial_success (1) { rejected_spans (1) = 1, error_message (2) } }
      expect(answer.body[0]).toBe(0x0a);
      expect(answer.body.subarray(2, 4)).toEqual(Buffer.from([0x08, 0x01]));
      expect(decodeOtlpProtobuf(answer.body).ok).toBe(true); // well-formed protobuf
    });
  });

  describe('8 and 9. hostile values', () => {
    it('survives deep nesting, 10 MB attributes and 10,000 events, and keeps __proto__ as data', async () => {
      const localOut = tempDir();
      const local = await startReceiver({
        port: 0,
        outDir: localOut,
        dataDir: tempDir(),
        maxBodyBytes: 32 * 1024 * 1024,
        quietMs: 60_000,
      });
      try {
        const [root] = runRecords(1) as [SpanRecord];
        const events = Array.from({ length: 10_000 }, (_, i) => ({
          name: `e${i}`,
          timeUnixNano: root.startTimeUnixNano + BigInt(i),
          attributes: attributesFrom([]),
        }));
        const hostile: SpanRecord = {
          ...root,
          attributes: attributesFrom([
            ...Object.entries(root.attributes),
            ['__proto__', 'polluted?'],
            ['constructor', { kvlist: attributesFrom([['prototype', 'x']]) }],
            ['big', 'x'.repeat(10 * 1024 * 1024)],
          ]),
          events,
        };
        const answer = await sendSpans(local.url, [hostile], 'protobuf', true);
        expect(answer.status).toBe(200);
        const deep = JSON.stringify(encodeOtlpJson(runRecords(1))).replace(
          '"attributes":[',
          `"attributes":[{"key":"deep","value":${'{"kvlistValue":{"values":[{"key":"k","value":'.repeat(3000)}{}${'}]}}'.repeat(3000)}},`,
        );
        const deepAnswer = await send(local.url, {
          headers: { 'content-type': 'application/json' },
          body: deep,
        });
        expect(deepAnswer.status).toBe(200);
        expect(
          (jsonOf(deepAnswer.body)['partialSuccess'] as Record<string, string>)['errorMessage'],
        ).toMatch(/attribute_too_deep/);
        await local.flush();
        const files = bundleFiles(localOut);
        expect(files).toEqual([`${root.traceId}.json`].concat(files.slice(1)).sort());
        const text = readBundleText(localOut, `${root.traceId}.json`);
        expect(verifyBundle(text).ok).toBe(true);
        expect((JSON.parse(text) as RunBundle).run.spanCount).toBe(1);
        expect(({} as Record<string, unknown>)['prototype']).toBeUndefined();
        expect(Object.prototype).not.toHaveProperty('polluted?');
      } finally {
        await local.close();
      }
    }, 60_000);
  });

  describe('18. bearer token', () => {
    it('answers 401 before reading the body when the token is missing or wrong, 200 when right', async () => {
      const guarded = await startReceiver({
        port: 0,
        outDir: tempDir(),
        dataDir: tempDir(),
        token: 's3cret-token',
      });
      try {
        for (const auth of [
          undefined,
          'Bearer wrong',
          'Basic czNjcmV0LXRva2Vu',
          'Bearer s3cret-token-and-more',
        ]) {
          // Headers announce a body that never comes: only an answer that does not wait can arrive.
          const raw = await new Promise<string>((resolve, reject) => {
            const { port } = new URL(guarded.url);
            const socket = connect(Number(port), '127.0.0.1', () => {
              socket.write(
                `POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n${auth === undefined ? '' : `Authorization: ${auth}\r\n`}\r\n`,
              );
            });
            let text = '';
            socket.on('data', (c: Buffer) => {
              text += c.toString();
              if (text.includes('\r\n\r\n')) {
                socket.destroy();
                resolve(text);
              }
            });
            socket.on('error', reject);
          });
          expect(raw).toMatch(/^HTTP\/1\.1 401 /);
          expect(raw.toLowerCase()).toContain('www-authenticate: bearer');
        }
        const ok = await sendSpans(guarded.url, runRecords(1), 'json', false, {
          authorization: 'Bearer s3cret-token',
        });
        expect(ok.status).toBe(200);
      } finally {
        await guarded.close();
      }
    });
  });

  describe('19. a thousand concurrent requests', () => {
    it('answers each correctly, sheds load with 429 and Retry-After, and writes every acknowledged trace', async () => {
      const dir = tempDir();
      const busy = await startReceiver({
        port: 0,
        outDir: dir,
        dataDir: tempDir(),
        maxInflightRequests: 16,
        quietMs: 60_000,
      });
      try {
        const traces = Array.from({ length: 1000 }, () => runRecords(3));
        const answers = await Promise.all(
          traces.map((spans, i) => sendSpans(busy.url, spans, i % 2 === 0 ? 'json' : 'protobuf')),
        );
        const statuses = new Set(answers.map((a) => a.status));
        for (const s of statuses) expect([200, 429, 503]).toContain(s);
        expect(statuses.has(429) || statuses.has(503)).toBe(true);
        for (const a of answers)
          if (a.status !== 200) expect(a.headers['retry-after']).toBeDefined();
        const acknowledged = traces
          .filter((_, i) => answers[i]?.status === 200)
          .map((t) => `${t[0]?.traceId}.json`);
        expect(acknowledged.length).toBeGreaterThan(0);
        await busy.flush();
        expect(bundleFiles(dir)).toEqual(expect.arrayContaining(acknowledged));
        expect(bundleFiles(dir)).toHaveLength(acknowledged.length);
        expect((await sendSpans(busy.url, runRecords(1))).status).toBe(200);
      } finally {
        await busy.close();
      }
    }, 60_000);
  });

  describe('routes', () => {
    it('serves /healthz, 404 for unknown paths and 405 for wrong methods', async () => {
      expect((await send(receiver.url, { method: 'GET', path: '/healthz' })).body.toString()).toBe(
        'ok\n',
      );
      expect((await send(receiver.url, { method: 'GET', path: '/nope' })).status).toBe(404);
      const wrong = await send(receiver.url, { method: 'GET' });
      expect(wrong.status).toBe(405);
      expect(wrong.headers['allow']).toBe('POST');
    });
  });
});
