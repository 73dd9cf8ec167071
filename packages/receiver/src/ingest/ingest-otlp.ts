import { isUtf8 } from 'node:buffer';
import type { SpanRecord } from '@llm-workbench/bundle';
import {
  decodeOtlpJson,
  decodeOtlpProtobuf,
  type DecodeIssue,
  type DecodeResult,
  type OtlpEncoding,
  type RejectedSpan,
} from '@llm-workbench/otlp';
import { crc32 } from '../spool/crc32.js';
import { newScannedSpans, type ScannedSpans } from './scanned-spans.js';
import { scanOtlpJson } from './scan-otlp-json.js';
import { scanOtlpProtobuf } from './scan-otlp-protobuf.js';

/** The outcome of reading one OTLP request body at the receiver's door. */
export type IngestResult =
  | {
      readonly ok: true;
      readonly spans: ScannedSpans;
      readonly rejected: readonly RejectedSpan[];
      /** Whether the fast path vouched for the request (else it was decoded in full). */
      readonly fast: boolean;
    }
  | { readonly ok: false; readonly issues: readonly DecodeIssue[] };

/**
 * Reads an OTLP/HTTP trace request (JSON or protobuf) as the receiver needs it on the request
 * path: which spans are valid and their ids; not the span records themselves,
 * which are decoded from the spool when their trace is folded. Requests whose spans are all valid
 * take a fast path that builds no records; any other request is decoded in full by
 * `@llm-workbench/otlp`, which decides exactly which spans are rejected and why.
 *
 * @example
 * const result = ingestOtlp('protobuf', body);
 * if (result.ok) console.log(result.spans.count, 'spans accepted');
 */
export function ingestOtlp(format: OtlpEncoding, body: Buffer): IngestResult {
  if (format === 'protobuf') {
    const scanned = scanOtlpProtobuf(body);
    if (scanned !== null) return { ok: true, spans: scanned, rejected: [], fast: true };
    return fromDecoded(decodeOtlpProtobuf(body));
  }
  // The decoder's first check in the fast path's terms: UTF-8 (not just replaced).
  if (isUtf8(body)) {
    const scanned = scanOtlpJson(body.toString('utf8'));
    if (scanned !== null) return { ok: true, spans: scanned, rejected: [], fast: true };
  }
  return fromDecoded(decodeOtlpJson(body));
}

function fromDecoded(decoded: DecodeResult): IngestResult {
  if (!decoded.ok) return decoded;
  return {
    ok: true,
    spans: scannedFromRecords(decoded.spans),
    rejected: decoded.rejected,
    fast: false,
  };
}

/** The ScannedSpans of decoded span records (the slow path). */
export function scannedFromRecords(spans: readonly SpanRecord[]): ScannedSpans {
  const out = newScannedSpans();
  for (const span of spans) {
    out.traceIds.push(span.traceId);
    out.spanIds.push(span.spanId);
    out.roots.push(span.parentSpanId === undefined);
    out.count++;
  }
  return out;
}

/**
 * A 53-bit digest of a span record's exact content, whichever encoding it came in: equal spans,
 * equal digests; different spans collide with odds of about 2^-53. It tells a duplicate (a retry)
 * from a conflicting second version of a span id.
 */
export function spanDigest(s: SpanRecord): number {
  const text = JSON.stringify(s, (_k, v: unknown) =>
    typeof v === 'bigint'
      ? `${v}n`
      : v instanceof Uint8Array
        ? Buffer.from(v).toString('base64')
        : v,
  );
  return crc32(text) * 2 ** 21 + (fnv21(text) ^ (text.length & 0x1fffff));
}

/** FNV-1a of a string, folded to 21 bits. */
function fnv21(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 21)) & 0x1fffff;
}
