import { isUtf8 } from 'node:buffer';

/** Protobuf wire types. */
export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** Thrown for bytes that are not a protobuf message; the request fails as a whole. */
export class ProtoError extends Error {
  override readonly name = 'ProtoError';
}

/**
 * Throws a {@link ProtoError}. Out of line, so that the small readers that may throw stay small
 * enough for V8 to inline them into the walkers' loops.
 */
function fail(message: string): never {
  throw new ProtoError(message);
}

/**
 * A minimal protobuf wire-format reader over one buffer: varints, fixed 32/64-bit values and
 * length-delimited ranges, with every length checked against the enclosing message. 64-bit values
 * are read exactly (as bigint when they do not fit a safe integer).
 */
export class ProtoReader {
  pos: number;
  /** Whether a string held bytes that are not UTF-8 (read as U+FFFD). */
  replacedInvalidUtf8 = false;

  constructor(
    readonly buf: Buffer,
    start = 0,
  ) {
    this.pos = start;
  }

  /** Reads a varint and keeps its low 32 bits, unsigned (tags, lengths, enums, bools). */
  uint32(): number {
    // Most tags and lengths are one byte: that case is kept small enough to be inlined everywhere.
    const b = this.buf[this.pos];
    if (b !== undefined && b < 0x80) {
      this.pos++;
      return b;
    }
    return this.uint32Long();
  }

  private uint32Long(): number {
    const buf = this.buf;
    let pos = this.pos;
    // The low 32 bits are in the first five bytes (7 + 7 + 7 + 7 + 4 bits), put together with int32
    // operations and made unsigned once (`>>> 0`): the value stays a small integer, never a double.
    let value = 0;
    for (let shift = 0; shift < 32; shift += 7) {
      const b = buf[pos++];
      if (b === undefined) fail('truncated varint');
      value |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    // Bytes 6 to 10 carry bits above 32: checked for the end of the varint, not kept.
    for (let i = 5; i < 10; i++) {
      const b = buf[pos++];
      if (b === undefined) fail('truncated varint');
      if (b < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    fail('varint longer than 10 bytes');
  }

  /**
   * Steps over a varint, failing where {@link uint64} fails (cut short, longer than 10 bytes):
   * for a value that is not kept, without the bigint `uint64` makes.
   */
  skipVarint(): void {
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < 10; i++) {
      const b = buf[pos++];
      if (b === undefined) fail('truncated varint');
      if (b < 0x80) {
        this.pos = pos;
        return;
      }
    }
    fail('varint longer than 10 bytes');
  }

  /**
   * Steps over a fixed64 or a double (`what`), failing where {@link fixed64} and {@link double}
   * fail: fewer than 8 bytes left in the buffer.
   */
  skip64(what: 'fixed64' | 'double'): void {
    if (this.pos + 8 > this.buf.length) fail(`truncated ${what}`);
    this.pos += 8;
  }

  /** Reads a varint as an unsigned 64-bit bigint. */
  uint64(): bigint {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = buf[pos++];
      if (b === undefined) fail('truncated varint');
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return BigInt.asUintN(64, result);
      }
      shift += 7n;
    }
    fail('varint longer than 10 bytes');
  }

  /** Reads an int64 varint exactly: a number when safe, else a bigint. */
  int64(): number | bigint {
    const buf = this.buf;
    // Fast path: up to 7 bytes (49 bits) of a non-negative value fit a double exactly.
    let value = 0;
    let mult = 1;
    for (let i = 0; i < 7; i++) {
      const b = buf[this.pos + i];
      if (b === undefined) fail('truncated varint');
      value += (b & 0x7f) * mult;
      if (b < 0x80) {
        this.pos += i + 1;
        return value;
      }
      mult *= 128;
    }
    const n = BigInt.asIntN(64, this.uint64());
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(n)
      : n;
  }

  /** Reads a fixed64 exactly as an unsigned bigint. */
  fixed64(): bigint {
    if (this.pos + 8 > this.buf.length) fail('truncated fixed64');
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * Reads a fixed64 and tells only whether it is zero (no bigint made), for readers that check a
   * time without keeping it: zero is the one time protobuf can carry that is not valid.
   */
  fixed64IsZero(): boolean {
    const pos = this.pos;
    if (pos + 8 > this.buf.length) fail('truncated fixed64');
    this.pos = pos + 8;
    const b = this.buf;
    return (
      ((b[pos] as number) |
        (b[pos + 1] as number) |
        (b[pos + 2] as number) |
        (b[pos + 3] as number) |
        (b[pos + 4] as number) |
        (b[pos + 5] as number) |
        (b[pos + 6] as number) |
        (b[pos + 7] as number)) ===
      0
    );
  }

  double(): number {
    if (this.pos + 8 > this.buf.length) fail('truncated double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Reads a length prefix and returns the end offset of the delimited range, checked against `limit`. */
  delimited(limit: number): number {
    const len = this.uint32();
    const end = this.pos + len;
    if (end > limit) fail('length-delimited field runs past the end of its message');
    return end;
  }

  /** Reads a length-delimited UTF-8 string. */
  string(limit: number): string {
    const end = this.delimited(limit);
    const start = this.pos;
    this.pos = end;
    return start === end ? '' : this.text(start, end);
  }

  /** The UTF-8 text of a byte range, bytes that are not UTF-8 read as U+FFFD (and noted). */
  text(start: number, end: number): string {
    if (!this.replacedInvalidUtf8 && !isUtf8(this.buf.subarray(start, end))) {
      this.replacedInvalidUtf8 = true;
    }
    return this.buf.toString('utf8', start, end);
  }

  /** Skips a field of the given wire type. */
  skip(wireType: number, limit: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.skipVarint();
        break;
      case WIRE_I64:
        this.pos += 8;
        break;
      case WIRE_LEN:
        this.pos = this.delimited(limit);
        break;
      case WIRE_I32:
        this.pos += 4;
        break;
      default:
        fail(`unsupported wire type ${wireType}`);
    }
    if (this.pos > limit) fail('field runs past the end of its message');
  }
}
