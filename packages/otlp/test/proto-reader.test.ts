import { describe, expect, it } from 'vitest';
import { ProtoError, ProtoReader } from '../src/protobuf/proto-reader.js';

/** The varint bytes of an unsigned 64-bit value. */
function varint(value: bigint): Buffer {
  const bytes: number[] = [];
  let v = BigInt.asUintN(64, value);
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    bytes.push(v === 0n ? low : low | 0x80);
  } while (v !== 0n);
  return Buffer.from(bytes);
}

describe('ProtoReader', () => {
  it('reads a varint as its low 32 bits, unsigned, whatever its length', () => {
    const values = [0n, 1n, 127n, 128n, 300n, 16_383n, 16_384n, 2n ** 28n - 1n, 2n ** 28n];
    values.push(
      2n ** 31n - 1n,
      2n ** 31n,
      2n ** 32n - 1n,
      2n ** 32n,
      2n ** 32n + 5n,
      2n ** 35n - 1n,
    );
    values.push(2n ** 63n + 12_345n, 2n ** 64n - 1n, -1n, -2n, -(2n ** 31n));
    for (const value of values) {
      const bytes = varint(value);
      const reader = new ProtoReader(Buffer.concat([bytes, Buffer.from([0x2a])]));
      expect(reader.uint32(), `${value}`).toBe(Number(BigInt.asUintN(32, value)));
      expect(reader.pos).toBe(bytes.length);
      expect(reader.uint32()).toBe(42);
    }
  });

  it('refuses a varint that is cut short or longer than 10 bytes', () => {
    expect(() => new ProtoReader(Buffer.from([0x80, 0x80])).uint32()).toThrow(ProtoError);
    expect(() =>
      new ProtoReader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])).uint32(),
    ).toThrow(ProtoError);
    expect(() => new ProtoReader(Buffer.alloc(11, 0xff)).uint32()).toThrow(
      'varint longer than 10 bytes',
    );
  });

  it('reads int64 and uint64 varints exactly', () => {
    for (const value of [
      0n,
      1n,
      2n ** 49n - 1n,
      2n ** 53n + 1n,
      2n ** 63n - 1n,
      -1n,
      -(2n ** 63n),
    ]) {
      const bytes = varint(value);
      const expected = Number.isSafeInteger(Number(value)) && BigInt(Number(value)) === value;
      expect(new ProtoReader(bytes).int64()).toBe(expected ? Number(value) : value);
      expect(new ProtoReader(bytes).uint64()).toBe(BigInt.asUintN(64, value));
    }
  });
});
