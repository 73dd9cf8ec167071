import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BUNDLE_SCHEMA_VERSION } from '@llm-workbench/bundle';
import { flipCharAt, keygen, tempDir } from './evidence-fixtures.js';
import { runCli } from './run-cli.js';

const SCRIPT = resolve(import.meta.dirname, '../../../docs/verify-offline.py');

/** Whether the tools the script needs are on this machine. */
function have(...tools: string[]): boolean {
  try {
    for (const t of tools) execFileSync('which', [t], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs the script; its exit code and output. */
async function offline(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('python3', [SCRIPT, ...args]);
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** The demo's bundle (model input and output inline), signed by a fresh key. */
async function signedDemo() {
  const dir = tempDir('wb-offline-');
  expect((await runCli(['demo', '--out', dir])).code).toBe(0);
  const name = readdirSync(dir).find((n) => n.endsWith('.json') && !n.endsWith('.dsse.json'))!;
  const bundle = join(dir, name);
  const envelope = bundle.replace(/\.json$/, '.dsse.json');
  const alice = await keygen(dir, 'alice');
  const mallory = await keygen(dir, 'mallory');
  expect((await runCli(['sign', bundle, '--key', alice.key])).code).toBe(0);
  const sha256 = (JSON.parse(readFileSync(bundle, 'utf8')) as { integrity: { sha256: string } })
    .integrity.sha256;
  return { dir, bundle, envelope, alice, mallory, sha256 };
}

describe.skipIf(!have('python3', 'openssl', 'sha256sum'))('docs/verify-offline.py', () => {
  it('passes a signed bundle: the integrity and the signature by the trusted key', async () => {
    const { bundle, envelope, alice, sha256 } = await signedDemo();
    const r = await offline(bundle, envelope, alice.pub);
    expect(r.out).toBe(`OK   integrity ${sha256}\nOK   signed by key ${alice.keyId} as app\n`);
    expect(r.code).toBe(0);
  });

  it('fails a tampered envelope: one byte of a signature, or of the statement', async () => {
    const { bundle, envelope, alice } = await signedDemo();
    const env = JSON.parse(readFileSync(envelope, 'utf8')) as {
      payload: string;
      signatures: Array<{ sig: string }>;
    };
    const sig = env.signatures[0]!.sig;
    env.signatures[0]!.sig = flipCharAt(sig, 20);
    writeFileSync(envelope, JSON.stringify(env));
    const forged = await offline(bundle, envelope, alice.pub);
    expect(forged.code).toBe(1);
    expect(forged.out).toContain(`FAIL no signature verifies with key ${alice.keyId}`);
    env.signatures[0]!.sig = sig;
    const statement = Buffer.from(env.payload, 'base64').toString('utf8');
    env.payload = Buffer.from(statement.replace('"app"', '"operator"')).toString('base64');
    writeFileSync(envelope, JSON.stringify(env));
    expect((await offline(bundle, envelope, alice.pub)).code).toBe(1);
  });

  it('fails a signature checked with a key that did not sign', async () => {
    const { bundle, envelope, mallory } = await signedDemo();
    const r = await offline(bundle, envelope, mallory.pub);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FAIL no signature verifies with key ${mallory.keyId}`);
  });

  it('fails a bundle with one value changed, as workbench verify does', async () => {
    const { bundle } = await signedDemo();
    const text = readFileSync(bundle, 'utf8');
    writeFileSync(bundle, text.replace('"name":"demo-newsletter"', '"name":"demo-newsletteR"'));
    const r = await offline(bundle);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL integrity/);
    expect((await runCli(['verify', bundle])).code).toBe(1);
  });

  // Schema 3 puts content outside the hash, behind commitments: the script checks both.
  it.skipIf(BUNDLE_SCHEMA_VERSION < 3)(
    'schema 3: changed content fails its commitment; content set to null still verifies',
    async () => {
      const { bundle, envelope, alice, sha256 } = await signedDemo();
      const b = JSON.parse(readFileSync(bundle, 'utf8')) as {
        model_io: Array<{ output: { content: string | null } }>;
      };
      const withContent = b.model_io.find((r) => typeof r.output.content === 'string');
      expect(withContent).toBeDefined();
      withContent!.output.content += '!';
      writeFileSync(bundle, JSON.stringify(b));
      const changed = await offline(bundle);
      expect(changed.code).toBe(1);
      expect(changed.out).toMatch(/FAIL a content does not match its sha256/);
      withContent!.output.content = null; // what a backend's truncation or a redaction leaves
      writeFileSync(bundle, JSON.stringify(b));
      const r = await offline(bundle, envelope, alice.pub);
      expect(r.out).toBe(`OK   integrity ${sha256}\nOK   signed by key ${alice.keyId} as app\n`);
    },
  );
});
