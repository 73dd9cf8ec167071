import { describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import { checkFolder } from '../../sink/test/fixtures/read-folder.js';
import { startReceiver } from '../src/index.js';
import { bundleFiles, runRecords, send, sendSpans, tempDir } from './helpers.js';
import { startServeProcess } from './serve-process.js';
import { trickle } from './slow-client.js';

describe('workbench serve shutting down', () => {
  it(
    'exits within its shutdown timeout while a client trickles a body, answers /healthz 503 meanwhile, and keeps acknowledged data',
    { timeout: 90_000 },
    async () => {
      const out = tempDir();
      const shutdownMs = 2_000;
      const server = await startServeProcess([
        '--out',
        out,
        '--data',
        tempDir(),
        // Nothing folds before the shutdown: the bundles below are written by it.
        '--quiet-ms',
        '600000',
        '--shutdown-timeout-ms',
        String(shutdownMs),
        // Long enough that the body timeouts do not cut the trickling client first.
        '--body-idle-timeout-ms',
        '120000',
      ]);
      try {
        const traces = Array.from({ length: 5 }, () => runRecords(4));
        for (const spans of traces) expect((await sendSpans(server.url, spans)).status).toBe(200);
        const slow = trickle(server.url);
        await waitUntil(async () => {
          const m = await send(server.url, { method: 'GET', path: '/metrics' });
          return /workbench_receiver_inflight_requests 1\b/.test(m.body.toString())
            ? true
            : undefined;
        }, 'the trickling request to be in flight');

        const signalled = Date.now();
        server.child.kill('SIGTERM');
        // While it drains, /healthz answers 503 (it does not refuse connections), and exports
        // are turned away with a Retry-After.
        // (polled: the signal reaches the child a moment after kill() returns).
        const health = await waitUntil(async () => {
          const h = await send(server.url, { method: 'GET', path: '/healthz' });
          return h.status === 200 ? undefined : h;
        }, '/healthz to answer something else than 200');
        expect(health.status).toBe(503);
        expect(health.body.toString()).toMatch(/shutting down/);
        const late = await sendSpans(server.url, runRecords(2));
        expect(late.status).toBe(503);
        expect(late.headers['retry-after']).toBe('5');

        const code = await Promise.race([
          server.exited,
          new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 20_000)),
        ]);
        expect(code).toBe(0);
        // The drain's bound, then the folds of five traces and closing the spool.
        expect(Date.now() - signalled).toBeLessThan(shutdownMs + 6_000);
        expect(await slow.closed).toBeGreaterThan(signalled);
        expect(server.stderr()).toMatch(/1 requests still in flight after 2000 ms; cutting/);
        // Every acknowledged trace became its bundle, recorded in the ledger.
        expect(bundleFiles(out)).toEqual(traces.map((t) => `${t[0]?.traceId}.json`).sort());
        expect(checkFolder(out)).toMatchObject({ ok: true, recorded: 5 });
      } finally {
        server.child.kill('SIGKILL');
      }
    },
  );

  it('stops waiting for folds after shutdownTimeoutMs when the sink hangs, and says so', async () => {
    const log: string[] = [];
    const receiver = await startReceiver({
      port: 0,
      dataDir: tempDir(),
      quietMs: 600_000,
      fsync: false,
      shutdownTimeoutMs: 500,
      sink: { write: () => new Promise<never>(() => undefined) }, // a disk that never answers
      log: (line) => log.push(line),
    });
    expect((await sendSpans(receiver.url, runRecords(3))).status).toBe(200);
    const started = Date.now();
    await receiver.close();
    expect(Date.now() - started).toBeLessThan(500 + 2_500);
    expect(log.join('\n')).toMatch(
      /folds still running after 500 ms; their traces stay in the spool/,
    );
  });
});
