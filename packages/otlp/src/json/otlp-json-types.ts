/** The OTLP/JSON shapes this package writes. Decoders accept more: snake_case, enum names, numbers for int64. */

export type OtlpJsonAnyValue =
  | Record<string, never>
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number | string }
  | { bytesValue: string }
  | { arrayValue: { values: OtlpJsonAnyValue[] } }
  | { kvlistValue: { values: OtlpJsonKeyValue[] } };

export interface OtlpJsonKeyValue {
  key: string;
  value: OtlpJsonAnyValue;
}

export interface OtlpJsonEvent {
  timeUnixNano: string;
  name: string;
  attributes: OtlpJsonKeyValue[];
}

export interface OtlpJsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpJsonKeyValue[];
  events: OtlpJsonEvent[];
  status: { code: number; message?: string };
}

export interface OtlpJsonTraceRequest {
  resourceSpans: Array<{
    resource: { attributes: OtlpJsonKeyValue[] };
    scopeSpans: Array<{ scope: { name: string; version?: string }; spans: OtlpJsonSpan[] }>;
  }>;
}
