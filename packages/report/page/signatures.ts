// The page's own signature check, as `workbench verify --trust` makes it (@llm-workbench/evidence's
// verifyEnvelope): the envelope is a DSSE envelope of an in-toto Statement v1 of our predicate
// type, whose subject is this bundle by integrity.sha256, and each signature over the DSSE PAE of
// the exact payload bytes is checked against the public keys embedded in the page.

import { findDuplicateKeys } from '@llm-workbench/bundle/browser';
import { verifyEd25519 } from './ed25519.js';
import { asArray, asObject, asString, member } from './read.js';
import { sha256Hex } from './sha256.js';
import type { SignatureEngine } from './ed25519.js';

export type EmbeddedKey = { label: string; spki: string };
export type PageKey = { label: string; keyId: string; spki: Uint8Array<ArrayBuffer> };
export type SignatureCheck = {
  keyId: string;
  status: 'verified' | 'invalid' | 'untrusted';
  label: string | null;
  engine: SignatureEngine | null;
};
export type StatementView = {
  runId: string | null;
  traceId: string | null;
  schemaVersion: number | null;
  signedAt: string | null;
  signerRole: string | null;
  subject: Array<{ name: string; sha256: string }>;
};
export type SignatureResult =
  | { state: 'unsigned' }
  | { state: 'unreadable'; code: string; message: string }
  | { state: 'subject-mismatch'; statement: StatementView; expected: string | null }
  | {
      state: 'verified' | 'invalid' | 'untrusted';
      statement: StatementView;
      signatures: SignatureCheck[];
      warnings: string[];
      trustedKeys: number;
    };

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const RUN_BUNDLE_PREDICATE_TYPE = 'https://llm-workbench.dev/attestation/run-bundle/v1';
const SIGNER_ROLES = ['app', 'receiver', 'operator'];
/** As @llm-workbench/evidence: larger envelopes are refused, more signatures are not checked. */
export const MAX_ENVELOPE_BYTES = 1024 * 1024;
export const MAX_SIGNATURES = 64;
const MAX_TRUSTED_KEYS = 64;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes base64 strictly (standard, or URL-safe as DSSE allows): null when it is not base64.
 *
 * @example
 * decodeBase64('e30='); // Uint8Array [123, 125]
 */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> | null {
  const std = text.replace(/-/g, '+').replace(/_/g, '/');
  if (!BASE64.test(std) || (std.length % 4 !== 0 && /=/.test(std))) return null;
  const unpadded = std.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return null;
  let binary;
  try {
    binary = atob(unpadded + '='.repeat((4 - (unpadded.length % 4)) % 4));
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  // Round trip: trailing bits that are not zero would decode two texts to the same bytes.
  if (btoa(binary).replace(/=+$/, '') !== unpadded) return null;
  return bytes;
}

/**
 * The DSSE pre-authentication encoding: `DSSEv1 LEN(type) type LEN(body) body`, lengths in bytes.
 *
 * @example
 * new TextDecoder().decode(pae('t', new Uint8Array([0x7b, 0x7d]))); // 'DSSEv1 1 t 2 {}'
 */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const enc = new TextEncoder();
  const type = enc.encode(payloadType);
  const head = enc.encode(`DSSEv1 ${type.length} `);
  const mid = enc.encode(` ${payload.length} `);
  const out = new Uint8Array(head.length + type.length + mid.length + payload.length);
  out.set(head, 0);
  out.set(type, head.length);
  out.set(mid, head.length + type.length);
  out.set(payload, head.length + type.length + mid.length);
  return out;
}

/**
 * The trusted keys embedded in the page, each with the key id the page computes itself (sha256
 * of the SPKI DER); entries that are not base64 are left out.
 *
 * @example
 * readTrustedKeys([{ label: 'alice.pub', spki: 'MCowBQYDK2VwAyEA…' }])[0].keyId; // '5c1e…'
 */
export function readTrustedKeys(embedded: unknown): PageKey[] {
  return asArray(embedded)
    .slice(0, MAX_TRUSTED_KEYS)
    .flatMap((k) => {
      const spki = decodeBase64(asString(member(k, 'spki')) ?? '!');
      if (spki === null) return [];
      return [
        { label: asString(member(k, 'label')) ?? '(no label)', keyId: sha256Hex(spki), spki },
      ];
    });
}

/**
 * Checks a bundle's DSSE envelope against the trusted keys. Never throws.
 *
 * @example
 * const result = await checkSignatures(envelopeText, bundle.integrity.sha256, keys, crypto.subtle);
 * result.state; // 'verified'
 * @param envelopeText null when the report embeds no envelope
 * @param bundleSha256 the bundle's integrity.sha256
 * @param bundleName the bundle's file name, when known: a statement that names
 *   it otherwise gets a warning (files get renamed in transit, so it is no failure)
 */
export async function checkSignatures(
  envelopeText: string | null,
  bundleSha256: string | null,
  trusted: PageKey[],
  subtle: SubtleCrypto | null | undefined,
  bundleName?: string | null,
): Promise<SignatureResult> {
  if (envelopeText === null) return { state: 'unsigned' };
  const unreadable = (code: string, message: string): SignatureResult => ({
    state: 'unreadable',
    code,
    message,
  });
  if (new TextEncoder().encode(envelopeText).length > MAX_ENVELOPE_BYTES) {
    return unreadable('too_large', `the envelope is over ${MAX_ENVELOPE_BYTES} bytes`);
  }
  const env = parseStrict(envelopeText);
  if (env === undefined)
    return unreadable('not_json', 'the envelope is not JSON (or repeats a member)');
  const o = asObject(env);
  const payloadType = asString(o?.['payloadType']);
  const payloadText = asString(o?.['payload']);
  if (!o || payloadType === null || payloadText === null || !Array.isArray(o['signatures'])) {
    return unreadable('not_an_envelope', 'not a DSSE envelope: payloadType, payload, signatures');
  }
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return unreadable(
      'wrong_payload_type',
      `payloadType is ${JSON.stringify(payloadType).slice(0, 80)}, not ${IN_TOTO_PAYLOAD_TYPE}`,
    );
  }
  const payload = decodeBase64(payloadText);
  if (payload === null) return unreadable('bad_payload', 'the payload is not base64');
  const statement = readStatement(payload);
  if (typeof statement === 'string') return unreadable('not_a_statement', statement);
  if (bundleSha256 === null || !statement.subject.some((s) => s.sha256 === bundleSha256)) {
    return { state: 'subject-mismatch', statement, expected: bundleSha256 };
  }
  const sigs = o['signatures'] as unknown[];
  if (sigs.length === 0) return unreadable('no_signatures', 'the envelope has no signatures');
  const signed = pae(payloadType, payload);
  const checks: SignatureCheck[] = [];
  for (const s of sigs.slice(0, MAX_SIGNATURES)) {
    const keyid = asString(member(s, 'keyid')) ?? '';
    const sig = decodeBase64(asString(member(s, 'sig')) ?? '!');
    let found: SignatureCheck | null = null;
    if (sig !== null) {
      // The named key first; any trusted key that verifies the signature vouches, as in verify.
      const order = [...trusted].sort(
        (a, b) => Number(b.keyId === keyid) - Number(a.keyId === keyid),
      );
      for (const k of order) {
        const { valid, engine } = await verifyEd25519(k.spki, signed, sig, subtle);
        if (valid) {
          found = { keyId: k.keyId, status: 'verified', label: k.label, engine };
          break;
        }
      }
    }
    if (found === null) {
      const named = trusted.find((k) => k.keyId === keyid);
      found = {
        keyId: keyid.slice(0, 128),
        status: named === undefined ? 'untrusted' : 'invalid',
        label: named?.label ?? null,
        engine: null,
      };
    }
    checks.push(found);
  }
  const warnings: string[] = [];
  const names = statement.subject.filter((x) => x.sha256 === bundleSha256).map((x) => x.name);
  if (bundleName && !names.includes(bundleName)) {
    warnings.push(`signed as ${JSON.stringify(names[0])}, shown as ${JSON.stringify(bundleName)}`);
  }
  if (sigs.length > MAX_SIGNATURES) {
    warnings.push(`only the first ${MAX_SIGNATURES} of ${sigs.length} signatures were checked`);
  }
  const state = checks.some((c) => c.status === 'verified')
    ? 'verified'
    : checks.some((c) => c.status === 'invalid')
      ? 'invalid'
      : 'untrusted';
  return { state, statement, signatures: checks, warnings, trustedKeys: trusted.length };
}

/**
 * The statement in a payload, or why it is not one of ours.
 *
 */
function readStatement(payload: Uint8Array): StatementView | string {
  const s = asObject(parseStrict(new TextDecoder().decode(payload)));
  if (!s) return 'the payload is not a JSON object (or repeats a member)';
  if (s['_type'] !== STATEMENT_TYPE) return 'the payload is not an in-toto Statement v1';
  if (s['predicateType'] !== RUN_BUNDLE_PREDICATE_TYPE) {
    return `predicateType is not ${RUN_BUNDLE_PREDICATE_TYPE}`;
  }
  const subject = s['subject'];
  const subjects: Array<{ name: string; sha256: string }> = [];
  for (const x of asArray(subject)) {
    const name = asString(member(x, 'name'));
    const sha256 = asString(member(member(x, 'digest'), 'sha256'));
    if (name === null || sha256 === null) break;
    subjects.push({ name, sha256 });
  }
  if (!Array.isArray(subject) || subject.length === 0 || subjects.length !== subject.length) {
    return 'the statement subject must list { name, digest.sha256 }';
  }
  const p = asObject(s['predicate']);
  const runId = p?.['runId'];
  if (
    !p ||
    typeof p['traceId'] !== 'string' ||
    typeof p['signedAt'] !== 'string' ||
    typeof p['schemaVersion'] !== 'number' ||
    !(runId === null || typeof runId === 'string') ||
    !SIGNER_ROLES.includes(p['signerRole'] as string)
  ) {
    return 'the statement predicate must hold runId, traceId, schemaVersion, signedAt, signerRole';
  }
  return {
    runId: typeof runId === 'string' ? runId : null,
    traceId: p['traceId'],
    schemaVersion: p['schemaVersion'],
    signedAt: p['signedAt'],
    signerRole: asString(p['signerRole']),
    subject: subjects,
  };
}

/**
 * @returns undefined when not JSON or a member repeats
 */
function parseStrict(text: string): unknown {
  try {
    const value = JSON.parse(text) as unknown;
    return findDuplicateKeys(text, 1).length > 0 ? undefined : value;
  } catch {
    return undefined;
  }
}
