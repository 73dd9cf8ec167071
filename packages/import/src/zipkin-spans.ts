import {
  attributesFrom,
  isValidSpanId,
  isValidTraceId,
  sealBundle,
  type AttributeValue,
  type Attributes,
  type BundleDiagnostic,
  type RunBundle,
  type SpanEventRecord,
  type SpanKindName,
  type SpanLinkRecord,
  type SpanRecord,
  type StatusCodeName,
} from '@llm-workbench/bundle';

/** A span in Zipkin's JSON v2 (`POST /api/v2/spans`, `GET /api/v2/trace/{id}`). */
export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  /** Microseconds since the Unix epoch. */
  timestamp?: number;
  /** Microseconds. */
  duration?: number;
  localEndpoint?: { serviceName?: string };
  annotations?: Array<{ timestamp: number; value: string }>;
  tags?: Record<string, string>;
}

/** Tags the Collector's zipkin exporter writes for the span's status, scope, kind and links. */
const STATUS_CODE_TAG = 'otel.status_code';
const STATUS_DESCRIPTION_TAG = 'otel.status_description';
const ERROR_TAG = 'error';
/** The exporter writes `otel.library.*`; `otel.scope.*` (newer conventions) is read too. */
const SCOPE_NAME_TAGS = ['otel.library.name', 'otel.scope.name'] as const;
const SCOPE_VERSION_TAGS = ['otel.library.version', 'otel.scope.version'] as const;
/** Written for internal spans, which have no Zipkin kind. */
const SPAN_KIND_TAG = 'span.kind';
/** `otlp.link.N`: link N as `traceId|spanId|traceState|{attributes as JSON}|droppedCount`. */
const LINK_TAG = /^otlp\.link\.(\d+)$/;
/** The service name the exporter gives a resource without one. */
const NO_SERVICE_NAME = 'OTLPResourceNoServiceName';
const RESERVED_TAGS: ReadonlySet<string> = new Set([
  STATUS_CODE_TAG,
  STATUS_DESCRIPTION_TAG,
  ERROR_TAG,
  ...SCOPE_NAME_TAGS,
  ...SCOPE_VERSION_TAGS,
]);

/** Most `zipkin_value_maybe_typed` diagnostics of one trace; the rest are counted in one more. */
const MAX_TYPED_KEY_DIAGNOSTICS = 100;

const KINDS: Partial<Record<SpanKindName, ZipkinSpan['kind']>> = {
  client: 'CLIENT',
  server: 'SERVER',
  producer: 'PRODUCER',
  consumer: 'CONSUMER',
};

/**
 * Converts span records to Zipkin JSON v2 as the Collector's `zipkin` exporter (v0.148.0, with
 * zipkin-go's JSON) does; test/e2e/zipkin-import.test.ts checks it against the exporter through a
 * real Zipkin. Attributes and resource attributes (but `service.name`, which becomes
 * `localEndpoint.serviceName`) become string tags (lists and maps as Go's JSON: keys sorted,
 * `<>&` escaped), the status `otel.status_code` / `otel.status_description` / `error` tags, the
 * scope `otel.library.name` / `otel.library.version` tags, an internal span a `span.kind` tag, a
 * link an `otlp.link.N` tag, an event an annotation (its name, or `name|{attributes as JSON}|0`),
 * names lower case, times microseconds. Not mirrored: the remote endpoint the exporter makes of
 * `peer.service` and network attributes (those stay tags here), and its refusal of NaN and
 * infinite event attributes (written here as text). Used to feed a Zipkin (tests, migrations).
 *
 * @example
 * await fetch(`${zipkin}/api/v2/spans`, { method: 'POST', body: JSON.stringify(toZipkinSpans(spans)) });
 */
export function toZipkinSpans(spans: Iterable<SpanRecord>): ZipkinSpan[] {
  const out: ZipkinSpan[] = [];
  for (const s of spans) {
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.resource)) {
      if (k !== 'service.name') tags[k] = tagText(v);
    }
    if (s.scope.name !== '') tags['otel.library.name'] = s.scope.name;
    if (s.scope.version !== undefined && s.scope.version !== '') {
      tags['otel.library.version'] = s.scope.version;
    }
    for (const [k, v] of Object.entries(s.attributes)) tags[k] = tagText(v);
    if (s.kind === 'internal') tags[SPAN_KIND_TAG] = 'internal';
    if (s.status.code !== 'unset') {
      tags[STATUS_CODE_TAG] = s.status.code === 'ok' ? 'STATUS_CODE_OK' : 'STATUS_CODE_ERROR';
      if (s.status.code === 'error') tags[ERROR_TAG] = 'true';
      if (s.status.message !== undefined && s.status.message !== '') {
        tags[STATUS_DESCRIPTION_TAG] = s.status.message;
      }
    }
    for (const [i, link] of (s.links ?? []).entries()) {
      tags[`otlp.link.${i}`] = `${link.traceId}|${link.spanId}||${goJson(link.attributes)}|0`;
    }
    const service = s.resource['service.name'];
    const nanos = s.endTimeUnixNano - s.startTimeUnixNano;
    const z: ZipkinSpan = {
      traceId: s.traceId,
      id: s.spanId,
      name: s.name.toLowerCase(),
      timestamp: Number(roundMicros(s.startTimeUnixNano)),
      localEndpoint: {
        serviceName: typeof service === 'string' ? tagText(service) : NO_SERVICE_NAME,
      },
    };
    // zipkin-go: no duration when it is zero, 1 µs when it is less than that.
    if (nanos > 0n) z.duration = Math.max(1, Number(roundMicros(nanos)));
    if (s.parentSpanId !== undefined) z.parentId = s.parentSpanId;
    const kind = KINDS[s.kind];
    if (kind !== undefined) z.kind = kind;
    if (s.events.length > 0) {
      z.annotations = s.events.map((e) => ({
        timestamp: Number(roundMicros(e.timeUnixNano)),
        value:
          Object.keys(e.attributes).length === 0 ? e.name : `${e.name}|${goJson(e.attributes)}|0`,
      }));
    }
    if (Object.keys(tags).length > 0) z.tags = tags;
    out.push(z);
  }
  return out;
}

/** What {@link fromZipkinSpans} returns. */
export interface FromZipkinResult {
  readonly spans: SpanRecord[];
  /** Spans refused (bad ids, no timestamp). */
  readonly rejected: number;
  /** What Zipkin lost of these spans, as bundle diagnostics (codes `zipkin_*`). */
  readonly losses: BundleDiagnostic[];
}

/**
 * Reads Zipkin JSON v2 spans back into span records, keeping only what Zipkin holds and listing
 * what it lost as diagnostics: tags are kept as the strings they are (a number or boolean that was
 * typed cannot be told from text, so none is guessed), annotations become events (their JSON
 * attributes parsed where the exporter wrote them), times are microseconds, links come back from
 * the exporter's `otlp.link.N` tags (the fold never reads links into a bundle; a run's segments
 * are found by them).
 *
 * @example
 * const { spans, losses } = fromZipkinSpans(JSON.parse(body));
 */
export function fromZipkinSpans(input: readonly unknown[]): FromZipkinResult {
  const spans: SpanRecord[] = [];
  let rejected = 0;
  const losses = new Map<string, BundleDiagnostic>();
  const add = (code: string, message: string, spanId: string | null, subject: string | null) => {
    const key = `${code}\u0000${spanId ?? ''}\u0000${subject ?? ''}\u0000${message}`;
    if (!losses.has(key)) losses.set(key, { code, message, spanId, subject });
  };
  const typedKeys = new Set<string>();
  let typedKeysOver = 0;
  for (const item of input) {
    const z = item as Partial<ZipkinSpan> | null;
    if (z === null || typeof z !== 'object') {
      rejected++;
      continue;
    }
    const traceId = typeof z.traceId === 'string' ? z.traceId.toLowerCase().padStart(32, '0') : '';
    const spanId = typeof z.id === 'string' ? z.id.toLowerCase() : '';
    const parent = typeof z.parentId === 'string' ? z.parentId.toLowerCase() : undefined;
    if (
      !isValidTraceId(traceId) ||
      !isValidSpanId(spanId) ||
      (parent !== undefined && !isValidSpanId(parent)) ||
      !Number.isSafeInteger(z.timestamp)
    ) {
      rejected++;
      continue;
    }
    const start = BigInt(z.timestamp!) * 1000n;
    const duration = Number.isSafeInteger(z.duration) ? BigInt(z.duration!) * 1000n : 0n;
    const tags = z.tags !== null && typeof z.tags === 'object' ? z.tags : {};
    const attrs: Array<[string, AttributeValue]> = [];
    const links: Array<[number, SpanLinkRecord]> = [];
    for (const [k, v] of Object.entries(tags)) {
      if (RESERVED_TAGS.has(k) || typeof v !== 'string') continue;
      // The exporter's tag for an internal span (which has no Zipkin kind), as the Collector's
      // zipkin receiver reads it: the kind, not an attribute.
      if (k === SPAN_KIND_TAG && z.kind === undefined) continue;
      const linkIndex = LINK_TAG.exec(k)?.[1];
      const link = linkIndex !== undefined ? parseLink(v) : null;
      if (link !== null) {
        links.push([Number(linkIndex), link]);
        continue;
      }
      attrs.push([k, v]);
      if (looksTyped(v) && !typedKeys.has(k)) {
        if (typedKeys.size < MAX_TYPED_KEY_DIAGNOSTICS) {
          typedKeys.add(k);
          add(
            'zipkin_value_maybe_typed',
            `tag ${JSON.stringify(k)} reads as a number, boolean or list, but Zipkin keeps only text: whether it was typed is lost, and it is kept as a string`,
            null,
            k,
          );
        } else typedKeysOver++;
      }
    }
    const events: SpanEventRecord[] = [];
    for (const a of Array.isArray(z.annotations) ? z.annotations : []) {
      if (!Number.isSafeInteger(a.timestamp) || typeof a.value !== 'string') continue;
      const parsed = parseAnnotation(a.value);
      if (parsed.flattened) {
        add(
          'zipkin_event_attributes_flattened',
          'the event came back as an annotation with its attributes as JSON: integers and floating-point numbers cannot be told apart (whole numbers are read as integers), bytes come back as base64 text',
          spanId,
          parsed.name,
        );
      }
      if (parsed.dropped > 0) {
        add(
          'zipkin_event_attributes_dropped',
          `the exporter said ${parsed.dropped} attributes of the event were dropped`,
          spanId,
          parsed.name,
        );
      }
      events.push({
        name: parsed.name,
        timeUnixNano: BigInt(a.timestamp) * 1000n,
        attributes: attributesFrom(parsed.attributes),
      });
    }
    const service = z.localEndpoint?.serviceName;
    spans.push({
      traceId,
      spanId,
      ...(parent !== undefined ? { parentSpanId: parent } : {}),
      name: typeof z.name === 'string' ? z.name : '',
      kind: kindOf(z.kind),
      startTimeUnixNano: start,
      endTimeUnixNano: start + duration,
      status: statusOf(tags),
      attributes: attributesFrom(attrs),
      events,
      resource: attributesFrom(typeof service === 'string' ? [['service.name', service]] : []),
      scope: scopeOf(tags),
      ...(links.length > 0
        ? { links: links.sort(([a], [b]) => a - b).map(([, link]) => link) }
        : {}),
    });
  }
  if (typedKeysOver > 0) {
    add(
      'zipkin_value_maybe_typed',
      `${typedKeysOver} more tags read as numbers, booleans or lists and are kept as strings`,
      null,
      null,
    );
  }
  if (spans.length > 0) {
    add(
      'zipkin_types_lost',
      'Zipkin keeps every tag as a string: attribute values that were numbers, booleans, bytes or lists arrive as text and are kept as strings, so the fold reads them as mistyped',
      null,
      null,
    );
    add(
      'zipkin_time_precision',
      'Zipkin keeps times in whole microseconds: sub-microsecond digits of span and event times are lost, and a span ends at its start plus its duration',
      null,
      null,
    );
    add(
      'zipkin_resource_merged',
      'Zipkin keeps only the service name of a resource; the exporter writes other resource attributes as span tags, which are read back as span attributes',
      null,
      null,
    );
    add(
      'zipkin_names_lowercased',
      'Zipkin stores span and service names in lower case: upper-case letters of names were lost',
      null,
      null,
    );
  }
  return { spans, rejected, losses: [...losses.values()] };
}

/**
 * A bundle with `extra` diagnostics added (kept once each, in the fold's order) and sealed
 * again: how the losses of a lossy backend land in the bundle it was folded from.
 *
 * @example
 * const bundle = withDiagnostics(folded, losses);
 */
export function withDiagnostics(bundle: RunBundle, extra: readonly BundleDiagnostic[]): RunBundle {
  if (extra.length === 0) return bundle;
  const { integrity: _integrity, ...unsealed } = bundle;
  const byKey = new Map<string, BundleDiagnostic>();
  for (const d of [...bundle.diagnostics, ...extra]) {
    const key = `${d.code}\u0000${d.spanId ?? ''}\u0000${d.subject ?? ''}\u0000${d.message}`;
    if (!byKey.has(key)) byKey.set(key, d);
  }
  const diagnostics = [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, d]) => d);
  return sealBundle({ ...unsealed, diagnostics });
}

function kindOf(kind: unknown): SpanKindName {
  switch (kind) {
    case 'CLIENT':
      return 'client';
    case 'SERVER':
      return 'server';
    case 'PRODUCER':
      return 'producer';
    case 'CONSUMER':
      return 'consumer';
    default:
      // The exporter omits the kind of internal (and unspecified) spans.
      return 'internal';
  }
}

function statusOf(tags: Readonly<Record<string, string>>): {
  code: StatusCodeName;
  message?: string;
} {
  // The exporter writes the enum's name (STATUS_CODE_OK); the specification's Zipkin mapping, and
  // other exporters, write OK / ERROR.
  const said = tags[STATUS_CODE_TAG]?.toLowerCase().replace(/^status_code_/, '');
  const error = tags[ERROR_TAG];
  const code: StatusCodeName =
    said === 'ok' ? 'ok' : said === 'error' || error !== undefined ? 'error' : 'unset';
  const description = tags[STATUS_DESCRIPTION_TAG];
  const message =
    description !== undefined && description !== ''
      ? description
      : error !== undefined && error !== '' && error !== 'true'
        ? error
        : undefined;
  return code === 'error' && message !== undefined ? { code, message } : { code };
}

function scopeOf(tags: Readonly<Record<string, string>>): { name: string; version?: string } {
  const name = SCOPE_NAME_TAGS.map((k) => tags[k]).find((v) => v !== undefined) ?? '';
  const version = SCOPE_VERSION_TAGS.map((k) => tags[k]).find((v) => v !== undefined);
  return version !== undefined ? { name, version } : { name };
}

/** Whether tag text reads as something other than a string (the exporter's forms). */
function looksTyped(v: string): boolean {
  return (
    v === 'true' ||
    v === 'false' ||
    /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v) ||
    (v.startsWith('[') && v.endsWith(']')) ||
    (v.startsWith('{') && v.endsWith('}'))
  );
}

interface ParsedAnnotation {
  name: string;
  attributes: Array<[string, AttributeValue]>;
  dropped: number;
  flattened: boolean;
}

/** `name`, or the exporter's `name|{JSON attributes}|droppedCount`. */
function parseAnnotation(value: string): ParsedAnnotation {
  const m = /^([^|]*)\|(\{.*\})\|(\d+)$/s.exec(value);
  if (m === null) return { name: value, attributes: [], dropped: 0, flattened: false };
  let json: unknown;
  try {
    json = JSON.parse(m[2]!);
  } catch {
    return { name: value, attributes: [], dropped: 0, flattened: false };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { name: value, attributes: [], dropped: 0, flattened: false };
  }
  const attributes = Object.entries(json as Record<string, unknown>).map(
    ([k, v]) => [k, fromJson(v)] as [string, AttributeValue],
  );
  return { name: m[1]!, attributes, dropped: Number(m[3]), flattened: true };
}

function fromJson(v: unknown): AttributeValue {
  if (typeof v === 'string' || typeof v === 'boolean' || v === null) return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(fromJson);
  if (typeof v === 'object') {
    return {
      kvlist: attributesFrom(
        Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromJson(x)]),
      ),
    };
  }
  return null;
}

/** Half-up rounding of nanoseconds to microseconds, as the exporter's JSON does. */
function roundMicros(ns: bigint): bigint {
  return ns >= 0n ? (ns + 500n) / 1000n : -((-ns + 500n) / 1000n);
}

/** A tag's text, as the exporter writes attribute values (pdata's `AsString`). */
function tagText(v: AttributeValue): string {
  if (typeof v === 'string') return wellFormed(v);
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'json: unsupported value: NaN';
    if (!Number.isFinite(v)) return `json: unsupported value: ${v > 0 ? '+Inf' : '-Inf'}`;
    return goNumber(v);
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v === null) return '';
  return goJson(v);
}

/**
 * A value as Go's encoding/json writes the collector's raw form of it: map keys sorted (by their
 * UTF-8 bytes), `<`, `>`, `&`, U+2028 and U+2029 escaped, bytes as base64, integers exact.
 */
function goJson(v: AttributeValue | Attributes): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return goString(v);
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  // Go refuses NaN and infinities (the exporter then drops the span): written as text here.
  if (typeof v === 'number') return Number.isFinite(v) ? goNumber(v) : goString(String(v));
  if (v instanceof Uint8Array) return `"${Buffer.from(v).toString('base64')}"`;
  if (Array.isArray(v)) return `[${(v as readonly AttributeValue[]).map(goJson).join(',')}]`;
  const record = ('kvlist' in v && typeof v.kvlist === 'object' ? v.kvlist : v) as Attributes;
  const keys = Object.keys(record)
    .map((k) => [k, Buffer.from(wellFormed(k), 'utf8')] as const)
    .sort(([, a], [, b]) => Buffer.compare(a, b));
  return `{${keys.map(([k]) => `${goString(k)}:${goJson(record[k]!)}`).join(',')}}`;
}

/** A double as Go (and ECMAScript) writes it, `-0` kept. */
function goNumber(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

const GO_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** A string literal as Go's encoding/json writes it (HTML-safe, lone surrogates as U+FFFD). */
function goString(s: string): string {
  return `"${wellFormed(s).replace(/["\\\u0000-\u001f<>&\u2028\u2029]/g, (c) => {
    const short = GO_ESCAPES[c];
    return short ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  })}"`;
}

/** The string with lone surrogates as U+FFFD, as the exporters' UTF-8 encoding leaves it. */
function wellFormed(s: string): string {
  return (s as unknown as { toWellFormed(): string }).toWellFormed();
}

/** A link from the exporter's `otlp.link.N` tag; null when the text is not one. */
function parseLink(value: string): SpanLinkRecord | null {
  const parts = value.split('|');
  if (parts.length < 5) return null;
  const traceId = parts[0]!.toLowerCase();
  const spanId = parts[1]!.toLowerCase();
  if (!isValidTraceId(traceId) || !isValidSpanId(spanId)) return null;
  let json: unknown;
  try {
    json = JSON.parse(parts.slice(3, -1).join('|'));
  } catch {
    return null;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return null;
  const attributes = attributesFrom(
    Object.entries(json as Record<string, unknown>).map(([k, v]) => [k, fromJson(v)]),
  );
  return { traceId, spanId, attributes };
}
