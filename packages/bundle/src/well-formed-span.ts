import { MAX_VALUE_DEPTH } from './attribute-values.js';
import {
  attributesFrom,
  type AttributeValue,
  type Attributes,
  type SpanRecord,
} from './span-record.js';

interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

const ok = (s: string): boolean => (s as unknown as WellFormedString).isWellFormed();
const fix = (s: string): string => (s as unknown as WellFormedString).toWellFormed();

/**
 * How deep nested values are looked at. Deeper than MAX_VALUE_DEPTH a bundle keeps nothing of a
 * value, so what lies below cannot matter, and the walk stays far from the stack limit.
 */
const DEPTH = MAX_VALUE_DEPTH + 2;

function valueOk(v: AttributeValue, depth: number): boolean {
  if (typeof v === 'string') return ok(v);
  if (depth >= DEPTH) return true;
  if (Array.isArray(v)) return (v as readonly AttributeValue[]).every((x) => valueOk(x, depth + 1));
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    return attributesOk((v as { kvlist: Attributes }).kvlist, depth + 1);
  }
  return true;
}

function attributesOk(a: Attributes, depth = 0): boolean {
  for (const key of Object.keys(a)) if (!ok(key) || !valueOk(a[key]!, depth)) return false;
  return true;
}

function fixValue(v: AttributeValue, depth: number): AttributeValue {
  if (typeof v === 'string') return fix(v);
  if (depth >= DEPTH) return v;
  if (Array.isArray(v)) return (v as readonly AttributeValue[]).map((x) => fixValue(x, depth + 1));
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    return { kvlist: fixAttributes((v as { kvlist: Attributes }).kvlist, depth + 1) };
  }
  return v;
}

function fixAttributes(a: Attributes, depth = 0): Attributes {
  return attributesFrom(Object.keys(a).map((k) => [fix(k), fixValue(a[k]!, depth)] as const));
}

/**
 * The span with every lone surrogate (half of a UTF-16 pair) replaced by U+FFFD, as every UTF-8
 * transport (OTLP protobuf, the Collector, Jaeger) replaces it; the same span when it has none,
 * which is the cheap, common case. Without this, an in-process bundle could not be canonicalized
 * (RFC 8785 refuses lone surrogates) while the same run through a Collector could.
 *
 * @example
 * wellFormedSpan(span).name; // 'chat \uFFFD' for a name ending in a lone high surrogate
 */
export function wellFormedSpan(s: SpanRecord): SpanRecord {
  const clean =
    ok(s.name) &&
    (s.status.message === undefined || ok(s.status.message)) &&
    ok(s.scope.name) &&
    (s.scope.version === undefined || ok(s.scope.version)) &&
    attributesOk(s.attributes) &&
    attributesOk(s.resource) &&
    s.events.every((e) => ok(e.name) && attributesOk(e.attributes));
  if (clean) return s;
  return {
    ...s,
    name: fix(s.name),
    status:
      s.status.message === undefined ? s.status : { ...s.status, message: fix(s.status.message) },
    attributes: fixAttributes(s.attributes),
    resource: fixAttributes(s.resource),
    scope:
      s.scope.version === undefined
        ? { name: fix(s.scope.name) }
        : { name: fix(s.scope.name), version: fix(s.scope.version) },
    events: s.events.map((e) => ({
      ...e,
      name: fix(e.name),
      attributes: fixAttributes(e.attributes),
    })),
  };
}
