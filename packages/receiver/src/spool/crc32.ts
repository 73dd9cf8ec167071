import * as zlib from 'node:zlib';

let table: Uint32Array | undefined;

function jsCrc32(data: Uint8Array, initial: number): number {
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = (initial ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++)
    crc = (table[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// zlib.crc32 exists from Node 20.15 and 22.2; older Node 20 releases get the table version.
const native = (zlib as { crc32?: (data: Uint8Array | string, value?: number) => number }).crc32;

/**
 * CRC-32 (IEEE) of the bytes (or of a string's UTF-8), as an unsigned integer; `initial`
 * continues a previous CRC.
 */
export function crc32(data: Uint8Array | string, initial = 0): number {
  if (native !== undefined) return native(data, initial);
  return jsCrc32(typeof data === 'string' ? Buffer.from(data, 'utf8') : data, initial);
}
