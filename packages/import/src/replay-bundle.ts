import type { RunBundle, SpanRecord, UnsealedRunBundle } from '@llm-workbench/bundle';
import { encodeOtlpJson, encodeOtlpProtobuf, type OtlpEncoding } from '@llm-workbench/otlp';
import { excerpt, httpRequest } from './http-get.js';
import { ImportError } from './import-error.js';
import { spanRecordsFromBundle } from './span-records-from-bundle.js';

/** Options of {@link replayBundle}. */
export interface ReplayOptions {
  /**
   * OTLP/HTTP endpoint: a full traces URL (`http://127.0.0.1:4318/v1/traces`), or a base URL
   * with no path (`http://127.0.0.1:4318`), to which `/v1/traces` is appended. Required.
   */
  endpoint: string;
  /** `json` or `protobuf`. Default `protobuf`, as the OTLP exporters send. */
  protocol?: OtlpEncoding;
  /** Extra request headers (say, `Authorization`). Default none. */
  headers?: Record<string, string>;
  /** Request deadline in milliseconds. Default 30000. */
  timeoutMs?: number;
}

/** What {@link replayBundle} sent. */
export interface ReplayResult {
  readonly traceId: string;
  /** The traces URL the request went to. */
  readonly url: string;
  readonly spans: number;
  readonly status: number;
  /** Spans the server refused (OTLP partial success), when it said. */
  readonly rejectedSpans: number;
}

const DEFAULTS = { protocol: 'protobuf', headers: {}, timeoutMs: 30_000 } as const;

/**
 * Resolves an OTLP/HTTP traces URL as the OTLP exporters do with `OTEL_EXPORTER_OTLP_ENDPOINT`:
 * a URL with no path gets `/v1/traces`. Throws {@link ImportError} (`invalid_argument`) quoting a
 * bad URL.
 *
 * @example
 * tracesUrl('http://127.0.0.1:4318'); // 'http://127.0.0.1:4318/v1/traces'
 */
export function tracesUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ImportError('invalid_argument', `invalid endpoint ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ImportError(
      'invalid_argument',
      `endpoint must be an http or https URL, got ${JSON.stringify(endpoint)}`,
    );
  }
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/v1/traces';
  return url.toString();
}

/**
 * Sends span records as one OTLP/HTTP request. Fails with {@link ImportError}: `unreachable`,
 * `timeout`, or `http_status` (with the server's message) for a non-2xx answer.
 *
 * @example
 * await sendSpans(spans, { endpoint: 'http://127.0.0.1:4318', protocol: 'json' });
 */
export async function sendSpans(
  spans: readonly SpanRecord[],
  options: ReplayOptions,
): Promise<{ url: string; status: number; rejectedSpans: number }> {
  const o = { ...DEFAULTS, ...options } satisfies ReplayOptions;
  if (o.protocol !== 'json' && o.protocol !== 'protobuf') {
    throw new ImportError(
      'invalid_argument',
      `protocol must be json or protobuf, got ${JSON.stringify(o.protocol)}`,
    );
  }
  const url = tracesUrl(o.endpoint);
  const body =
    o.protocol === 'json' ? JSON.stringify(encodeOtlpJson(spans)) : encodeOtlpProtobuf(spans);
  const answer = await httpRequest(url, {
    method: 'POST',
    headers: {
      'content-type': o.protocol === 'json' ? 'application/json' : 'application/x-protobuf',
      ...o.headers,
    },
    body,
    timeoutMs: o.timeoutMs,
    maxBodyBytes: 1024 * 1024,
  });
  if (answer.status < 200 || answer.status >= 300) {
    const said =
      o.protocol === 'json' || answer.contentType.includes('json') ? excerpt(answer.body) : '';
    throw new ImportError(
      'http_status',
      `${url} answered ${answer.status}${said === '' ? '' : `: ${said}`}`,
      { url, status: answer.status },
    );
  }
  return {
    url,
    status: answer.status,
    rejectedSpans: rejectedFrom(answer.body, answer.contentType),
  };
}

/**
 * Sends a bundle's run back as OTLP/HTTP: the spans {@link spanRecordsFromBundle} rebuilds, with
 * the original trace and span ids, times and events, so that the run can be looked at in the
 * backend an investigator uses. Folding what arrives gives the same bundle.
 *
 * @example
 * const result = await replayBundle(bundle, { endpoint: 'http://127.0.0.1:4318' });
 */
export async function replayBundle(
  bundle: RunBundle | UnsealedRunBundle,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const spans = spanRecordsFromBundle(bundle);
  const sent = await sendSpans(spans, options);
  return { traceId: bundle.run.traceId, spans: spans.length, ...sent };
}

function rejectedFrom(body: string, contentType: string): number {
  if (!contentType.includes('json')) return 0;
  try {
    const v = JSON.parse(body) as { partialSuccess?: { rejectedSpans?: unknown } };
    const n = Number(v.partialSuccess?.rejectedSpans ?? 0);
    return Number.isFinite(n) ? n : 0;
  } catch {
    return 0;
  }
}
