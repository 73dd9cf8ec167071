import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import { verifyBundle, type RunBundle } from '@llm-workbench/bundle';
import {
  envelopeNameFor,
  generateKeyPair,
  LEDGER_FILE,
  readLedger,
  SIGNING_KEY_FILE_ENV,
  trustedKeyFromPem,
  verifyEnvelope,
} from '@llm-workbench/evidence';
import { parseServeArgs, resolveReceiverOptions } from '../src/index.js';
import { checkFolder, unsignedBundles } from '../../sink/test/fixtures/read-folder.js';
import { bundleFiles, runRecords, sendSpans, tempDir } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const ENTRY = join(import.meta.dirname, 'fixtures', 'serve.ts');

interface Server {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  output: () => string;
}

async function startServer(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<Server> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', ENTRY, '--port', '0', '--quiet-ms', '300', ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
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
  return { child, url, exited, output: () => stdout + stderr };
}

describe('workbench serve --sign-key', () => {
  it(
    'signs every bundle as receiver and keeps the ledger whole across SIGKILLs mid-stream',
    { timeout: 120_000 },
    async () => {
      const data = tempDir();
      const out = tempDir();
      const pair = generateKeyPair();
      const keyFile = join(tempDir(), 'receiver.key');
      writeFileSync(keyFile, pair.privateKeyPem, { mode: 0o600 });
      const trusted = [trustedKeyFromPem(pair.publicKeyPem, 'receiver.pub')];
      // The first start reads the key from the flag; the restarts from the environment.
      const starts: Array<() => Promise<Server>> = [
        () => startServer(['--data', data, '--out', out, '--sign-key', keyFile]),
        () => startServer(['--data', data, '--out', out], { [SIGNING_KEY_FILE_ENV]: keyFile }),
      ];
      const plans = Array.from({ length: 60 }, (_, i) => {
        const spans = runRecords(4, 30_000 + i);
        const [root, ...children] = spans;
        return {
          traceId: spans[0]!.traceId,
          requests: [children, [root!]],
          next: 0,
        };
      });
      let server = await starts[0]!();
      const outputs: string[] = [];
      let acked = 0;
      const killsAt = [25, 70];
      const queue = [...plans];
      const sender = async (): Promise<void> => {
        for (;;) {
          const plan = queue.shift();
          if (plan === undefined) return;
          while (plan.next < plan.requests.length) {
            const url = server.url;
            const answer = await sendSpans(url, plan.requests[plan.next]!).catch(() => null);
            if (answer?.status !== 200) {
              await waitUntil(
                () => (server.url !== url || answer !== null ? true : undefined),
                'a restarted server',
                30_000,
              );
              continue;
            }
            plan.next++;
            acked++;
            if (killsAt.length > 0 && acked >= killsAt[0]!) {
              killsAt.shift();
              const dying = server;
              dying.child.kill('SIGKILL');
              await dying.exited;
              outputs.push(dying.output());
              server = await starts[1]!();
              // The Collector redelivers what it is unsure of.
              for (const done of plans.filter((p) => p.next > 0).slice(-5)) {
                expect((await sendSpans(server.url, done.requests[done.next - 1]!)).status).toBe(
                  200,
                );
              }
            }
          }
        }
      };
      await Promise.all(Array.from({ length: 6 }, () => sender()));
      expect(killsAt).toEqual([]);
      await waitUntil(
        () => (bundleFiles(out).length >= plans.length ? true : undefined),
        'every bundle',
        60_000,
      );
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      outputs.push(server.output());

      // Every acknowledged run's bundle is there once, signed by the receiver's key.
      expect(bundleFiles(out)).toEqual(plans.map((p) => `${p.traceId}.json`).sort());
      expect(unsignedBundles(out, trusted)).toEqual([]);
      for (const name of bundleFiles(out)) {
        const text = readFileSync(join(out, name), 'utf8');
        expect(verifyBundle(text).ok).toBe(true);
        const bundle = JSON.parse(text) as RunBundle;
        expect(bundle.run.spanCount).toBe(4);
        const v = verifyEnvelope(
          readFileSync(join(out, envelopeNameFor(name)), 'utf8'),
          { sha256: bundle.integrity.sha256, name },
          trusted,
        );
        expect(v.statement?.predicate.signerRole).toBe('receiver');
      }
      // The ledger names each bundle once, and the folder checks out against it and its
      // checkpoint, signed by the receiver.
      const ledger = readLedger(readFileSync(join(out, LEDGER_FILE), 'utf8'));
      expect(ledger.problems).toEqual([]);
      expect(ledger.entries.map((e) => e.file).sort()).toEqual(bundleFiles(out));
      const verdict = checkFolder(out, trusted);
      expect(verdict.problems).toEqual([]);
      expect(verdict).toMatchObject({
        ok: true,
        recorded: plans.length,
        checkpointSignedBy: ['receiver.pub'],
      });
      // The key itself is never printed; its id is.
      const printed = outputs.join('\n');
      expect(printed).toContain(`signing bundles as receiver with key ${pair.keyId}`);
      expect(printed).not.toContain('PRIVATE KEY');
      const body = pair.privateKeyPem.split('\n')[1]!;
      expect(printed).not.toContain(body);
    },
  );

  it('refuses a key it cannot use, naming where it came from and never its text', () => {
    const dir = tempDir();
    const pub = join(dir, 'k.pub');
    const pair = generateKeyPair();
    writeFileSync(pub, pair.publicKeyPem);
    const parsed = parseServeArgs(['--sign-key', pub]);
    expect(parsed.ok).toBe(true);
    const fromFlag = resolveReceiverOptions(parsed.ok ? parsed.flags : {}, {});
    expect(fromFlag).toMatchObject({
      ok: false,
      issues: [{ code: 'invalid_value', path: '--sign-key' }],
    });
    const message = fromFlag.ok ? '' : fromFlag.issues[0]!.message;
    expect(message).toMatch(/public key/);
    expect(message).toContain(pub);
    const bad = 'not a key at all, and a secret';
    const fromEnv = resolveReceiverOptions({}, { WORKBENCH_SIGNING_KEY: bad });
    expect(fromEnv).toMatchObject({ ok: false, issues: [{ path: 'WORKBENCH_SIGNING_KEY' }] });
    expect(JSON.stringify(fromEnv)).not.toContain(bad);
    const ok = resolveReceiverOptions({}, { WORKBENCH_SIGNING_KEY: pair.privateKeyPem });
    expect(ok.ok && ok.options.signingKey?.keyId).toBe(pair.keyId);
    expect(JSON.stringify(ok)).not.toContain('PRIVATE');
  });
});
