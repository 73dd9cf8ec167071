import { DEFAULT_MAX_VALUE_DEPTH } from '@llm-workbench/otlp';
import { newScannedSpans, type ScannedSpans } from './scanned-spans.js';

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

const TAG_1_LEN = (1 << 3) | WIRE_LEN;
const TAG_2_LEN = (2 << 3) | WIRE_LEN;
const TAG_1_I64 = (1 << 3) | WIRE_I64;
const TAG_3_LEN = (3 << 3) | WIRE_LEN;

/** Thrown inside the scan for anything the fast path does not vouch for; the caller decodes fully. */
class Bail extends Error {}
const BAIL = new Bail();

/**
 * The ingest fast path for OTLP/protobuf: walks an `ExportTraceServiceRequest` without building
 * span records, checking everything `decodeOtlpProtobuf` checks (wire structure, id lengths, zero
 * ids, zero times, value nesting), and returns the ids and root flags of the spans.
 *
 * It vouches only for requests in which every span is valid and the structure is unremarkable:
 * for anything else (a span the decoder would reject, a malformed message, a varint that runs past
 * its message) it returns null and the caller decodes with `decodeOtlpProtobuf`, which reports
 * exactly. Whatever it accepts, the decoder accepts with the same ids in the same order: the
 * differential test in `test/ingest-scan.test.ts` holds the two together.
 *
 * @example
 * const scanned = scanOtlpProtobuf(body) ?? scannedFromDecoded(decodeOtlpProtobuf(body));
 */
export function scanOtlpProtobuf(body: Buffer): ScannedSpans | null {
  const scan = new ProtobufScan(body);
  try {
    scan.request();
  } catch (err) {
    if (err === BAIL) return null;
    throw err;
  }
  return scan.out;
}

class ProtobufScan {
  pos = 0;
  readonly out = newScannedSpans();

  constructor(private readonly buf: Buffer) {}

  request(): void {
    const end = this.buf.length;
    while (this.pos < end) {
      const tag = this.varint32();
      if (tag === TAG_1_LEN) {
        const e = this.delimited(end);
        this.resourceSpans(e);
        this.pos = e;
      } else this.skip(tag & 7, end);
    }
  }

  // ---- Wire primitives: each bails where ProtoReader would throw, and also on the oddities it
  // tolerates (a varint running past its message), which the decoder then judges.

  private varint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = buf[pos++];
    if (b === undefined) throw BAIL;
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let value = b & 0x7f;
    let mult = 128;
    for (let i = 1; i < 10; i++) {
      b = buf[pos++];
      if (b === undefined) throw BAIL;
      if (i < 5) {
        value += (b & 0x7f) * mult;
        mult *= 128;
      }
      if (b < 0x80) {
        this.pos = pos;
        return value % 4294967296;
      }
    }
    throw BAIL;
  }

  /** Skips a varint of up to 10 bytes, within `limit`. */
  private skipVarint(limit: number): void {
    const buf = this.buf;
    for (let i = 0; i < 10; i++) {
      const b = buf[this.pos++];
      if (b === undefined) throw BAIL;
      if (b < 0x80) {
        if (this.pos > limit) throw BAIL;
        return;
      }
    }
    throw BAIL;
  }

  private delimited(limit: number): number {
    const len = this.varint32();
    const end = this.pos + len;
    if (end > limit) throw BAIL;
    return end;
  }

  /** Scans an ArrayValue or KeyValueList: field 1 repeated, one level deeper, within the depth limit. */
  private nestedList(end: number, depth: number, keyValues: boolean): void {
    const e = this.delimited(end);
    if (depth + 1 > DEFAULT_MAX_VALUE_DEPTH) throw BAIL;
    while (this.pos < e) {
      const t = this.varint32();
      if (t === TAG_1_LEN) {
        const ie = this.delimited(e);
        if (keyValues) this.keyValue(ie, depth + 1);
        else this.anyValue(ie, depth + 1);
        this.pos = ie;
      } else this.skip(t & 7, e);
    }
    if (this.pos !== e) throw BAIL;
  }

  private skip(wire: number, limit: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.skipVarint(limit);
        return;
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
        throw BAIL;
    }
    if (this.pos > limit) throw BAIL;
  }

  /** Reads a fixed64 and tells whether it is zero (the only time the decoder rejects). */
  private fixed64IsZero(limit: number): boolean {
    const pos = this.pos;
    if (pos + 8 > limit) throw BAIL;
    this.pos = pos + 8;
    return this.buf.readUInt32LE(pos) === 0 && this.buf.readUInt32LE(pos + 4) === 0;
  }

  private isZero(start: number, end: number): boolean {
    const buf = this.buf;
    for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
    return true;
  }

  // ---- Messages

  private resourceSpans(end: number): void {
    let resStart = -1;
    let resEnd = -1;
    const scopeSpans: number[] = [];
    const legacy: number[] = [];
    while (this.pos < end) {
      const tag = this.varint32();
      const field = tag >>> 3;
      if ((tag & 7) === WIRE_LEN && (field === 1 || field === 2 || field === 1000)) {
        const e = this.delimited(end);
        if (field === 1) {
          // Two resource messages would merge in the decoder: not worth a fast path.
          if (resStart >= 0) throw BAIL;
          resStart = this.pos;
          resEnd = e;
        } else if (field === 2) scopeSpans.push(this.pos, e);
        else legacy.push(this.pos, e);
        this.pos = e;
      } else this.skip(tag & 7, end);
    }
    if (resStart >= 0) {
      this.pos = resStart;
      this.attributesMessage(resEnd);
    }
    const list = scopeSpans.length > 0 ? scopeSpans : legacy;
    for (let j = 0; j < list.length; j += 2) {
      this.pos = list[j] as number;
      this.scopeSpans(list[j + 1] as number);
    }
    this.pos = end;
  }

  /** A Resource: its attributes (field 1) are checked; other fields are skipped. */
  private attributesMessage(end: number): void {
    while (this.pos < end) {
      const tag = this.varint32();
      if (tag === TAG_1_LEN) {
        const e = this.delimited(end);
        this.keyValue(e, 0);
        this.pos = e;
      } else this.skip(tag & 7, end);
    }
  }

  private scopeSpans(end: number): void {
    let scope = false;
    const spans: number[] = [];
    while (this.pos < end) {
      const tag = this.varint32();
      if (tag === TAG_1_LEN) {
        const e = this.delimited(end);
        // Name and version are read as strings; nothing in a scope is rejected, but its structure
        // is walked as the decoder walks it. Two scope messages would merge: no fast path.
        if (scope) throw BAIL;
        scope = true;
        while (this.pos < e) {
          const t = this.varint32();
          if (t === TAG_1_LEN || t === TAG_2_LEN) this.pos = this.delimited(e);
          else this.skip(t & 7, e);
        }
        if (this.pos !== e) throw BAIL;
      } else if (tag === TAG_2_LEN) {
        const e = this.delimited(end);
        spans.push(this.pos, e);
        this.pos = e;
      } else this.skip(tag & 7, end);
    }
    for (let k = 0; k < spans.length; k += 2) {
      this.pos = spans[k] as number;
      this.span(spans[k + 1] as number);
    }
    this.pos = end;
  }

  private span(end: number): void {
    const buf = this.buf;
    let traceStart = -1;
    let traceLength = 0;
    let spanStart = -1;
    let spanLength = 0;
    let parentStart = -1;
    let parentLength = 0;
    let startZero = true;
    let endZero = true;
    while (this.pos < end) {
      const tag = this.varint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire === WIRE_LEN) {
        const e = this.delimited(end);
        const s = this.pos;
        switch (field) {
          case 1:
            traceStart = s;
            traceLength = e - s;
            break;
          case 2:
            spanStart = s;
            spanLength = e - s;
            break;
          case 4:
            parentStart = s;
            parentLength = e - s;
            break;
          case 9:
            this.keyValue(e, 0);
            break;
          case 11:
            this.event(e);
            break;
          case 15:
            while (this.pos < e) {
              const t = this.varint32();
              if (t === TAG_2_LEN) this.pos = this.delimited(e);
              else if (t === ((3 << 3) | WIRE_VARINT)) this.varint32();
              else this.skip(t & 7, e);
            }
            if (this.pos !== e) throw BAIL;
            break;
          default:
            break;
        }
        this.pos = e;
      } else if (wire === WIRE_I64 && (field === 7 || field === 8)) {
        const zero = this.fixed64IsZero(end);
        if (field === 7) startZero = zero;
        else endZero = zero;
      } else if (wire === WIRE_VARINT && field === 6) {
        this.varint32();
      } else this.skip(wire, end);
    }
    if (this.pos !== end) throw BAIL;
    if (traceLength !== 16 || this.isZero(traceStart, traceStart + 16)) throw BAIL;
    if (spanLength !== 8 || this.isZero(spanStart, spanStart + 8)) throw BAIL;
    if (parentLength !== 0 && parentLength !== 8) throw BAIL;
    if (startZero || endZero) throw BAIL;
    const out = this.out;
    out.traceIds.push(buf.toString('hex', traceStart, traceStart + 16));
    out.spanIds.push(buf.toString('hex', spanStart, spanStart + 8));
    out.roots.push(parentLength === 0 || this.isZero(parentStart, parentStart + 8));
    out.count++;
  }

  private event(end: number): void {
    let zero = true;
    while (this.pos < end) {
      const tag = this.varint32();
      if (tag === TAG_1_I64) zero = this.fixed64IsZero(end);
      else if (tag === TAG_2_LEN) this.pos = this.delimited(end);
      else if (tag === TAG_3_LEN) {
        const e = this.delimited(end);
        this.keyValue(e, 0);
        this.pos = e;
      } else this.skip(tag & 7, end);
    }
    if (this.pos !== end || zero) throw BAIL;
  }

  private keyValue(end: number, depth: number): void {
    while (this.pos < end) {
      const tag = this.varint32();
      if (tag === TAG_1_LEN) this.pos = this.delimited(end);
      else if (tag === TAG_2_LEN) {
        const e = this.delimited(end);
        this.anyValue(e, depth);
        this.pos = e;
      } else this.skip(tag & 7, end);
    }
    if (this.pos !== end) throw BAIL;
  }

  private anyValue(end: number, depth: number): void {
    while (this.pos < end) {
      const tag = this.varint32();
      switch (tag) {
        case (1 << 3) | WIRE_LEN:
        case (7 << 3) | WIRE_LEN:
          this.pos = this.delimited(end);
          break;
        case (2 << 3) | WIRE_VARINT:
        case (3 << 3) | WIRE_VARINT:
          this.skipVarint(end);
          break;
        case (4 << 3) | WIRE_I64:
          if (this.pos + 8 > end) throw BAIL;
          this.pos += 8;
          break;
        case (5 << 3) | WIRE_LEN: // ArrayValue { repeated AnyValue values = 1 }
          this.nestedList(end, depth, false);
          break;
        case (6 << 3) | WIRE_LEN: // KeyValueList { repeated KeyValue values = 1 }
          this.nestedList(end, depth, true);
          break;
        default:
          this.skip(tag & 7, end);
      }
    }
    if (this.pos !== end) throw BAIL;
  }
}
