import { attributesFrom, type AttributeValue, type SpanRecord } from '@llm-workbench/bundle';

/** The span attribute where Jaeger's storage sanitizers leave their warnings. */
const WARNINGS = '@jaeger@warnings';
const NEGATIVE_DURATION =
  /^Negative duration detected, sanitizing end timestamp\. Original end timestamp: (.+), adjusted to: .+$/;
/** Go's `time.Time.String()`: `2025-11-26 10:10:44.153808123 +0000 UTC`. */
const GO_TIME =
  /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))? ([+-])(\d{2})(\d{2})(?: \S+)?$/;
/** What Jaeger writes as `service.name` when a resource has none, an empty one, or not a string. */
const SERVICE_PLACEHOLDERS: Readonly<Record<string, string | undefined>> = {
  'missing-service-name': undefined,
  'service-name-wrong-type': undefined,
  'empty-service-name': '',
};

/**
 * Undoes what Jaeger's storage sanitizers changed on ingest, where the original is recorded:
 * a span whose end was not after its start got end = start + 1 ns and a warning in
 * `@jaeger@warnings` naming the original end, which is put back; a missing, empty or non-string
 * `service.name` became `missing-service-name`, `empty-service-name` or
 * `service-name-wrong-type`, which become absent, empty and absent again. Other spans are
 * returned as they are.
 *
 * @example
 * const spans = undoJaegerSanitizers((await jaeger.getTrace(id)).spans);
 */
export function undoJaegerSanitizers(spans: readonly SpanRecord[]): SpanRecord[] {
  return spans.map(undoSpan);
}

function undoSpan(span: SpanRecord): SpanRecord {
  let out = span;
  const service = span.resource['service.name'];
  if (typeof service === 'string' && Object.hasOwn(SERVICE_PLACEHOLDERS, service)) {
    const original = SERVICE_PLACEHOLDERS[service];
    const entries = Object.entries(span.resource).filter(([k]) => k !== 'service.name');
    if (original !== undefined) entries.push(['service.name', original]);
    out = { ...out, resource: attributesFrom(entries) };
  }
  const warnings = span.attributes[WARNINGS];
  if (!Array.isArray(warnings)) return out;
  let end: bigint | null = null;
  const kept: AttributeValue[] = [];
  for (const w of warnings as readonly AttributeValue[]) {
    const m = typeof w === 'string' ? NEGATIVE_DURATION.exec(w) : null;
    const original = m ? parseGoTime(m[1]!) : null;
    if (original !== null) end = original;
    else kept.push(w);
  }
  if (end === null) return out;
  const entries = Object.entries(span.attributes).filter(([k]) => k !== WARNINGS);
  if (kept.length > 0) entries.push([WARNINGS, kept]);
  return { ...out, endTimeUnixNano: end, attributes: attributesFrom(entries) };
}

/** Parses Go's `time.Time.String()` form into exact epoch nanoseconds; null when it is not one. */
export function parseGoTime(text: string): bigint | null {
  const m = GO_TIME.exec(text.trim());
  if (!m) return null;
  const seconds = Date.parse(`${m[1]!}T${m[2]!}Z`);
  if (Number.isNaN(seconds)) return null;
  const offsetMinutes = (Number(m[5]) * 60 + Number(m[6])) * (m[4] === '-' ? -1 : 1);
  const fraction = BigInt((m[3] ?? '').padEnd(9, '0'));
  return (BigInt(seconds / 1000) - BigInt(offsetMinutes * 60)) * 1_000_000_000n + fraction;
}
