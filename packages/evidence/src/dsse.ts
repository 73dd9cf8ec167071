/**
 * DSSE (Dead Simple Signing Envelope, secure-systems-lab/dsse v1): an envelope holds a payload,
 * its type, and signatures over the pre-authentication encoding (PAE) of the two, never over a
 * re-serialization, so that what was signed is exactly the bytes carried.
 */

import { canonicalize } from '@llm-workbench/bundle';
import type { SigningKey } from './keys.js';

/** A DSSE envelope as JSON. `payload` and each `sig` are standard base64. */
export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: DsseSignature[];
}

export interface DsseSignature {
  keyid: string;
  sig: string;
}

/**
 * The DSSE pre-authentication encoding: `DSSEv1 SP LEN(type) SP type SP LEN(body) SP body`, with
 * lengths as ASCII decimal byte counts.
 *
 * @example
 * pae('application/vnd.in-toto+json', Buffer.from('{}')).toString();
 * // 'DSSEv1 28 application/vnd.in-toto+json 2 {}'
 */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'utf8'),
    type,
    Buffer.from(` ${payload.length} `, 'utf8'),
    payload,
  ]);
}

/** `key`'s signature over the PAE of a payload. */
export function dsseSignature(
  key: SigningKey,
  payloadType: string,
  payload: Uint8Array,
): DsseSignature {
  return { keyid: key.keyId, sig: key.sign(pae(payloadType, payload)).toString('base64') };
}

/**
 * An envelope of `value` as RFC 8785 JSON (the bytes signed and carried), signed by `key`.
 *
 * @example
 * signJson(CHECKPOINT_PAYLOAD_TYPE, checkpoint, key).signatures[0]?.keyid; // key.keyId
 */
export function signJson(payloadType: string, value: unknown, key: SigningKey): DsseEnvelope {
  const payload = Buffer.from(canonicalize(value), 'utf8');
  return {
    payload: payload.toString('base64'),
    payloadType,
    signatures: [dsseSignature(key, payloadType, payload)],
  };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes standard base64 strictly (DSSE allows URL-safe too): null when it is not base64. */
export function decodeBase64(text: string): Buffer | null {
  const std = text.replace(/-/g, '+').replace(/_/g, '/');
  if (!BASE64.test(std) || (std.length % 4 !== 0 && /=/.test(std))) return null;
  const bytes = Buffer.from(std, 'base64');
  // Round trip, padding aside: Buffer ignores stray characters, which must not pass.
  if (bytes.toString('base64').replace(/=+$/, '') !== std.replace(/=+$/, '')) return null;
  return bytes;
}
