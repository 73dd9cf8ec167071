// Ed25519 signature checks in the page: WebCrypto where the browser has Ed25519 (Chromium 137 on,
// Firefox 129 on, Safari 17 on), else @noble/ed25519 (audited, pinned, inlined into the page by
// the renderer) with the page's own SHA-512. Both follow RFC 8032's strict rules, as node:crypto
// (OpenSSL) does, so the page and `workbench verify` agree on every signature.

import { hashes, verify } from '@noble/ed25519';
import { sha512 } from './sha512.js';

export type SignatureEngine = 'webcrypto' | 'javascript';

/** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the 32 key bytes follow it. */
const ED25519_SPKI_PREFIX = [
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/**
 * The raw 32-byte public key of an Ed25519 SPKI DER, or null when it is not one.
 *
 * @example
 * rawPublicKey(spkiDer)?.length; // 32
 */
export function rawPublicKey(spki: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> | null {
  if (spki.length !== ED25519_SPKI_PREFIX.length + 32) return null;
  for (let i = 0; i < ED25519_SPKI_PREFIX.length; i++) {
    if (spki[i] !== ED25519_SPKI_PREFIX[i]) return null;
  }
  return spki.slice(ED25519_SPKI_PREFIX.length);
}

/**
 * Whether `signature` is an Ed25519 signature of `message` by the SPKI DER public key `spki`:
 * with WebCrypto when `subtle` can import an Ed25519 key, else with the JavaScript fallback.
 * Never throws: a key or signature that cannot be read does not verify.
 *
 * @example
 * const { valid, engine } = await verifyEd25519(spki, pae, sig, crypto.subtle);
 */
export async function verifyEd25519(
  spki: Uint8Array<ArrayBuffer>,
  message: Uint8Array<ArrayBuffer>,
  signature: Uint8Array<ArrayBuffer>,
  subtle: SubtleCrypto | null | undefined,
): Promise<{ valid: boolean; engine: SignatureEngine }> {
  if (subtle && typeof subtle.importKey === 'function') {
    try {
      const key = await subtle.importKey('spki', spki, { name: 'Ed25519' }, false, ['verify']);
      const valid = await subtle.verify({ name: 'Ed25519' }, key, signature, message);
      return { valid, engine: 'webcrypto' };
    } catch {
      // No Ed25519 in this WebCrypto (or a key it refuses): the fallback decides.
    }
  }
  return { valid: verifyInJavaScript(spki, message, signature), engine: 'javascript' };
}

/**
 * The fallback: @noble/ed25519's verify in its RFC 8032 mode (`zip215: false`, which rejects the
 * non-canonical encodings that OpenSSL rejects), hashing with the page's SHA-512.
 *
 * @example
 * verifyInJavaScript(spki, pae, sig); // true
 */
export function verifyInJavaScript(
  spki: Uint8Array<ArrayBuffer>,
  message: Uint8Array<ArrayBuffer>,
  signature: Uint8Array<ArrayBuffer>,
): boolean {
  const raw = rawPublicKey(spki);
  if (raw === null || signature.length !== 64) return false;
  // noble's synchronous API takes its SHA-512 from this slot, which it leaves empty.
  if (hashes.sha512 === undefined) hashes.sha512 = sha512;
  try {
    return verify(signature, message, raw, { zip215: false });
  } catch {
    return false;
  }
}
