import { crc32 as zlibCrc32 } from 'node:zlib';

/**
 * CRC-32 (IEEE) of the bytes (or of a string's UTF-8), as an unsigned integer; `initial`
 * continues a previous CRC. Node's own (zlib.crc32, Node >= 20.15, the engines floor).
 *
 * @example
 * crc32('123456789'); // 0xcbf43926
 */
export function crc32(data: Uint8Array | string, initial = 0): number {
  return zlibCrc32(data, initial);
}
