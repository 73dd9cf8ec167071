import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  addSignature,
  generateKeyPair,
  IN_TOTO_PAYLOAD_TYPE,
  KeyError,
  pae,
  RUN_BUNDLE_PREDICATE_TYPE,
  serializeEnvelope,
  signBundle,
  SigningKey,
  STATEMENT_TYPE,
  trustedKeyFromPem,
  verifyEnvelope,
  type DsseEnvelope,
} from '../src/index.js';
import { bundle, flipCharAt, TRACE_A } from './fixtures.js';

const alice = generateKeyPair();
const bob = generateKeyPair();
const aliceKey = SigningKey.fromPem(alice.privateKeyPem);
const bobKey = SigningKey.fromPem(bob.privateKeyPem);
const trustAlice = [trustedKeyFromPem(alice.publicKeyPem, 'alice.pub')];
const NAME = `${TRACE_A}.json`;

function signed(): { text: string; sha256: string } {
  const b = bundle();
  return {
    text: serializeEnvelope(signBundle(b, NAME, aliceKey, { role: 'app' })),
    sha256: b.integrity.sha256,
  };
}

describe('DSSE signatures of bundles', () => {
  it('PAE is the DSSE v1 encoding, with byte lengths', () => {
    expect(pae('a/b', Buffer.from('héllo')).toString('utf8')).toBe('DSSEv1 3 a/b 6 héllo');
  });

  it('signs an in-toto Statement v1 whose subject is the bundle, and verifies with the trusted key', () => {
    const b = bundle();
    const env = signBundle(b, NAME, aliceKey, {
      role: 'app',
      signedAt: new Date('2026-12-04T10:00:00Z'),
    });
    expect(env.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
    expect(env.signatures).toEqual([{ keyid: alice.keyId, sig: expect.any(String) }]);
    const statement = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8'));
    expect(statement).toEqual({
      _type: STATEMENT_TYPE,
      subject: [{ name: NAME, digest: { sha256: b.integrity.sha256 } }],
      predicateType: RUN_BUNDLE_PREDICATE_TYPE,
      predicate: {
        runId: 'run-run',
        traceId: TRACE_A,
        schemaVersion: b.schemaVersion,
        signedAt: '2026-12-04T10:00:00.000Z',
        signerRole: 'app',
      },
    });
    const v = verifyEnvelope(
      serializeEnvelope(env),
      { sha256: b.integrity.sha256, name: NAME },
      trustAlice,
    );
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.signatures).toEqual([{ keyId: alice.keyId, status: 'verified', label: 'alice.pub' }]);
  });

  it('the key id is the sha256 of the SPKI DER, as openssl computes it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-ev-'));
    writeFileSync(join(dir, 'k.pub'), alice.publicKeyPem);
    const der = execFileSync('openssl', [
      'pkey',
      '-pubin',
      '-in',
      join(dir, 'k.pub'),
      '-outform',
      'DER',
    ]);
    expect(createHash('sha256').update(der).digest('hex')).toBe(alice.keyId);
  });

  it('a signature by a key that is not trusted is reported as untrusted, and fails', () => {
    const { text, sha256 } = signed();
    const v = verifyEnvelope(text, { sha256, name: NAME }, [
      trustedKeyFromPem(bob.publicKeyPem, 'bob.pub'),
    ]);
    expect(v.ok).toBe(false);
    expect(v.signatures).toEqual([{ keyId: alice.keyId, status: 'untrusted', label: null }]);
    expect(v.problems.map((p) => p.code)).toEqual(['no_trusted_signature']);
  });

  it('without trusted keys nothing verifies, and says so', () => {
    const { text, sha256 } = signed();
    const v = verifyEnvelope(text, { sha256, name: NAME }, []);
    expect(v.ok).toBe(false);
    expect(v.problems[0]!.message).toBe('no trusted key given');
  });

  it('one byte changed in the payload breaks the signature', () => {
    const { text, sha256 } = signed();
    const env = JSON.parse(text) as DsseEnvelope;
    const payload = Buffer.from(env.payload, 'base64');
    // Change a byte of the signedAt time: still a well-formed statement of the same subject.
    const at = payload.indexOf('"signedAt":"') + '"signedAt":"'.length + 3;
    payload[at] = payload[at] === 0x30 ? 0x31 : 0x30;
    env.payload = payload.toString('base64');
    const v = verifyEnvelope(serializeEnvelope(env), { sha256, name: NAME }, trustAlice);
    expect(v.ok).toBe(false);
    expect(v.statement).not.toBeNull();
    expect(v.signatures).toEqual([{ keyId: alice.keyId, status: 'invalid', label: 'alice.pub' }]);
    expect(v.problems[0]!.message).toMatch(/forged or damaged/);
  });

  it('one byte changed in the signature is a forged signature', () => {
    const { text, sha256 } = signed();
    const env = JSON.parse(text) as DsseEnvelope;
    const sig = Buffer.from(env.signatures[0]!.sig, 'base64');
    sig[10] = sig[10]! ^ 0x01;
    env.signatures[0]!.sig = sig.toString('base64');
    const v = verifyEnvelope(serializeEnvelope(env), { sha256, name: NAME }, trustAlice);
    expect(v.ok).toBe(false);
    expect(v.signatures[0]!.status).toBe('invalid');
  });

  it('every single-character change of the envelope text fails or leaves it verifying the same statement', () => {
    const { text, sha256 } = signed();
    const env = JSON.parse(text) as DsseEnvelope;
    // Each position inside the payload and the signature values.
    const starts = [text.indexOf(env.payload), text.indexOf(env.signatures[0]!.sig)];
    const lengths = [env.payload.length, env.signatures[0]!.sig.length];
    let checked = 0;
    for (let k = 0; k < 2; k++) {
      for (let i = 0; i < lengths[k]! - 2; i += 7) {
        const v = verifyEnvelope(
          flipCharAt(text, starts[k]! + i),
          { sha256, name: NAME },
          trustAlice,
        );
        expect(v.ok, `position ${starts[k]! + i}`).toBe(false);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('an envelope of another bundle does not vouch for this one', () => {
    const { text } = signed();
    const other = bundle('other');
    const v = verifyEnvelope(text, { sha256: other.integrity.sha256, name: NAME }, trustAlice);
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => p.code)).toEqual(['subject_mismatch']);
  });

  it('a renamed bundle still verifies, with a warning naming both names', () => {
    const { text, sha256 } = signed();
    const v = verifyEnvelope(text, { sha256, name: 'copy.json' }, trustAlice);
    expect(v.ok).toBe(true);
    expect(v.warnings).toEqual([`signed as "${NAME}", checked as "copy.json"`]);
  });

  it('a witness countersigns the same payload; either trusted key then suffices', () => {
    const b = bundle();
    const env = addSignature(signBundle(b, NAME, aliceKey, { role: 'app' }), bobKey);
    expect(env.signatures.map((s) => s.keyid)).toEqual([alice.keyId, bob.keyId]);
    expect(addSignature(env, bobKey)).toBe(env);
    const both = [...trustAlice, trustedKeyFromPem(bob.publicKeyPem, 'bob.pub')];
    const v = verifyEnvelope(
      serializeEnvelope(env),
      { sha256: b.integrity.sha256, name: NAME },
      both,
    );
    expect(v.signatures.map((s) => [s.label, s.status])).toEqual([
      ['alice.pub', 'verified'],
      ['bob.pub', 'verified'],
    ]);
    const onlyBob = verifyEnvelope(
      serializeEnvelope(env),
      { sha256: b.integrity.sha256, name: NAME },
      [trustedKeyFromPem(bob.publicKeyPem, 'bob.pub')],
    );
    expect(onlyBob.ok).toBe(true);
    expect(onlyBob.signatures.map((s) => s.status)).toEqual(['untrusted', 'verified']);
  });

  it('refuses what is not an envelope, with a reason', () => {
    const sub = { sha256: bundle().integrity.sha256, name: NAME };
    const code = (t: string) => verifyEnvelope(t, sub, trustAlice).problems[0]?.code;
    expect(code('not json')).toBe('not_json');
    expect(code('{"a":1,"a":2}')).toBe('not_json');
    expect(code('{"payload":"x"}')).toBe('not_an_envelope');
    expect(code('{"payloadType":"text/plain","payload":"","signatures":[]}')).toBe(
      'wrong_payload_type',
    );
    expect(code(`{"payloadType":"${IN_TOTO_PAYLOAD_TYPE}","payload":"@@","signatures":[]}`)).toBe(
      'bad_payload',
    );
    const notStatement = Buffer.from('{"_type":"x"}').toString('base64');
    expect(
      code(`{"payloadType":"${IN_TOTO_PAYLOAD_TYPE}","payload":"${notStatement}","signatures":[]}`),
    ).toBe('not_a_statement');
    const env = JSON.parse(signed().text) as DsseEnvelope;
    env.signatures = [];
    expect(code(JSON.stringify(env))).toBe('no_signatures');
    expect(code(' '.repeat(1024 * 1024 + 1))).toBe('too_large');
  });
});

describe('keys', () => {
  it('a signing key never prints its key material', () => {
    const shown = [String(aliceKey), JSON.stringify(aliceKey), inspect(aliceKey)].join(' ');
    expect(shown).toContain(alice.keyId);
    const body = alice.privateKeyPem.split('\n')[1]!;
    expect(shown).not.toContain(body.slice(0, 20));
    expect(shown).not.toMatch(/PRIVATE/);
  });

  it('reads keys openssl makes, and refuses the wrong kind with a reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-ev-'));
    const keyFile = join(dir, 'o.key');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', keyFile]);
    const pub = execFileSync('openssl', ['pkey', '-in', keyFile, '-pubout']).toString();
    const key = SigningKey.fromPem(readFileSync(keyFile, 'utf8'));
    expect(trustedKeyFromPem(pub, 'o.pub').keyId).toBe(key.keyId);

    const rsa = execFileSync('openssl', [
      'genpkey',
      '-algorithm',
      'rsa',
      '-pkeyopt',
      'rsa_keygen_bits:1024',
    ]).toString();
    expect(() => SigningKey.fromPem(rsa)).toThrow(KeyError);
    expect(() => SigningKey.fromPem(rsa)).toThrow(/only Ed25519/);
    expect(() => SigningKey.fromPem(alice.publicKeyPem)).toThrow(/public key/);
    expect(() => SigningKey.fromPem('garbage')).toThrow(/not a PEM private key/);
    expect(() => trustedKeyFromPem(alice.privateKeyPem, 'alice.key')).toThrow(/is a private key/);
    expect(() => trustedKeyFromPem('garbage', 'x.pub')).toThrow(/not a PEM public key/);
  });
});
