import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import { verifyBundle, type RunBundle } from '@llm-workbench/bundle';
import { LEDGER_FILE, readLedger } from '@llm-workbench/evidence';
import { checkFolder } from '../../sink/test/fixtures/read-folder.js';
import { bundleFiles, readBundleText, runRecords, sendSpans, tempDir } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const ENTRY = join(import.meta.dirname, 'fixtures', 'serve.ts');

interface Server {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

async function startServer(data: string, out: string): Promise<Server> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      ENTRY,
      '--port',
      '0',
      '--data',
      data,
      '--out',
      out,
      '--quiet-ms',
      '300',
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = await waitUntil(() => {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
    return /at (http:\/\/[^ ]+)\/v1\/traces/.exec(stdout)?.[1];
  }, `the server to listen (${stderr})`);
  return { child, url, exited };
}

/** One trace sent as several requests, the root last (as SDKs end it last). */
interface TracePlan {
  traceId: string;
  requests: ReturnType<typeof runRecords>[];
  next: number;
}

describe('the receiver killed with SIGKILL while traces stream in', () => {
  it(
    'loses no acknowledged trace and writes no trace twice across repeated kills',
    { timeout: 120_000 },
    async () => {
      const data = tempDir();
      const out = tempDir();
      const plans: TracePlan[] = [];
      for (let i = 0; i < 90; i++) {
        const spans = runRecords(6, 10_000 + i);
        const [root, ...children] = spans;
        plans.push({
          traceId: spans[0]?.traceId as string,
          requests: [children.slice(0, 3), children.slice(3), [root as (typeof spans)[0]]],
          next: 0,
        });
      }
      let server = await startServer(data, out);
      let acked = 0;
      let retried = 0;
      let duplicates = 0;
      const killsAt = [40, 110, 190];

      // Each trace is sent request by request (the next only after the previous was acknowledged);
      // eight traces at a time; a failed request is retried, as the Collector does.
      const queue = [...plans];
      const worker = async (): Promise<void> => {
        for (;;) {
          const plan = queue.shift();
          if (plan === undefined) return;
          while (plan.next < plan.requests.length) {
            const url = server.url;
            const answer = await sendSpans(
              url,
              plan.requests[plan.next] as ReturnType<typeof runRecords>,
              plan.next % 2 === 0 ? 'protobuf' : 'json',
            ).catch(() => null);
            if (answer?.status === 200) {
              plan.next++;
              acked++;
              if (killsAt.length > 0 && acked >= (killsAt[0] as number)) {
                killsAt.shift();
                const dying = server;
                dying.child.kill('SIGKILL');
                await dying.exited;
                server = await startServer(data, out);
                // The Collector redelivers what it is unsure of: acknowledged requests come again.
                for (const done of plans.filter((p) => p.next > 0).slice(-10)) {
                  const again = await sendSpans(
                    server.url,
                    done.requests[done.next - 1] as ReturnType<typeof runRecords>,
                  );
                  expect(again.status).toBe(200);
                  duplicates++;
                }
              }
            } else {
              retried++;
              await waitUntil(
                () => (server.url !== url || answer !== null ? true : undefined),
                'a restarted server',
                30_000,
              );
            }
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, () => worker()));
      expect(killsAt).toEqual([]);

      // Every trace gets exactly one bundle, with every span.
      await waitUntil(
        () => (bundleFiles(out).length >= plans.length ? true : undefined),
        'every bundle',
        60_000,
      );
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      const files = bundleFiles(out);
      expect(files).toEqual(plans.map((p) => `${p.traceId}.json`).sort());
      for (const name of files) {
        const text = readBundleText(out, name);
        expect(verifyBundle(text).ok).toBe(true);
        const bundle = JSON.parse(text) as RunBundle;
        expect(bundle.run.spanCount).toBe(6);
        expect(bundle.run.complete).toBe(true);
      }
      // The ledger ends consistent: each bundle recorded once, whatever the kills interrupted.
      const verdict = checkFolder(out);
      expect(verdict.problems).toEqual([]);
      expect(verdict).toMatchObject({ ok: true, recorded: plans.length, lines: plans.length });
      // Settled traces leave nothing behind but the journal and the active (empty) segment.
      expect(readdirSync(join(data, 'spool')).length).toBeLessThanOrEqual(1);
      expect(duplicates).toBe(30);
      expect(retried).toBeGreaterThanOrEqual(0);
    },
  );

  it(
    'folds a trace reopened by a late span into a revision after a kill, never touching the first bundle',
    { timeout: 60_000 },
    async () => {
      const data = tempDir();
      const out = tempDir();
      const spans = runRecords(4, 20_000);
      const late = spans.pop() as (typeof spans)[0];
      let server = await startServer(data, out);
      expect((await sendSpans(server.url, spans)).status).toBe(200);
      const primary = `${spans[0]?.traceId}.json`;
      await waitUntil(
        () => (bundleFiles(out).includes(primary) ? true : undefined),
        'the first bundle',
      );
      const original = readBundleText(out, primary);
      expect((await sendSpans(server.url, [late])).status).toBe(200);
      server.child.kill('SIGKILL'); // before the reopened trace goes quiet
      await server.exited;
      server = await startServer(data, out);
      const revision = await waitUntil(
        () => bundleFiles(out).find((f) => f !== primary),
        'the revision',
      );
      expect(readBundleText(out, primary)).toBe(original);
      expect((JSON.parse(readBundleText(out, revision)) as RunBundle).run.spanCount).toBe(4);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(bundleFiles(out)).toHaveLength(2);
      // The revision is a ledger line of its own, after the first bundle's.
      const ledger = readLedger(readFileSync(join(out, LEDGER_FILE), 'utf8'));
      expect(ledger.entries.map((e) => e.file)).toEqual([primary, revision]);
      expect(checkFolder(out)).toMatchObject({ ok: true, recorded: 2 });
    },
  );
});
