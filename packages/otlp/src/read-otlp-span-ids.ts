import { walkOtlpJsonTraces } from './json/walk-otlp-json.js';
import { walkOtlpProtobufTraces } from './protobuf/walk-otlp-protobuf.js';
import { SpanIdsVisitor, type SpanIds } from './span-ids-visitor.js';
import type { DecodeIssue, DecodeOptions, OtlpEncoding, RejectedSpan } from './types.js';

/**
 * The outcome of reading an OTLP trace request's span ids: the ids of the valid spans and the
 * refused spans with their reasons (exactly those a decoder refuses), or, for a request that does
 * not decode, why.
 */
export type SpanIdsResult =
  | { readonly ok: true; readonly spans: SpanIds; readonly rejected: readonly RejectedSpan[] }
  | { readonly ok: false; readonly issues: readonly DecodeIssue[] };

/**
 * Reads an OTLP trace request (JSON or protobuf) as a receiver needs it at its door: every rule
 * and limit of the decoders checked by the same walker, no span records built; the ids and root
 * flags of the valid spans, and the refused ones. The spans themselves are decoded later, from
 * the bytes, with `decodeOtlpJson` or `decodeOtlpProtobuf`, which accept exactly these spans.
 *
 * @example
 * const read = readOtlpSpanIds('protobuf', body);
 * if (read.ok) console.log(read.spans.count, 'valid,', read.rejected.length, 'refused');
 */
export function readOtlpSpanIds(
  encoding: OtlpEncoding,
  body: Uint8Array,
  options: DecodeOptions = {},
): SpanIdsResult {
  if (encoding === 'protobuf') {
    const visitor = new SpanIdsVisitor();
    const walked = walkOtlpProtobufTraces(body, visitor, options);
    if (!walked.ok) return walked;
    return { ok: true, spans: visitor.ids, rejected: visitor.rejectedSpans };
  }
  const walked = walkOtlpJsonTraces(body, () => new SpanIdsVisitor(), options);
  if (!walked.ok) return walked;
  return { ok: true, spans: walked.visitor.ids, rejected: walked.visitor.rejectedSpans };
}
