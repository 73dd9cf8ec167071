import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The command lives in the CLI package; its behaviour is the report's, so it is tested here.
import { main } from '../../cli/src/main.js';
import { verifyBundle, type RunBundle } from '@llm-workbench/bundle';
import {
  generateKeyPair,
  serializeEnvelope,
  signBundle,
  SigningKey,
} from '@llm-workbench/evidence';
import { demoLikeBundleText } from './fixtures/demo-like-bundle.js';
import { contentPaths, redact, textOf, v3Bundle } from './fixtures/v3-bundle.js';
import { pricedBundleText } from './fixtures/priced-bundle.js';

async function run(
  argv: string[],
  stdin = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await main(['render', ...argv], {
    stdout,
    stderr,
    stdin: Readable.from([stdin]),
    isTTY: false,
  });
  return {
    code,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}

describe('workbench render', () => {
  let dir: string;
  const text = demoLikeBundleText();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'workbench-render-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes FILE.html beside FILE.json by default and says the bundle is intact', async () => {
    const file = join(dir, 'run.json');
    await writeFile(file, text);
    const r = await run([file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^wrote .*run\.html: bundle intact, sha256 [0-9a-f]{64}\n$/);
    const html = await readFile(join(dir, 'run.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('from <code>run.json</code>');
  });

  it('writes to -o, or to standard output with -o -', async () => {
    const file = join(dir, 'bundle');
    await writeFile(file, text);
    expect((await run([file, '-o', join(dir, 'out.html')])).code).toBe(0);
    expect(await readFile(join(dir, 'out.html'), 'utf8')).toContain(
      '<title>Weekly newsletter, 26 November · Run report</title>',
    );
    const r = await run([file, '-o', '-']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<!doctype html>[\s\S]*<\/html>\n$/);
    expect((await run([file])).stderr).toContain(`${file}.html`);
  });

  it('embeds the file byte for byte, with the estimated costs in a block beside it', async () => {
    const file = join(dir, 'priced.json');
    const priced = pricedBundleText();
    await writeFile(file, priced);
    const before = verifyBundle(priced);
    expect((await run([file])).code).toBe(0);
    const html = await readFile(join(dir, 'priced.html'), 'utf8');
    const block = (id: string) =>
      JSON.parse(
        new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`).exec(html)![1]!,
      );
    expect(block('bundle-text')).toBe(await readFile(file, 'utf8'));
    expect(await readFile(file, 'utf8')).toBe(priced);
    const after = verifyBundle(block('bundle-text'));
    expect(before.ok && after.ok && after.sha256).toBe(before.ok && before.sha256);
    expect(block('cost-estimates')).toMatchObject({
      pricing: { source: '@pydantic/genai-prices' },
      priced: 1,
      receipts: [
        { index: 1, estimate: { currency: 'USD', provider: 'anthropic' } },
        { index: 2, estimate: null },
      ],
    });
  });

  it('reads standard input for -, writing to standard output', async () => {
    const r = await run(['-'], text);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('id="bundle-text"');
  });

  it('renders a bundle that does not verify, and says so', async () => {
    const file = join(dir, 'tampered.json');
    await writeFile(file, text.replace('maria.keller@example.com', 'mallory@example.com'));
    const r = await run([file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('the bundle does NOT verify (hash_mismatch at /integrity/sha256)');
    expect(await readFile(join(dir, 'tampered.html'), 'utf8')).toContain('mallory@example.com');
  });

  it('exits 3 when the file cannot be read or the report cannot be written', async () => {
    expect((await run([join(dir, 'missing.json')])).code).toBe(3);
    const file = join(dir, 'ok.json');
    await writeFile(file, text);
    const r = await run([file, '-o', join(dir, 'no-such-dir', 'x.html')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('cannot write');
  });

  describe('with signatures', () => {
    const alice = generateKeyPair();
    const bob = generateKeyPair();
    const bundle = JSON.parse(text) as RunBundle;
    const envelope = serializeEnvelope(
      signBundle(bundle, 'signed.json', SigningKey.fromPem(alice.privateKeyPem), { role: 'app' }),
    );
    const signatureData = (html: string) =>
      JSON.parse(
        /<script type="application\/json" id="signature-data">(.*?)<\/script>/.exec(html)![1]!,
      ) as {
        envelope: { text: string; source: string } | null;
        trustedKeys: Array<{ label: string; keyId: string; spki: string }>;
      };
    let keys: string;

    beforeAll(async () => {
      keys = join(dir, 'keys');
      await mkdir(keys);
      await writeFile(join(keys, 'alice.pub'), alice.publicKeyPem);
      await writeFile(join(keys, 'bob.pub'), bob.publicKeyPem);
      await writeFile(join(keys, 'alice.key'), alice.privateKeyPem);
      await writeFile(join(dir, 'signed.json'), text);
      await writeFile(join(dir, 'signed.dsse.json'), envelope);
    });

    it('embeds X.dsse.json beside X.json and the --trust keys, and says who signed', async () => {
      const r = await run([join(dir, 'signed.json'), '--trust', join(keys, 'alice.pub')]);
      expect(r.code).toBe(0);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines[0]).toMatch(/bundle intact/);
      expect(lines[1]).toBe(
        `signature (signed.dsse.json): verified by alice.pub (key ${alice.keyId})`,
      );
      const data = signatureData(await readFile(join(dir, 'signed.html'), 'utf8'));
      expect(data.envelope).toEqual({ text: envelope, source: 'signed.dsse.json' });
      expect(data.trustedKeys).toEqual([
        { label: 'alice.pub', keyId: alice.keyId, spki: expect.any(String) },
      ]);
      // Written atomically: no temp file is left beside the report.
      expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });

    it('takes --envelope and --trust-dir, and reports an untrusted signer', async () => {
      await writeFile(join(dir, 'elsewhere.json'), envelope);
      const r = await run([
        join(dir, 'signed.json'),
        '--envelope',
        join(dir, 'elsewhere.json'),
        '--trust-dir',
        keys,
        '-o',
        join(dir, 'dir.html'),
      ]);
      expect(r.code).toBe(0);
      const data = signatureData(await readFile(join(dir, 'dir.html'), 'utf8'));
      expect(data.envelope?.source).toBe('elsewhere.json');
      expect(data.trustedKeys.map((k) => k.label)).toEqual(['alice.pub', 'bob.pub']);
      const untrusted = await run([join(dir, 'signed.json'), '--trust', join(keys, 'bob.pub')]);
      expect(untrusted.stderr).toContain(
        `signature (signed.dsse.json): NOT verified (no_trusted_signature: no signature is by a trusted key); untrusted key ${alice.keyId}`,
      );
    });

    it('embeds nothing and says nothing of signatures without an envelope or keys', async () => {
      const r = await run([join(dir, 'run.json')]);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(signatureData(await readFile(join(dir, 'run.html'), 'utf8'))).toEqual({
        envelope: null,
        trustedKeys: [],
      });
      const withKey = await run([join(dir, 'run.json'), '--trust', join(keys, 'bob.pub')]);
      expect(withKey.stderr).toContain('signature: none (no envelope): the report says unsigned');
    });

    it('refuses a private key as --trust (exit 2), naming the file but never the key', async () => {
      const r = await run([join(dir, 'signed.json'), '--trust', join(keys, 'alice.key')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('alice.key is a private key');
      expect(r.stderr).not.toContain('PRIVATE KEY');
      expect(r.stderr).not.toContain(alice.privateKeyPem.split('\n')[1]!);
    });

    it('exits 3 for a missing --envelope or --trust file', async () => {
      expect(
        (await run([join(dir, 'signed.json'), '--envelope', join(dir, 'none.dsse.json')])).code,
      ).toBe(3);
      expect((await run([join(dir, 'signed.json'), '--trust', join(keys, 'none.pub')])).code).toBe(
        3,
      );
    });

    it('says how many content members a version 3 bundle has redacted', async () => {
      const v3 = v3Bundle();
      await writeFile(join(dir, 'redacted.json'), textOf(redact(v3, contentPaths(v3))));
      const r = await run([join(dir, 'redacted.json')]);
      expect(r.code).toBe(0);
      // Once the bundle package verifies version 3, it also counts what was redacted.
      const verdict = verifyBundle(await readFile(join(dir, 'redacted.json'), 'utf8'));
      if (verdict.ok) {
        expect(r.stderr).toContain(`, ${contentPaths(v3).length} content member(s) redacted`);
      }
    });
  });

  it('exits 2 on bad usage and prints help with --help', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['a.json', 'b.json'])).code).toBe(2);
    expect((await run(['--bogus'])).code).toBe(2);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: workbench render FILE [-o OUT]');
    expect(help.stdout).toContain('--envelope FILE');
    expect(help.stdout).toContain('--trust PUB');
  });
});
