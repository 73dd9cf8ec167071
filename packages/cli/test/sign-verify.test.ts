import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUNDLE_SCHEMA_VERSION } from '@llm-workbench/bundle';
import {
  bundleText,
  flipCharAt,
  keygen,
  readJson,
  sha256Of,
  tempDir,
  writeBundle,
} from './evidence-fixtures.js';
import { runCli } from './run-cli.js';

interface Envelope {
  payloadType: string;
  payload: string;
  signatures: Array<{ keyid: string; sig: string }>;
}

/** A folder with one bundle signed by alice, and bob's key pair (not trusted by default). */
async function signedFolder() {
  const dir = tempDir();
  const alice = await keygen(dir, 'alice');
  const bob = await keygen(dir, 'bob');
  const bundle = writeBundle(dir, 'run');
  const envelope = join(dir, 'run.dsse.json');
  const r = await runCli(['sign', bundle, '--key', alice.key]);
  if (r.code !== 0) throw new Error(r.stdout + r.stderr);
  return { dir, alice, bob, bundle, envelope };
}

const ENV_VARS = ['WORKBENCH_SIGNING_KEY', 'WORKBENCH_SIGNING_KEY_FILE'] as const;
afterEach(() => {
  for (const v of ENV_VARS) delete process.env[v];
});

describe('workbench sign', () => {
  it('writes X.dsse.json beside X.json: an in-toto statement naming the bundle, signed by the key', async () => {
    const { dir, alice, bundle, envelope } = await signedFolder();
    const env = readJson<Envelope>(envelope);
    expect(env.payloadType).toBe('application/vnd.in-toto+json');
    expect(env.signatures).toEqual([{ keyid: alice.keyId, sig: expect.any(String) }]);
    const statement = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8'));
    expect(statement).toMatchObject({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'run.json', digest: { sha256: sha256Of(readFileSync(bundle, 'utf8')) } }],
      predicate: { runId: 'run-run', signerRole: 'app' },
    });
    // No temp file left behind.
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp') || n.startsWith('.'))).toEqual([]);
  });

  it('states the schema version the file was written in, not the one it is read as', async () => {
    const dir = tempDir();
    const { key } = await keygen(dir, 'k');
    const { integrity: _i, ...rest } = JSON.parse(bundleText('old')) as {
      integrity: unknown;
      artifacts: Array<Record<string, unknown>>;
    } & Record<string, unknown>;
    const v2 = {
      ...rest,
      schemaVersion: 2,
      artifacts: rest.artifacts.map(({ patchSha256: _p, ...a }) => a),
    };
    const { canonicalize } = await import('@llm-workbench/bundle');
    const { createHash } = await import('node:crypto');
    const file = join(dir, 'v2.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...v2,
        integrity: {
          algorithm: 'sha256',
          canonicalization: 'RFC8785',
          sha256: createHash('sha256').update(canonicalize(v2)).digest('hex'),
        },
      }),
    );
    const r = await runCli(['sign', file, '--key', key]);
    expect(r.code, r.stderr).toBe(0);
    const env = readJson<Envelope>(join(dir, 'v2.dsse.json'));
    const statement = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8'));
    expect(statement.predicate.schemaVersion).toBe(2);
  });

  it('refuses to sign a bundle that does not verify, and writes no envelope', async () => {
    const dir = tempDir();
    const { key } = await keygen(dir, 'k');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, bundleText('x').replace('"x"', '"y"'));
    const good = writeBundle(dir, 'good');
    const r = await runCli(['sign', bad, good, '--key', key]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}.*bad\.json: does not verify, not signed: hash_mismatch/);
    expect(r.stdout).toMatch(/SIGNED .*good\.dsse\.json/);
    expect(existsSync(join(dir, 'bad.dsse.json'))).toBe(false);
    expect(existsSync(join(dir, 'good.dsse.json'))).toBe(true);
  });

  it('adds a second key as a witness; signing again with a key that signed changes nothing', async () => {
    const { alice, bob, bundle, envelope } = await signedFolder();
    const first = readJson<Envelope>(envelope);
    const r = await runCli(['sign', bundle, '--key', bob.key, '--role', 'receiver']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^COUNTERSIGNED .*run\.dsse\.json .*\(2 now\) to the statement made as app$/m,
    );
    const both = readJson<Envelope>(envelope);
    expect(both.payload).toBe(first.payload); // the statement is the app's, untouched
    expect(both.signatures.map((s) => s.keyid)).toEqual([alice.keyId, bob.keyId]);
    const bytes = readFileSync(envelope, 'utf8');
    const again = await runCli(['sign', bundle, '--key', alice.key]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^UNCHANGED .*already signed by key/m);
    expect(readFileSync(envelope, 'utf8')).toBe(bytes);
    // Each key alone verifies.
    expect((await runCli(['verify', bundle, '--trust', bob.pub])).code).toBe(0);
    expect((await runCli(['verify', bundle, '--trust', alice.pub])).code).toBe(0);
  });

  it('never overwrites an envelope that vouches for another bundle (conflict, exit 1)', async () => {
    const { dir, alice, envelope } = await signedFolder();
    const other = writeBundle(dir, 'other');
    copyFileSync(envelope, join(dir, 'other.dsse.json'));
    const before = readFileSync(join(dir, 'other.dsse.json'), 'utf8');
    const r = await runCli(['sign', other, '--key', alice.key]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /other\.json: conflict: .*other\.dsse\.json exists and vouches for another bundle/,
    );
    expect(readFileSync(join(dir, 'other.dsse.json'), 'utf8')).toBe(before);
  });

  it('takes the key from WORKBENCH_SIGNING_KEY_FILE or WORKBENCH_SIGNING_KEY', async () => {
    const dir = tempDir();
    const k = await keygen(dir, 'k');
    const a = writeBundle(dir, 'a');
    process.env['WORKBENCH_SIGNING_KEY_FILE'] = k.key;
    expect((await runCli(['sign', a])).code).toBe(0);
    delete process.env['WORKBENCH_SIGNING_KEY_FILE'];
    const b = writeBundle(dir, 'b');
    process.env['WORKBENCH_SIGNING_KEY'] = readFileSync(k.key, 'utf8');
    expect((await runCli(['sign', b, '--role', 'operator'])).code).toBe(0);
    expect((await runCli(['verify', a, b, '--trust', k.pub])).code).toBe(0);
  });

  it('exits 2 with no key, a public key, or an unknown role, never printing the key', async () => {
    const dir = tempDir();
    const k = await keygen(dir, 'k');
    const a = writeBundle(dir, 'a');
    const none = await runCli(['sign', a]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no signing key: give --key FILE/);
    const pub = await runCli(['sign', a, '--key', k.pub]);
    expect(pub.code).toBe(2);
    expect(pub.stderr).toMatch(/this is a public key/);
    process.env['WORKBENCH_SIGNING_KEY'] = 'not a key at all';
    const bad = await runCli(['sign', a]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/WORKBENCH_SIGNING_KEY: not a PEM private key/);
    expect(bad.stderr).not.toContain('not a key at all');
    delete process.env['WORKBENCH_SIGNING_KEY'];
    expect((await runCli(['sign', a, '--key', k.key, '--role', 'boss'])).code).toBe(2);
    expect((await runCli(['sign', a, '--key', join(dir, 'nope.key')])).code).toBe(3);
    expect(existsSync(join(dir, 'a.dsse.json'))).toBe(false);
  });
});

describe('workbench verify --trust', () => {
  it('passes when the integrity holds and a trusted key signed, naming the key', async () => {
    const { alice, bundle } = await signedFolder();
    const r = await runCli(['verify', bundle, '--trust', alice.pub]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^OK {4}[0-9a-f]{64} {2}.*run\\.json {2}signed by alice\\.pub \\(key ${alice.keyId.slice(0, 16)}\\)$`,
        'm',
      ),
    );
    const j = JSON.parse((await runCli(['verify', bundle, '--trust', alice.pub, '--json'])).stdout);
    expect(j).toEqual([
      {
        file: bundle,
        ok: true,
        sha256: sha256Of(readFileSync(bundle, 'utf8')),
        problems: [],
        signature: {
          envelope: bundle.replace(/\.json$/, '.dsse.json'),
          checked: true,
          verified: true,
          signatures: [{ keyId: alice.keyId, status: 'verified', label: 'alice.pub' }],
          warnings: [],
        },
      },
    ]);
  });

  it('trusts every *.pub of --trust-dir, and leaves out envelope files a glob matched', async () => {
    const { dir, bundle, envelope } = await signedFolder();
    const r = await runCli(['verify', bundle, envelope, '--trust-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/left out 1 envelope file/);
  });

  it('fails when one byte of the bundle changed', async () => {
    const { alice, bundle } = await signedFolder();
    writeFileSync(bundle, readFileSync(bundle, 'utf8').replace('"run-run"', '"run-rum"'));
    const r = await runCli(['verify', bundle, '--trust', alice.pub]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}.*run\.json: hash_mismatch/);
  });

  it('fails when one byte of a signature changed: forged or damaged', async () => {
    const { alice, bundle, envelope } = await signedFolder();
    const env = readJson<Envelope>(envelope);
    env.signatures[0]!.sig = flipCharAt(env.signatures[0]!.sig, 10);
    writeFileSync(envelope, JSON.stringify(env));
    const r = await runCli(['verify', bundle, '--trust', alice.pub]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /FAIL {2}.*run\.json: no_trusted_signature: .*run\.dsse\.json: a signature names a trusted key but does not verify: forged or damaged \(signatures: key [0-9a-f]{16} named as alice\.pub but does not verify\)/,
    );
  });

  it('fails when one byte of the envelope file changed', async () => {
    const { alice, bundle, envelope } = await signedFolder();
    const text = readFileSync(envelope, 'utf8');
    // Every byte of the payload member, one at a time, is caught.
    const start = text.indexOf('"payload": "') + '"payload": "'.length;
    for (let at = start; at < start + 40; at += 7) {
      writeFileSync(envelope, flipCharAt(text, at));
      const r = await runCli(['verify', bundle, '--trust', alice.pub]);
      expect(r.code, `byte ${at}`).toBe(1);
      expect(r.stdout).toMatch(/FAIL {2}.*run\.json: /);
    }
  });

  it('fails when one byte of the statement (the base64-decoded payload) changed', async () => {
    const { alice, bundle, envelope } = await signedFolder();
    const env = readJson<Envelope>(envelope);
    const statement = Buffer.from(env.payload, 'base64').toString('utf8');
    env.payload = Buffer.from(
      statement.replace('"signerRole":"app"', '"signerRole":"operator"'),
    ).toString('base64');
    writeFileSync(envelope, JSON.stringify(env));
    const r = await runCli(['verify', bundle, '--trust', alice.pub]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/no_trusted_signature: .*forged or damaged/);
  });

  it('fails for a signature by a key not trusted, naming that key', async () => {
    const { bob, bundle, alice } = await signedFolder();
    const r = await runCli(['verify', bundle, '--trust', bob.pub]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `no signature is by a trusted key (signatures: key ${alice.keyId.slice(0, 16)}, not trusted)`,
    );
  });

  it('escapes control characters an envelope carries in its key ids', async () => {
    const { bob, bundle, envelope } = await signedFolder();
    const env = readJson<Envelope>(envelope);
    env.signatures[0]!.keyid = '\u001b[2J\u001b[31mevil';
    writeFileSync(envelope, JSON.stringify(env));
    const checked = await runCli(['verify', bundle, '--trust', bob.pub]);
    const unchecked = await runCli(['verify', bundle]);
    for (const r of [checked, unchecked]) {
      expect(r.stdout).toContain('\\u001b[2J\\u001b[31mevil');
      expect(r.stdout).not.toContain('\u001b');
    }
  });

  it('fails with no envelope, and with the envelope of another bundle (subject mismatch)', async () => {
    const { dir, alice, envelope } = await signedFolder();
    const lone = writeBundle(dir, 'lone');
    const r = await runCli(['verify', lone, '--trust', alice.pub]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/lone\.json: no_envelope: no envelope .*lone\.dsse\.json: not signed/);
    copyFileSync(envelope, join(dir, 'lone.dsse.json'));
    const m = await runCli(['verify', lone, '--trust', alice.pub]);
    expect(m.code).toBe(1);
    expect(m.stdout).toMatch(
      /lone\.json: subject_mismatch: .*vouches for [0-9a-f]{12}…, not this bundle/,
    );
  });

  it('takes --envelope for one bundle (also from standard input), refuses it for several', async () => {
    const { dir, alice, bundle, envelope } = await signedFolder();
    const moved = join(dir, 'elsewhere.dsse');
    copyFileSync(envelope, moved);
    const { unlinkSync } = await import('node:fs');
    unlinkSync(envelope);
    expect((await runCli(['verify', bundle, '--trust', alice.pub])).code).toBe(1);
    expect((await runCli(['verify', bundle, '--trust', alice.pub, '--envelope', moved])).code).toBe(
      0,
    );
    const stdin = await runCli(
      ['verify', '-', '--trust', alice.pub, '--envelope', moved],
      readFileSync(bundle, 'utf8'),
    );
    expect(stdin.code).toBe(0);
    expect(stdin.stdout).toMatch(/^OK {4}[0-9a-f]{64} {2}- {2}signed by alice\.pub/);
    expect(stdin.stdout).not.toContain('note');
    expect((await runCli(['verify', bundle, bundle, '--envelope', moved])).code).toBe(2);
    expect((await runCli(['verify', bundle, '--envelope', join(dir, 'nope')])).code).toBe(3);
  });

  it('refuses a private key as --trust (exit 2) without printing it', async () => {
    const { alice, bundle } = await signedFolder();
    const r = await runCli(['verify', bundle, '--trust', alice.key]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/alice\.key is a private key: trust the public key/);
    expect(r.stderr).not.toMatch(/BEGIN/);
    expect((await runCli(['verify', bundle, '--trust', join(tempDir(), 'x.pub')])).code).toBe(3);
  });

  it('without --trust checks integrity as before and notes the signatures it did not check', async () => {
    const { alice, bob, bundle } = await signedFolder();
    await runCli(['sign', bundle, '--key', bob.key]);
    const r = await runCli(['verify', bundle]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK {4}[0-9a-f]{64} {2}.*run\.json$/m);
    expect(r.stdout).toContain(
      `note: ${bundle.replace(/\.json$/, '.dsse.json')} holds 2 signature(s) (key ${alice.keyId.slice(0, 16)}, ${bob.keyId.slice(0, 16)}), not checked: pass --trust PUB`,
    );
    // A damaged envelope does not fail an integrity-only check.
    writeFileSync(bundle.replace(/\.json$/, '.dsse.json'), '{oops');
    expect((await runCli(['verify', bundle])).code).toBe(0);
  });

  // Schema 3: integrity covers commitments, so removing content keeps the hash and the signature.
  it.skipIf(BUNDLE_SCHEMA_VERSION < 3)(
    'a redacted copy still verifies with the signature of the original, and says what was redacted',
    async () => {
      const dir = tempDir();
      expect((await runCli(['demo', '--out', dir])).code).toBe(0);
      const { readdirSync } = await import('node:fs');
      const name = readdirSync(dir).find((n) => /^[0-9a-f]{32}\.json$/.test(n))!;
      const alice = await keygen(dir, 'alice');
      expect((await runCli(['sign', join(dir, name), '--key', alice.key])).code).toBe(0);
      const b = readJson<{
        model_io: Array<{ input: { content: string | null } }>;
        redactions?: Array<{ path: string; kind: string }>;
      }>(join(dir, name));
      const redactions: Array<{ path: string; kind: string }> = [];
      b.model_io.forEach((r, i) => {
        if (r.input.content === null) return;
        r.input.content = null;
        redactions.push({ path: `/model_io/${i}/input/content`, kind: 'model_input' });
      });
      expect(redactions.length).toBeGreaterThan(0);
      b.redactions = redactions.sort((x, y) => (x.path < y.path ? -1 : 1));
      const shared = join(dir, 'shared.json');
      writeFileSync(shared, JSON.stringify(b));
      copyFileSync(join(dir, name.replace(/\.json$/, '.dsse.json')), join(dir, 'shared.dsse.json'));
      const r = await runCli(['verify', shared, '--trust', alice.pub]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^OK {4}[0-9a-f]{64} {2}.*shared\.json {2}signed by alice\.pub/m);
      expect(r.stdout).toContain(
        `note: redacted ${redactions.length} content member(s): model_input ×${redactions.length}`,
      );
      expect(r.stdout).toContain(`note: signed as "${name}", checked as "shared.json"`);
      const j = JSON.parse((await runCli(['verify', shared, '--json'])).stdout);
      expect(j[0].redactions).toEqual(redactions);
    },
  );
});
