import type { SpanRecord } from '@llm-workbench/bundle';
import {
  decodeOtlpJsonValue,
  parseOtlpJson,
  type DecodeOptions,
  type RejectedSpan,
} from '@llm-workbench/otlp';

/** Which wrapper a trace document came in. */
export type TraceDocumentKind =
  /** Plain OTLP JSON (`TracesData` / `ExportTraceServiceRequest`), e.g. a Collector file line. */
  | 'otlp'
  /** Jaeger API v3: `{"result":{"resourceSpans":[...]}}`. */
  | 'jaeger_v3'
  /** Tempo `/api/v2/traces/{id}`: `{"trace":{"resourceSpans":[...]}}`. */
  | 'tempo_v2'
  /** Tempo `/api/traces/{id}`: `{"batches":[...]}`. */
  | 'tempo_v1';

/** The outcome of {@link decodeTraceDocument}. */
export type TraceDocumentResult =
  | {
      readonly ok: true;
      readonly kind: TraceDocumentKind;
      readonly spans: SpanRecord[];
      readonly rejected: RejectedSpan[];
      /** Tempo's `status` when it is not `COMPLETE` (e.g. a partial trace), else null. */
      readonly partial: string | null;
    }
  | { readonly ok: false; readonly message: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Finds the OTLP `TracesData` inside any of the wrappers backends use, without copying it.
 * Returns null when the value is none of them.
 *
 * @example
 * unwrapTraceDocument({ batches: [] }); // { kind: 'tempo_v1', tracesData: { resourceSpans: [] } }
 */
export function unwrapTraceDocument(
  value: unknown,
): { kind: TraceDocumentKind; tracesData: Record<string, unknown> } | null {
  if (!isObject(value)) return null;
  if ('resourceSpans' in value || 'resource_spans' in value) {
    return { kind: 'otlp', tracesData: value };
  }
  const result = value['result'];
  if (isObject(result)) return { kind: 'jaeger_v3', tracesData: result };
  const trace = value['trace'];
  if (isObject(trace)) return { kind: 'tempo_v2', tracesData: trace };
  if ('trace' in value && (trace === null || trace === undefined)) {
    return { kind: 'tempo_v2', tracesData: {} };
  }
  const batches = value['batches'];
  if (Array.isArray(batches) || ('batches' in value && batches === null)) {
    return { kind: 'tempo_v1', tracesData: { resourceSpans: batches ?? [] } };
  }
  return null;
}

/**
 * Decodes one trace document, as text, into span records: plain OTLP JSON, Jaeger API v3's
 * `{"result":…}`, Tempo's `{"trace":…}` or `{"batches":…}`. Ids hex or base64, enums as integers
 * or names, 64-bit integers exact (see `decodeOtlpJson` of `@llm-workbench/otlp`). Spans that do
 * not decode are returned in `rejected` with their reasons; a document that is not JSON, or none
 * of these shapes, fails as a whole.
 *
 * @example
 * const r = decodeTraceDocument(await res.text());
 * if (r.ok) console.log(r.kind, r.spans.length);
 */
export function decodeTraceDocument(
  text: string,
  options: DecodeOptions = {},
): TraceDocumentResult {
  let value: unknown;
  try {
    value = parseOtlpJson(text);
  } catch (err) {
    return { ok: false, message: `not JSON: ${(err as Error).message}` };
  }
  return decodeTraceDocumentValue(value, options);
}

/**
 * Like {@link decodeTraceDocument}, for a value already parsed with `parseOtlpJson` (which keeps
 * 64-bit integers exact).
 *
 * @example
 * const r = decodeTraceDocumentValue(parseOtlpJson(line));
 */
export function decodeTraceDocumentValue(
  value: unknown,
  options: DecodeOptions = {},
): TraceDocumentResult {
  const unwrapped = unwrapTraceDocument(value);
  if (unwrapped === null) {
    return {
      ok: false,
      message:
        'not a trace document: expected OTLP JSON ({"resourceSpans":…}), Jaeger ({"result":…}) or Tempo ({"trace":…} or {"batches":…})',
    };
  }
  const decoded = decodeOtlpJsonValue(unwrapped.tracesData, options);
  if (!decoded.ok) {
    const first = decoded.issues[0];
    return {
      ok: false,
      message: first ? `${first.message}${first.path ? ` at ${first.path}` : ''}` : 'malformed',
    };
  }
  let partial: string | null = null;
  if (isObject(value) && unwrapped.kind === 'tempo_v2') {
    const status = value['status'];
    if (typeof status === 'string' && status !== '' && status !== 'COMPLETE') partial = status;
  }
  return {
    ok: true,
    kind: unwrapped.kind,
    spans: decoded.spans,
    rejected: decoded.rejected,
    partial,
  };
}
