import { WIRE_I64, WIRE_LEN, WIRE_VARINT } from './proto-reader.js';

/**
 * A minimal protobuf wire-format writer into one growing buffer. Nested messages are written in
 * place after `fork()`; `ldelim(field)` then moves them right to make room for their tag and
 * length. That costs a copy per nesting level, which is fine for the shallow OTLP messages.
 */
export class ProtoWriter {
  private buf = Buffer.allocUnsafe(1024);
  private pos = 0;
  private readonly starts: number[] = [];

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private rawVarint(v: number): void {
    this.ensure(10);
    while (v > 0x7f) {
      this.buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  private rawVarint64(v: bigint): void {
    this.ensure(10);
    let u = BigInt.asUintN(64, v);
    while (u > 0x7fn) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  /** Writes a varint field holding a non-negative safe integer. */
  uint(field: number, v: number): this {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(v);
    return this;
  }

  /** Writes an int64 varint field (two's complement for negative values, as protobuf does). */
  int64(field: number, v: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    if (typeof v === 'number' && v >= 0) this.rawVarint(v);
    else this.rawVarint64(BigInt(v));
    return this;
  }

  fixed64(field: number, v: bigint): this {
    this.tag(field, WIRE_I64);
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
    return this;
  }

  double(field: number, v: number): this {
    this.tag(field, WIRE_I64);
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
    return this;
  }

  bytes(field: number, v: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.rawVarint(v.byteLength);
    this.ensure(v.byteLength);
    this.buf.set(v, this.pos);
    this.pos += v.byteLength;
    return this;
  }

  /** Writes hex text as bytes. */
  hex(field: number, hex: string): this {
    return this.bytes(field, Buffer.from(hex, 'hex'));
  }

  string(field: number, v: string): this {
    this.tag(field, WIRE_LEN);
    const max = v.length * 3;
    this.ensure(max + 10);
    const len = Buffer.byteLength(v, 'utf8');
    this.rawVarint(len);
    this.buf.write(v, this.pos, len, 'utf8');
    this.pos += len;
    return this;
  }

  /** Starts a nested message. */
  fork(): this {
    this.starts.push(this.pos);
    return this;
  }

  /** Ends the nested message started by the last `fork()` and writes it as field `field`. */
  ldelim(field: number): this {
    const start = this.starts.pop();
    if (start === undefined) throw new Error('ldelim without fork');
    const len = this.pos - start;
    const header = new ProtoWriter();
    header.tag(field, WIRE_LEN);
    header.rawVarint(len);
    const h = header.finish();
    this.ensure(h.length);
    this.buf.copyWithin(start + h.length, start, this.pos);
    this.buf.set(h, start);
    this.pos += h.length;
    return this;
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return new Uint8Array(this.buf.subarray(0, this.pos));
  }
}
