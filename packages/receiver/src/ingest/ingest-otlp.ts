import { readOtlpSpanIds, type OtlpEncoding, type SpanIdsResult } from '@llm-workbench/otlp';

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
