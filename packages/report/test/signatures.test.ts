import { createHash, generateKeyPairSync, randomBytes, sign, webcrypto } from 'node:crypto';
import {
  generateKeyPair,
  pae as nodePae,
  serializeEnvelope,
  signBundle,
  SigningKey,
  trustedKeyFromPem,
  verifyEnvelope,
  type DsseEnvelope,
  type TrustedKey,
} from '@llm-workbench/evidence';
import type { RunBundle } from '@llm-workbench/bundle';
import { describe, expect, it } from 'vitest';
import { demoLikeBundle } from './fixtures/demo-like-bundle.js';
import {
  pageModule,
  type PageKey,
  type SignatureResult,
  type Subtle,
} from './helpers/page-modules.js';

const { checkSignatures, decodeBase64, pae, readTrustedKeys } = await pageModule('signatures.ts');
const { verifyEd25519, verifyInJavaScript, rawPublicKey } = await pageModule('ed25519.ts');
const { sha512 } = await pageModule('sha512.ts');
const subtle: Subtle = webcrypto.subtle;

function signer(label: string): { key: SigningKey; trusted: TrustedKey; page: PageKey } {
  const pair = generateKeyPair();
  const trusted = trustedKeyFromPem(pair.publicKeyPem, label);
  const spki = trusted.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return {
    key: SigningKey.fromPem(pair.privateKeyPem),
    trusted,
    page: readTrustedKeys([{ label, spki }])[0]!,
  };
}

const alice = signer('alice.pub');
const bob = signer('bob.pub');
const bundle: RunBundle = demoLikeBundle();
const sha = bundle.integrity.sha256;
const envelope = signBundle(bundle, 'run.json', alice.key, { role: 'app' });
const text = serializeEnvelope(envelope);

/** The envelope with the character at `at` of its first signature changed. */
function forge(env: DsseEnvelope, at = 10): string {
  const sig = env.signatures[0]!.sig;
  const c = sig[at] === 'A' ? 'B' : 'A';
  return serializeEnvelope({
    ...env,
    signatures: [{ ...env.signatures[0]!, sig: sig.slice(0, at) + c + sig.slice(at + 1) }],
  });
}

/** The page's verdict, as evidence's verifyEnvelope words it. */
function asEvidence(result: SignatureResult): {
  ok: boolean;
  statuses: string[];
  code: string | null;
} {
  switch (result.state) {
    case 'unsigned':
      return { ok: false, statuses: [], code: 'unsigned' };
    case 'unreadable':
      return { ok: false, statuses: [], code: result.code };
    case 'subject-mismatch':
      return { ok: false, statuses: [], code: 'subject_mismatch' };
    default:
      return {
        ok: result.state === 'verified',
        statuses: result.signatures.map((s) => s.status),
        code: result.state === 'verified' ? null : 'no_trusted_signature',
      };
  }
}

describe('checkSignatures (in the page)', () => {
  it('computes key ids as evidence does: sha256 of the SPKI DER', () => {
    expect(alice.page.keyId).toBe(alice.trusted.keyId);
    expect(alice.page.keyId).toBe(envelope.signatures[0]!.keyid);
  });

  it('verifies a signature by a trusted key, naming the key and its label', async () => {
    const result = await checkSignatures(text, sha, [bob.page, alice.page], subtle);
    expect(result).toMatchObject({
      state: 'verified',
      signatures: [
        { keyId: alice.trusted.keyId, status: 'verified', label: 'alice.pub', engine: 'webcrypto' },
      ],
      statement: {
        signerRole: 'app',
        runId: bundle.run.runId,
        subject: [{ name: 'run.json', sha256: sha }],
      },
    });
  });

  it('warns, without failing, when the statement names the bundle file otherwise', async () => {
    expect(await checkSignatures(text, sha, [alice.page], subtle, 'run.json')).toMatchObject({
      state: 'verified',
      warnings: [],
    });
    const node = verifyEnvelope(text, { sha256: sha, name: 'renamed.json' }, [alice.trusted]);
    expect(node.warnings).toEqual(['signed as "run.json", checked as "renamed.json"']);
    expect(await checkSignatures(text, sha, [alice.page], subtle, 'renamed.json')).toMatchObject({
      state: 'verified',
      warnings: ['signed as "run.json", shown as "renamed.json"'],
    });
  });

  it('calls a signature with one byte changed invalid, when it names a trusted key', async () => {
    const result = await checkSignatures(forge(envelope), sha, [alice.page], subtle);
    expect(result).toMatchObject({
      state: 'invalid',
      signatures: [
        { keyId: alice.trusted.keyId, status: 'invalid', label: 'alice.pub', engine: null },
      ],
    });
  });

  it('calls a signature by a key it was not given untrusted, and says so with no keys at all', async () => {
    expect(await checkSignatures(text, sha, [bob.page], subtle)).toMatchObject({
      state: 'untrusted',
      signatures: [{ keyId: alice.trusted.keyId, status: 'untrusted', label: null }],
      trustedKeys: 1,
    });
    expect(await checkSignatures(text, sha, [], subtle)).toMatchObject({
      state: 'untrusted',
      trustedKeys: 0,
    });
  });

  it('refuses an envelope for another bundle, and one for a bundle with no hash', async () => {
    const other = { ...bundle, integrity: { ...bundle.integrity, sha256: 'f'.repeat(64) } };
    const foreign = serializeEnvelope(signBundle(other, 'other.json', alice.key, { role: 'app' }));
    expect(await checkSignatures(foreign, sha, [alice.page], subtle)).toMatchObject({
      state: 'subject-mismatch',
      expected: sha,
      statement: { subject: [{ name: 'other.json', sha256: 'f'.repeat(64) }] },
    });
    expect((await checkSignatures(text, null, [alice.page], subtle)).state).toBe(
      'subject-mismatch',
    );
  });

  it('says unsigned without an envelope, and why an envelope cannot be read', async () => {
    expect(await checkSignatures(null, sha, [alice.page], subtle)).toEqual({ state: 'unsigned' });
    const payload = Buffer.from(envelope.payload, 'base64');
    const unreadable: Record<string, string> = {
      not_json: '{"payload": ',
      not_an_envelope: '{"payload":"e30="}',
      wrong_payload_type: serializeEnvelope({ ...envelope, payloadType: 'text/plain' }),
      bad_payload: serializeEnvelope({ ...envelope, payload: 'not base64!' }),
      not_a_statement: serializeEnvelope({
        ...envelope,
        payload: Buffer.from('{"a":1}').toString('base64'),
      }),
      no_signatures: serializeEnvelope({ ...envelope, signatures: [] }),
      too_large: `${text}${' '.repeat(1024 * 1024)}`,
    };
    for (const [code, input] of Object.entries(unreadable)) {
      expect(await checkSignatures(input, sha, [alice.page], subtle), code).toMatchObject({
        state: 'unreadable',
        code,
      });
    }
    expect(payload.length).toBeGreaterThan(100);
  });

  it('agrees with verifyEnvelope of @llm-workbench/evidence on each envelope', async () => {
    const countersigned = serializeEnvelope({
      ...envelope,
      signatures: [
        ...envelope.signatures,
        {
          keyid: bob.trusted.keyId,
          sig: bob.key
            .sign(nodePae(envelope.payloadType, Buffer.from(envelope.payload, 'base64')))
            .toString('base64'),
        },
      ],
    });
    const keySets = [[alice], [bob], [alice, bob], []];
    const envelopes = [text, forge(envelope), forge(envelope, 40), countersigned, '{}'];
    for (const env of envelopes) {
      for (const keys of keySets) {
        const node = verifyEnvelope(
          env,
          { sha256: sha, name: 'run.json' },
          keys.map((k) => k.trusted),
        );
        const page = asEvidence(
          await checkSignatures(
            env,
            sha,
            keys.map((k) => k.page),
            subtle,
          ),
        );
        const label = `${keys.map((k) => k.trusted.label).join('+')} ${env.slice(0, 40)}`;
        expect(page.ok, label).toBe(node.ok);
        expect(page.statuses, label).toEqual(node.signatures.map((s) => s.status));
        if (!node.ok && node.problems[0]) expect(page.code, label).toBe(node.problems[0].code);
      }
    }
  });

  it('gives the same verdicts with the JavaScript fallback where WebCrypto is missing', async () => {
    const verified = await checkSignatures(text, sha, [alice.page], null);
    expect(verified).toMatchObject({
      state: 'verified',
      signatures: [{ status: 'verified', engine: 'javascript' }],
    });
    expect((await checkSignatures(forge(envelope), sha, [alice.page], null)).state).toBe('invalid');
    // A WebCrypto without Ed25519 (older browsers) falls back too.
    const noEd25519 = {
      importKey: () => Promise.reject(new DOMException('Unrecognized name', 'NotSupportedError')),
    } as unknown as Subtle;
    expect(await checkSignatures(text, sha, [alice.page], noEd25519)).toMatchObject({
      state: 'verified',
      signatures: [{ engine: 'javascript' }],
    });
  });
});

describe('verifyEd25519 and its JavaScript fallback (in the page)', () => {
  it('agree with node:crypto on valid, altered and wrong-key signatures', async () => {
    for (let i = 0; i < 8; i++) {
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
      const message = randomBytes(i * 37);
      const sig = new Uint8Array(sign(null, message, privateKey));
      expect(verifyInJavaScript(spki, message, sig)).toBe(true);
      expect(await verifyEd25519(spki, message, sig, subtle)).toEqual({
        valid: true,
        engine: 'webcrypto',
      });
      const bad = sig.slice();
      bad[i % 64] = bad[i % 64]! ^ 1;
      expect(verifyInJavaScript(spki, message, bad)).toBe(false);
      expect((await verifyEd25519(spki, message, bad, subtle)).valid).toBe(false);
      const other = new Uint8Array(
        generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }),
      );
      expect(verifyInJavaScript(other, message, sig)).toBe(false);
    }
  });

  it('passes the RFC 8032 test vectors (section 7.1, tests 1 to 3)', () => {
    const vectors = [
      [
        'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
        '',
        'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
      ],
      [
        '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
        '72',
        '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
      ],
      [
        'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
        'af82',
        '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
      ],
    ] as const;
    const prefix = Buffer.from('302a300506032b6570032100', 'hex');
    for (const [pub, msg, sig] of vectors) {
      const spki = new Uint8Array(Buffer.concat([prefix, Buffer.from(pub, 'hex')]));
      expect(rawPublicKey(spki)).toEqual(new Uint8Array(Buffer.from(pub, 'hex')));
      expect(verifyInJavaScript(spki, Buffer.from(msg, 'hex'), Buffer.from(sig, 'hex'))).toBe(true);
    }
    expect(rawPublicKey(new Uint8Array(44))).toBeNull();
  });
});

describe('sha512 (the page fallback for Ed25519)', () => {
  it('matches node:crypto around the block and padding boundaries and on larger inputs', () => {
    for (const n of [...Array.from({ length: 260 }, (_, i) => i), 1000, 65_537]) {
      const bytes = randomBytes(n);
      expect(Buffer.from(sha512(bytes)).toString('hex'), `length ${n}`).toBe(
        createHash('sha512').update(bytes).digest('hex'),
      );
    }
  });
});

describe('decodeBase64 and pae (in the page)', () => {
  it('decodes as evidence does, strictly', () => {
    expect(decodeBase64('e30=')).toEqual(new Uint8Array([123, 125]));
    expect(decodeBase64('e30')).toEqual(new Uint8Array([123, 125]));
    expect(decodeBase64('-_8=')).toEqual(new Uint8Array([0xfb, 0xff]));
    for (const bad of ['e3=0', 'e30=a', 'e31=', '!', 'a'])
      expect(decodeBase64(bad), bad).toBeNull();
  });

  it('encodes the PAE as evidence does, lengths in bytes', () => {
    const payload = Buffer.from('{"n":"é"}', 'utf8');
    expect(Buffer.from(pae('application/vnd.in-toto+json', payload))).toEqual(
      nodePae('application/vnd.in-toto+json', payload),
    );
  });
});
