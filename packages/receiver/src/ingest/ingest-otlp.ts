import type { SpanRecord } from '@llm-workbench/bundle';
import { readOtlpSpanIds, type OtlpEncoding, type SpanIdsResult } from '@llm-workbench/otlp';
import { crc32 } from '../spool/crc32.js';

/** The outcome of reading one OTLP request body at the receiver's door. */
export type IngestResult = SpanIdsResult;

/**
 * Reads an OTLP/HTTP trace request (JSON or protobuf) as the receiver needs it on the request
 * path: which spans are valid and their ids, with every rule and limit of the decoders applied
 * by `@llm-workbench/otlp`'s walker and its id-and-limits visitor; not the span records
 * themselves, which are decoded from the spool when their trace is folded.
 *
 * @example
 * const result = ingestOtlp('protobuf', body);
 * if (result.ok) console.log(result.spans.count, 'spans accepted');
 */
export function ingestOtlp(format: OtlpEncoding, body: Buffer): IngestResult {
  return readOtlpSpanIds(format, body);
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
