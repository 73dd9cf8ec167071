import { findDuplicateKeys } from '@llm-workbench/bundle';
import { decodeBase64, pae } from './dsse.js';
import { verifySignature, type TrustedKey } from './keys.js';
import {
  IN_TOTO_PAYLOAD_TYPE,
  RUN_BUNDLE_PREDICATE_TYPE,
  SIGNER_ROLES,
  STATEMENT_TYPE,
  type RunBundleStatement,
} from './statement.js';

/** Envelopes larger than this are refused unread. */
export const MAX_ENVELOPE_BYTES = 1024 * 1024;
/** At most this many signatures are checked. */
export const MAX_SIGNATURES = 64;

/** One signature of an envelope, as checked against the trusted keys. */
export interface SignatureCheck {
  /** The key id the signature names, or the trusted key's that verified it. */
  keyId: string;
  /**
   * - `verified`: a trusted key verifies it;
   * - `invalid`: it names a trusted key, which does not verify it (forged or damaged);
   * - `untrusted`: no trusted key verifies it, and it names none (a signer not trusted here).
   */
  status: 'verified' | 'invalid' | 'untrusted';
  /** The trusted key's label (its file) when verified or invalid. */
  label: string | null;
}

export type EnvelopeProblemCode =
  | 'too_large'
  | 'not_json'
  | 'not_an_envelope'
  | 'wrong_payload_type'
  | 'bad_payload'
  | 'not_a_statement'
  | 'subject_mismatch'
  | 'no_signatures'
  | 'no_trusted_signature';

export interface EnvelopeVerdict {
  /** The statement holds for this bundle and a trusted key verifies a signature over it. */
  ok: boolean;
  statement: RunBundleStatement | null;
  signatures: SignatureCheck[];
  problems: Array<{ code: EnvelopeProblemCode; message: string }>;
  /** What does not fail the check but is worth saying (a subject name that differs). */
  warnings: string[];
}

/**
 * Checks a DSSE envelope for a bundle: that it is an in-toto statement of our predicate type whose
 * subject is the bundle (by `integrity.sha256`; a differing file name is a warning, since files
 * get renamed in transit), and which of its signatures the trusted keys verify, over the PAE of
 * the exact payload bytes. Never throws.
 *
 * @example
 * const v = verifyEnvelope(text, { sha256: bundle.integrity.sha256, name: 'run.json' }, trusted);
 * v.ok; v.signatures; // [{ keyId, status: 'verified', label: 'alice.pub' }]
 */
export function verifyEnvelope(
  text: string,
  subject: { sha256: string; name: string },
  trusted: readonly TrustedKey[],
): EnvelopeVerdict {
  const verdict: EnvelopeVerdict = {
    ok: false,
    statement: null,
    signatures: [],
    problems: [],
    warnings: [],
  };
  const fail = (code: EnvelopeProblemCode, message: string): EnvelopeVerdict => {
    verdict.problems.push({ code, message });
    return verdict;
  };
  if (Buffer.byteLength(text, 'utf8') > MAX_ENVELOPE_BYTES) {
    return fail('too_large', `envelope is over ${MAX_ENVELOPE_BYTES} bytes`);
  }
  const env = parseStrict(text);
  if (env === undefined) return fail('not_json', 'envelope is not JSON (or repeats a member)');
  if (
    !isRecord(env) ||
    typeof env['payloadType'] !== 'string' ||
    typeof env['payload'] !== 'string' ||
    !Array.isArray(env['signatures'])
  ) {
    return fail('not_an_envelope', 'not a DSSE envelope: payloadType, payload, signatures');
  }
  if (env['payloadType'] !== IN_TOTO_PAYLOAD_TYPE) {
    return fail(
      'wrong_payload_type',
      `payloadType is ${JSON.stringify(env['payloadType']).slice(0, 80)}, not ${IN_TOTO_PAYLOAD_TYPE}`,
    );
  }
  const payload = decodeBase64(env['payload']);
  if (payload === null) return fail('bad_payload', 'payload is not base64');
  const statement = readStatement(payload);
  if (typeof statement === 'string') return fail('not_a_statement', statement);
  verdict.statement = statement;
  const names = statement.subject.filter((s) => s.digest.sha256 === subject.sha256);
  if (names.length === 0) {
    return fail(
      'subject_mismatch',
      `the statement vouches for ${statement.subject.map((s) => s.digest.sha256.slice(0, 12)).join(', ')}…, not this bundle (${subject.sha256.slice(0, 12)}…)`,
    );
  }
  if (!names.some((s) => s.name === subject.name)) {
    verdict.warnings.push(
      `signed as ${JSON.stringify(names[0]!.name)}, checked as ${JSON.stringify(subject.name)}`,
    );
  }
  const sigs = env['signatures'] as unknown[];
  if (sigs.length === 0) return fail('no_signatures', 'the envelope has no signatures');
  const signed = pae(env['payloadType'], payload);
  for (const s of sigs.slice(0, MAX_SIGNATURES)) {
    const keyid = isRecord(s) && typeof s['keyid'] === 'string' ? s['keyid'] : '';
    const sig = isRecord(s) && typeof s['sig'] === 'string' ? decodeBase64(s['sig']) : null;
    const by =
      sig === null ? undefined : trusted.find((k) => verifySignature(k.publicKey, signed, sig));
    if (by !== undefined) {
      verdict.signatures.push({ keyId: by.keyId, status: 'verified', label: by.label });
      continue;
    }
    const named = trusted.find((k) => k.keyId === keyid);
    verdict.signatures.push({
      keyId: keyid.slice(0, 128),
      status: named === undefined ? 'untrusted' : 'invalid',
      label: named?.label ?? null,
    });
  }
  if (!verdict.signatures.some((s) => s.status === 'verified')) {
    return fail(
      'no_trusted_signature',
      trusted.length === 0
        ? 'no trusted key given'
        : verdict.signatures.some((s) => s.status === 'invalid')
          ? 'a signature names a trusted key but does not verify: forged or damaged'
          : 'no signature is by a trusted key',
    );
  }
  verdict.ok = true;
  return verdict;
}

/** The statement in a payload, or why it is not one of ours. */
function readStatement(payload: Buffer): RunBundleStatement | string {
  const s = parseStrict(payload.toString('utf8'));
  if (!isRecord(s)) return 'payload is not a JSON object (or repeats a member)';
  if (s['_type'] !== STATEMENT_TYPE) return `payload is not an in-toto Statement v1`;
  if (s['predicateType'] !== RUN_BUNDLE_PREDICATE_TYPE) {
    return `predicateType is not ${RUN_BUNDLE_PREDICATE_TYPE}`;
  }
  const subject = s['subject'];
  if (
    !Array.isArray(subject) ||
    subject.length === 0 ||
    !subject.every(
      (x) =>
        isRecord(x) &&
        typeof x['name'] === 'string' &&
        isRecord(x['digest']) &&
        typeof x['digest']['sha256'] === 'string',
    )
  ) {
    return 'statement subject must list { name, digest.sha256 }';
  }
  const p = s['predicate'];
  if (
    !isRecord(p) ||
    typeof p['traceId'] !== 'string' ||
    typeof p['signedAt'] !== 'string' ||
    typeof p['schemaVersion'] !== 'number' ||
    !(p['runId'] === null || typeof p['runId'] === 'string') ||
    !SIGNER_ROLES.includes(p['signerRole'] as never)
  ) {
    return 'statement predicate must hold runId, traceId, schemaVersion, signedAt, signerRole';
  }
  return s as unknown as RunBundleStatement;
}

function parseStrict(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return findDuplicateKeys(text, 1).length > 0 ? undefined : value;
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
