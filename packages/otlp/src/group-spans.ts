import type { AttributeValue, Attributes, SpanRecord } from '@llm-workbench/bundle';

/** Spans of one resource and scope, in the order they were given. */
export interface ScopeGroup {
  readonly scope: SpanRecord['scope'];
  readonly spans: SpanRecord[];
}

/** Spans of one resource. */
export interface ResourceGroup {
  readonly resource: Attributes;
  readonly scopes: ScopeGroup[];
}

function valueKey(v: AttributeValue): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return `d${v}`;
    case 'bigint':
      return `i${v}`;
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      break;
  }
  if (v instanceof Uint8Array) return `b${Buffer.from(v).toString('base64')}`;
  if (Array.isArray(v)) return `[${(v as readonly AttributeValue[]).map(valueKey).join(',')}]`;
  return `{${attributesKey((v as { kvlist: Attributes }).kvlist)}}`;
}

function attributesKey(a: Attributes): string {
  return Object.keys(a)
    .map((k) => `${JSON.stringify(k)}:${valueKey(a[k] as AttributeValue)}`)
    .join(',');
}

/**
 * Groups spans by resource and instrumentation scope (by content, not identity), keeping first-seen
 * order, as OTLP's ResourceSpans and ScopeSpans nest them.
 */
export function groupSpans(spans: Iterable<SpanRecord>): ResourceGroup[] {
  const groups: ResourceGroup[] = [];
  const byResource = new Map<string, { group: ResourceGroup; scopes: Map<string, ScopeGroup> }>();
  const keyOf = new WeakMap<Attributes, string>();
  for (const span of spans) {
    let rk = keyOf.get(span.resource);
    if (rk === undefined) {
      rk = attributesKey(span.resource);
      keyOf.set(span.resource, rk);
    }
    let entry = byResource.get(rk);
    if (entry === undefined) {
      entry = { group: { resource: span.resource, scopes: [] }, scopes: new Map() };
      byResource.set(rk, entry);
      groups.push(entry.group);
    }
    const sk = `${span.scope.name}\u0000${span.scope.version ?? ''}`;
    let scope = entry.scopes.get(sk);
    if (scope === undefined) {
      scope = { scope: span.scope, spans: [] };
      entry.scopes.set(sk, scope);
      entry.group.scopes.push(scope);
    }
    scope.spans.push(span);
  }
  return groups;
}
