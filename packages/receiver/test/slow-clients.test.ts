import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import { startReceiver } from '../src/index.js';
import { runRecords, send, sendSpans, tempDir } from './helpers.js';
import { trickle } from './slow-client.js';

describe('startReceiver facing slow clients', () => {
  it(
    'keeps answering a normal exporter while 64 sockets trickle their bodies at 1 byte/s, and closes them within the body deadline',
    { timeout: 60_000 },
    async () => {
      const idle = 2_000;
      const receiver = await startReceiver({
        port: 0,
        outDir: tempDir(),
        dataDir: tempDir(),
        quietMs: 60_000,
        fsync: false,
        bodyIdleTimeoutMs: idle,
        minBodyRate: 16 * 1024,
      });
      try {
        // As many trickling sockets as there are request slots (maxInflightRequests: 64).
        const slow = Array.from({ length: 64 }, () => trickle(receiver.url));
        await waitUntil(
          () => ((receiver.metrics()['inflight_requests'] ?? 0) >= 64 ? true : undefined),
          'the 64 trickling requests to be in flight',
        );
        // A normal exporter keeps getting its requests through, each within two seconds (a loaded machine).
        for (let i = 0; i < 10; i++) {
          const started = Date.now();
          const answer = await sendSpans(receiver.url, runRecords(3));
          expect(answer.status).toBe(200);
          expect(Date.now() - started).toBeLessThan(2_000);
        }
        // Every trickling socket is answered 408 and closed: the body's grace (the idle timeout)
        // plus one second for every minBodyRate bytes (here none), plus the second before the cut.
        const bound = idle + 1_000 + 3_000; // 3 s for timers on a loaded machine
        const closedAt = await Promise.all(slow.map((s) => s.closed));
        for (const [i, s] of slow.entries()) {
          expect(s.answer()).toMatch(/^HTTP\/1\.1 408 /);
          expect((closedAt[i] as number) - s.openedAt).toBeLessThan(bound);
        }
        expect(receiver.metrics()['requests_408']).toBe(64);
        expect(receiver.metrics()['inflight_requests']).toBe(0);
      } finally {
        await receiver.close();
      }
    },
  );

  it('cuts a body that stalls for the idle timeout, even after a fast start', async () => {
    const receiver = await startReceiver({
      port: 0,
      outDir: tempDir(),
      dataDir: tempDir(),
      fsync: false,
      bodyIdleTimeoutMs: 1_000,
    });
    try {
      // 64 KiB at once (a fast start earns four seconds at 16 KiB/s), then nothing.
      const opened = Date.now();
      const answer = await new Promise<number>((resolve, reject) => {
        const req = request(`${receiver.url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': 200_000 },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.write(Buffer.alloc(64 * 1024, 0x20));
      });
      expect(answer).toBe(408);
      expect(Date.now() - opened).toBeLessThan(1_000 + 1_500);
    } finally {
      await receiver.close();
    }
  });

  it('answers 429 when the bodies being received would hold more than their memory budget', async () => {
    const receiver = await startReceiver({
      port: 0,
      outDir: tempDir(),
      dataDir: tempDir(),
      fsync: false,
      maxInflightRequests: 2,
      maxBodyBytes: 64 * 1024, // a budget of 2 × 64 KiB for bodies being received
    });
    try {
      const statuses: number[] = [];
      const requests = Array.from({ length: 3 }, () => {
        const req = request(`${receiver.url}/v1/traces`, {
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': 64 * 1024 },
        });
        req.on('response', (res) => {
          statuses.push(res.statusCode ?? 0);
          res.resume();
        });
        req.on('error', () => undefined);
        req.write(Buffer.alloc(60 * 1024, 0x20)); // most of the body, then the client waits
        return req;
      });
      await waitUntil(() => (statuses.length >= 1 ? true : undefined), 'an answer');
      expect(statuses).toEqual([429]);
      for (const r of requests) r.destroy();
      expect((await sendSpans(receiver.url, runRecords(2))).status).toBe(200);
    } finally {
      await receiver.close();
    }
  });

  it('closes connections beyond maxConnections as they arrive, and takes new ones once some close', async () => {
    const receiver = await startReceiver({
      port: 0,
      outDir: tempDir(),
      dataDir: tempDir(),
      fsync: false,
      maxConnections: 4,
    });
    try {
      const target = new URL(receiver.url);
      const held = await Promise.all(
        Array.from(
          { length: 4 },
          () =>
            new Promise<Socket>((resolve) => {
              const socket = connect(Number(target.port), target.hostname, () => resolve(socket));
              socket.on('error', () => undefined);
            }),
        ),
      );
      await expect(sendSpans(receiver.url, runRecords(2))).rejects.toThrow();
      for (const socket of held) socket.destroy();
      await waitUntil(
        async () =>
          (await sendSpans(receiver.url, runRecords(2)).catch(() => null))?.status === 200
            ? true
            : undefined,
        'a connection to be taken again',
      );
    } finally {
      await receiver.close();
    }
  });

  it('warns at start when it listens beyond loopback without a token, and only then', async () => {
    const lines = async (options: { host: string; token?: string }): Promise<string[]> => {
      const log: string[] = [];
      const receiver = await startReceiver({
        port: 0,
        outDir: tempDir(),
        dataDir: tempDir(),
        fsync: false,
        ...options,
        log: (line) => log.push(line),
      });
      await receiver.close();
      return log;
    };
    const warning = /without a token: anyone who can reach/;
    expect((await lines({ host: '0.0.0.0' })).some((l) => warning.test(l))).toBe(true);
    expect((await lines({ host: '0.0.0.0', token: 't0ken' })).some((l) => warning.test(l))).toBe(
      false,
    );
    expect((await lines({ host: '127.0.0.1' })).some((l) => warning.test(l))).toBe(false);
  });

  it('answers /healthz while bodies trickle in', async () => {
    const receiver = await startReceiver({ port: 0, outDir: tempDir(), dataDir: tempDir() });
    try {
      const slow = Array.from({ length: 8 }, () => trickle(receiver.url));
      const health = await send(receiver.url, { method: 'GET', path: '/healthz' });
      expect(health.status).toBe(200);
      for (const s of slow) s.stop();
    } finally {
      await receiver.close();
    }
  });
});
