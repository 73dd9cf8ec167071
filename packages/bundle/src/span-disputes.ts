import { createHash } from 'node:crypto';
import * as sc from '@llm-workbench/semconv';
import { isSecretKey, MAX_VALUE_DEPTH, REDACTED, toBundleValue } from './attribute-values.js';
import { canonicalize } from './canonicalize.js';
import type { AttributeValue, Attributes, SpanRecord } from './span-record.js';
import { endMicros, formatMicros, nanosToMicros } from './time.js';
import type { JsonValue, SpanDispute } from './types.js';
import { VOCABULARIES } from './vocabularies/read-model-call.js';

/** How many differing paths a dispute lists; the rest are counted in `pathsOmitted`. */
export const MAX_DISPUTE_PATHS = 64;
/** How many versions of one span a dispute lists; the rest are counted in `variantsOmitted`. */
export const MAX_DISPUTE_VARIANTS = 8;

/** One fact of a span as the fold reads it: exact identity, and the value a dispute shows. */
interface Fact {
  exact: string;
  shown: JsonValue;
}

/** The versions of one span id, and what the fold makes of them. */
export interface SpanVersions {
  /** The version the bundle is folded from. */
  kept: SpanRecord;
  /** The dispute, when the versions differ in what the fold reads; else null. */
  dispute: SpanDispute | null;
}

/**
 * Chooses among differing versions of one span id (each distinct, at least two) without asking
 * which is right, and describes how they differ. The choice depends on the set of versions only,
 * never on arrival: the version whose shown values at the differing paths have the first RFC 8785
 * form is kept (ties, such as two contents shown by hash, by the exact values). Versions that
 * differ only in what the fold does not read (span kind, links, sub-microsecond times, other
 * resource attributes) are no dispute: the one with the first `fingerprint` is kept, and the
 * bundle is the same whichever it is.
 *
 * @example
 * const { kept, dispute } = resolveVersions([copyA, copyB], [fingerprint(copyA), fingerprint(copyB)]);
 */
export function resolveVersions(
  versions: readonly SpanRecord[],
  fingerprints: readonly string[],
): SpanVersions {
  const facts = versions.map(project);
  const all = new Set<string>();
  for (const f of facts) for (const path of f.keys()) all.add(path);
  const differing: string[] = [];
  for (const path of all) {
    const first = facts[0]!.get(path)?.exact;
    if (facts.some((f) => f.get(path)?.exact !== first)) differing.push(path);
  }
  const byFingerprint = versions
    .map((span, i) => ({ span, fp: fingerprints[i]! }))
    .sort((a, b) => compareStr(a.fp, b.fp));
  if (differing.length === 0) return { kept: byFingerprint[0]!.span, dispute: null };
  differing.sort(compareStr);
  const listed = differing.slice(0, MAX_DISPUTE_PATHS);
  const ranked = facts
    .map((f, i) => {
      const values = Object.create(null) as { [path: string]: JsonValue };
      for (const path of listed) {
        const fact = f.get(path);
        if (fact !== undefined) values[path] = fact.shown;
      }
      const exact = differing.map((p) => f.get(p)?.exact ?? '\u0000absent').join('\u0000');
      return { span: versions[i]!, values, form: canonicalize(values), exact };
    })
    .sort((a, b) => compareStr(a.form, b.form) || compareStr(a.exact, b.exact))
    // Versions that differ only in what the fold does not read are one variant.
    .filter((r, i, xs) => i === 0 || xs[i - 1]!.exact !== r.exact);
  const variants = ranked.slice(0, MAX_DISPUTE_VARIANTS).map((r) => r.values);
  return {
    kept: ranked[0]!.span,
    dispute: {
      paths: listed,
      pathsOmitted: differing.length - listed.length,
      spanId: versions[0]!.spanId,
      variants,
      variantsOmitted: ranked.length - variants.length,
    },
  };
}

/**
 * An exact identity of a span version, for telling versions of one span id apart (a retry from
 * a conflicting second version): bigints, bytes and non-finite numbers are told from the strings
 * that look like them. The fold and the receiver (which keeps it as a 53-bit digest) use this one.
 *
 * @example
 * fingerprint(copyA) === fingerprint(copyB); // true for a duplicate
 */
export function fingerprint(s: SpanRecord): string {
  return JSON.stringify(s, (_k, v: unknown) =>
    typeof v === 'bigint'
      ? `${v}n`
      : v instanceof Uint8Array
        ? `bytes:${Buffer.from(v).toString('base64')}`
        : typeof v === 'number' && !Number.isFinite(v)
          ? `number:${v}`
          : v,
  );
}

/** Escapes a pointer segment (RFC 6901). */
export function pointerSegment(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The span's facts as the fold reads them, by RFC 6901 pointer. */
function project(s: SpanRecord): Map<string, Fact> {
  const facts = new Map<string, Fact>();
  const text = (path: string, v: string | null): void => {
    facts.set(path, { exact: v === null ? 'z' : `s${JSON.stringify(v)}`, shown: v });
  };
  text('/name', s.name);
  text('/parentSpanId', s.parentSpanId ?? null);
  const startUs = nanosToMicros(s.startTimeUnixNano);
  const endUs = endMicros(s.startTimeUnixNano, s.endTimeUnixNano);
  facts.set('/startTime', timeFact(startUs));
  facts.set('/endTime', timeFact(endUs));
  text('/status/code', s.status.code);
  const message = s.status.message;
  text('/status/message', message === undefined || message === '' ? null : message);
  text('/scope/name', s.scope.name);
  const service = s.resource[sc.ATTR_SERVICE_NAME];
  if (service !== undefined) {
    facts.set(`/resource/${pointerSegment(sc.ATTR_SERVICE_NAME)}`, attributeFact('', service));
  }
  addAttributes(facts, '/attributes/', s.attributes);
  // Events by time, then position: the order the bundle's timeline gives them back in.
  const events = s.events
    .map((e, i) => ({ e, i, us: nanosToMicros(e.timeUnixNano) }))
    .filter((x) => x.e !== undefined)
    .sort((a, b) => (a.us < b.us ? -1 : a.us > b.us ? 1 : a.i - b.i));
  events.forEach(({ e, us }, i) => {
    text(`/events/${i}/name`, e.name);
    facts.set(`/events/${i}/time`, timeFact(us));
    addAttributes(facts, `/events/${i}/attributes/`, e.attributes);
  });
  return facts;
}

function addAttributes(facts: Map<string, Fact>, prefix: string, attributes: Attributes): void {
  for (const key of Object.keys(attributes)) {
    facts.set(`${prefix}${pointerSegment(key)}`, attributeFact(key, attributes[key]!));
  }
}

/** A time as a bundle time, or as decimal microseconds when beyond what a bundle time writes. */
function timeFact(us: bigint): Fact {
  return { exact: `t${us}`, shown: formatMicros(us) ?? String(us) };
}

function attributeFact(key: string, v: AttributeValue): Fact {
  const exact = exactOf(v, 0);
  if (isSecretKey(key)) return { exact, shown: REDACTED };
  if (typeof v === 'string' && isContentKey(key)) {
    return { exact, shown: { sha256: createHash('sha256').update(v, 'utf8').digest('hex') } };
  }
  return { exact, shown: toBundleValue(v) };
}

/**
 * A typed serialization of an attribute value. Deeper than a bundle keeps anything of a value,
 * what lies below cannot change a bundle, and the walk stays far from the stack limit.
 */
function exactOf(v: AttributeValue, depth: number): string {
  if (v === null) return 'z';
  switch (typeof v) {
    case 'string':
      return `s${JSON.stringify(v)}`;
    // An integer is the same whether a door gave it as a number or a bigint (see toBundleValue).
    case 'number':
      return Number.isInteger(v) && !Number.isSafeInteger(v) && Math.abs(v) < 2 ** 63
        ? `b${BigInt(v)}`
        : `n${String(v)}`;
    case 'bigint':
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
        ? `n${Number(v)}`
        : `b${v}`;
    case 'boolean':
      return v ? 'T' : 'F';
    default:
      break;
  }
  if (v instanceof Uint8Array) return `y${Buffer.from(v).toString('base64')}`;
  if (depth > MAX_VALUE_DEPTH + 1) return 'deep';
  if (Array.isArray(v)) {
    return `[${(v as readonly AttributeValue[]).map((x) => exactOf(x, depth + 1)).join(',')}]`;
  }
  const kv = (v as { kvlist: Attributes }).kvlist;
  const keys = Object.keys(kv).sort(compareStr);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${exactOf(kv[k]!, depth + 1)}`).join(',')}}`;
}

/** The attributes that carry content, by name and by prefix, from every vocabulary's tables. */
const CONTENT_KEYS = ((): { keys: ReadonlySet<string>; prefixes: readonly string[] } => {
  const keys = new Set<string>([
    sc.ATTR_MODEL_IO_INPUT,
    sc.ATTR_MODEL_IO_OUTPUT,
    sc.ATTR_ARTIFACT_CONTENT,
    sc.ATTR_ARTIFACT_PATCH,
  ]);
  const prefixes: string[] = [];
  for (const v of VOCABULARIES) {
    const tool = v.tool;
    for (const source of [
      ...v.input,
      ...v.output,
      ...(tool?.arguments ?? []),
      ...(tool?.result ?? []),
    ]) {
      if ('key' in source) keys.add(source.key);
      else prefixes.push(source.prefix);
    }
  }
  return { keys, prefixes };
})();

/** Whether an attribute carries content: a prompt, a response, tool arguments or results, artifact content. */
function isContentKey(key: string): boolean {
  return CONTENT_KEYS.keys.has(key) || CONTENT_KEYS.prefixes.some((p) => key.startsWith(p));
}

function compareStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
