import { createHash } from 'node:crypto';

/**
 * sha256, lowercase hex, of bytes or of a string's UTF-8 encoding (lone surrogates encode as
 * U+FFFD, as in every UTF-8 encoder).
 *
 * @example
 * sha256Hex('abc'); // 'ba7816bf…'
 */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
