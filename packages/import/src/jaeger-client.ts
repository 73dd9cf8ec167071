import { ATTR_RUN_ID } from '@llm-workbench/semconv';
import { BackendHttpClient, DEFAULT_SEARCH_LIMIT } from './backend-client.js';
import { ImportError } from './import-error.js';
import { decodeAnswer, expectOk, parseJsonOrUndefined } from './backend-answer.js';
import { addToTraceGroups, type TraceGroups } from './fold-traces.js';
import { undoJaegerSanitizers } from './undo-jaeger-sanitizers.js';
import { normalizeTraceId } from './resolve-client-options.js';
import { isTraceOfRun } from './run-traces.js';
import type { BackendClientOptions, FetchedTrace, RunSearch, TraceSearch } from './types.js';

/**
 * Reads traces from Jaeger's query API v3 (`/api/v3/traces`), which answers in OTLP JSON.
 * Always asks for raw traces (`raw_traces=true`), so Jaeger's adjusters (deduplication, clock-skew
 * correction, sorting, attribute moves) are bypassed and the spans come back as stored; and undoes
 * what Jaeger's storage sanitizers changed where they recorded the original (see
 * {@link undoJaegerSanitizers}): a span that ended before it started, a missing service name.
 *
 * @example
 * const jaeger = new JaegerClient({ url: 'http://127.0.0.1:16686' });
 * const trace = await jaeger.getTrace('4bf92f3577b34da6a3ce929d0e0e4736');
 */
export class JaegerClient extends BackendHttpClient {
  constructor(options: BackendClientOptions) {
    super('Jaeger', options);
  }

  /**
   * One trace by id (`GET /api/v3/traces/{id}?raw_traces=true`). Fails with `not_found` when
   * Jaeger does not have it, and with `unreachable`, `timeout`, `http_status` or `bad_response`
   * otherwise.
   *
   * @example
   * const { spans } = await jaeger.getTrace(traceId);
   */
  async getTrace(traceId: string): Promise<FetchedTrace> {
    const { id, url, answer } = await this.getTraceAt(
      traceId,
      (id) => `/api/v3/traces/${id}?raw_traces=true`,
    );
    const { spans, rejected } = decodeAnswer('Jaeger', url, answer);
    const own = undoJaegerSanitizers(spans.filter((s) => s.traceId === id));
    if (own.length === 0) {
      throw new ImportError('not_found', `Jaeger returned no spans of trace ${id}`, { url });
    }
    return { traceId: id, spans: own, rejectedSpans: rejected, partial: false };
  }

  /**
   * The traces with a span of `service` starting within the window, most recent first as Jaeger
   * returns them, at most `limit` (`query.num_traces`, which Jaeger also uses as its search
   * depth and its memory storage requires). No match is an empty list, not an error.
   *
   * @example
   * const traces = await jaeger.findTraces({ service: 'newsletter', start: new Date(Date.now() - 3_600_000), end: new Date() });
   */
  async findTraces(search: TraceSearch): Promise<FetchedTrace[]> {
    const params = new URLSearchParams({
      'query.service_name': search.service,
      'query.start_time_min': search.start.toISOString(),
      'query.start_time_max': search.end.toISOString(),
      'query.num_traces': String(search.limit ?? DEFAULT_SEARCH_LIMIT),
      'query.raw_traces': 'true',
    });
    const url = `${this.options.baseUrl}/api/v3/traces?${params.toString()}`;
    const answer = await this.get(url);
    // Jaeger answers a search that matched nothing with 404 "No traces found".
    if (answer.status === 404 && /no traces found/i.test(answer.body)) return [];
    expectOk('Jaeger', url, answer);
    const { spans, rejected } = decodeAnswer('Jaeger', url, answer);
    const groups: TraceGroups = new Map();
    addToTraceGroups(groups, undoJaegerSanitizers(spans));
    return [...groups.entries()].map(([traceId, group], i) => ({
      traceId,
      spans: group,
      // Rejected spans cannot be told apart by trace; count them on the first.
      rejectedSpans: i === 0 ? rejected : 0,
      partial: false,
    }));
  }

  /**
   * Every trace of one run: Jaeger's tag search (`GET /api/traces` with
   * `tags={"workbench.run.id":"…"}` over the window, in each service Jaeger knows unless one is
   * given: that API needs a service, and the v3 API has no attribute search), then each trace
   * found read raw through the v3 API, as {@link JaegerClient.getTrace} does. Traces whose run
   * span does not carry the run id are left out. No match is an empty list.
   *
   * @example
   * const segments = await jaeger.findRunTraces({ runId: 'run-42', start: new Date(Date.now() - 7 * 86_400_000), end: new Date() });
   */
  async findRunTraces(search: RunSearch): Promise<FetchedTrace[]> {
    const services = search.service !== undefined ? [search.service] : await this.services();
    const ids = new Set<string>();
    for (const service of services) {
      const params = new URLSearchParams({
        service,
        tags: JSON.stringify({ [ATTR_RUN_ID]: search.runId }),
        start: String(search.start.getTime() * 1000),
        end: String(search.end.getTime() * 1000),
        limit: String(search.limit ?? DEFAULT_SEARCH_LIMIT),
      });
      const url = `${this.options.baseUrl}/api/traces?${params.toString()}`;
      const answer = await this.getOk(url);
      for (const id of legacyTraceIds(url, answer.body)) ids.add(id);
    }
    const out: FetchedTrace[] = [];
    for (const id of [...ids].sort()) {
      let trace: FetchedTrace;
      try {
        trace = await this.getTrace(id);
      } catch (err) {
        if (err instanceof ImportError && err.code === 'not_found') continue;
        throw err;
      }
      if (isTraceOfRun(trace.spans, search.runId)) out.push(trace);
    }
    return out;
  }

  /** The service names Jaeger knows (`GET /api/v3/services`). */
  private async services(): Promise<string[]> {
    const url = `${this.options.baseUrl}/api/v3/services`;
    const answer = await this.getOk(url);
    const services = (parseJsonOrUndefined(answer.body) as { services?: unknown } | undefined)
      ?.services;
    if (services === undefined || services === null) return [];
    if (!Array.isArray(services) || !services.every((s) => typeof s === 'string'))
      throw new ImportError('bad_response', `Jaeger answered ${url} without a list of services`, {
        url,
        status: answer.status,
      });
    return services;
  }
}

/** The trace ids of an answer of Jaeger's JSON API (`{ data: [{ traceID }] }`), normalized. */
function legacyTraceIds(url: string, body: string): string[] {
  const data = (parseJsonOrUndefined(body) as { data?: unknown } | undefined)?.data;
  if (data === null) return [];
  if (!Array.isArray(data))
    throw new ImportError('bad_response', `Jaeger answered ${url} without a list of traces`, {
      url,
    });
  const ids: string[] = [];
  for (const t of data as unknown[]) {
    const raw = (t as { traceID?: unknown } | null)?.traceID;
    if (typeof raw === 'string') ids.push(normalizeTraceId(raw));
  }
  return ids;
}
