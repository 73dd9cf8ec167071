import { ATTR_RUN_ID } from '@llm-workbench/semconv';
import type { BundleDiagnostic } from '@llm-workbench/bundle';
import type { HttpAnswer } from './http-get.js';
import { BackendHttpClient, DEFAULT_SEARCH_LIMIT } from './backend-client.js';
import { ImportError } from './import-error.js';
import { parseJsonOrUndefined } from './backend-answer.js';
import { isTraceOfRun } from './run-traces.js';
import type { BackendClientOptions, FetchedTrace, RunSearch, TraceSearch } from './types.js';
import { fromZipkinSpans } from './zipkin-spans.js';

/** A trace read from Zipkin, with what Zipkin lost of it (see {@link fromZipkinSpans}). */
export interface ZipkinTrace extends FetchedTrace {
  /** Diagnostics (codes `zipkin_*`) to add to the trace's bundle: `withDiagnostics`. */
  readonly losses: BundleDiagnostic[];
}

/**
 * Reads traces from Zipkin's API v2 (`/api/v2/trace/{id}`, `/api/v2/traces`), which answers in
 * Zipkin JSON v2, and reads them back into span records with what Zipkin lost listed as
 * diagnostics (tags are strings, events are annotations, times are microseconds).
 *
 * @example
 * const zipkin = new ZipkinClient({ url: 'http://127.0.0.1:9411' });
 * const { spans, losses } = await zipkin.getTrace('4bf92f3577b34da6a3ce929d0e0e4736');
 */
export class ZipkinClient extends BackendHttpClient {
  constructor(options: BackendClientOptions) {
    super('Zipkin', options);
  }

  /**
   * One trace by id (`GET /api/v2/trace/{id}`). Fails with `not_found` when Zipkin does not have
   * it, and with `unreachable`, `timeout`, `http_status` or `bad_response` otherwise.
   *
   * @example
   * const trace = await zipkin.getTrace(traceId);
   */
  async getTrace(traceId: string): Promise<ZipkinTrace> {
    const { id, url, answer } = await this.getTraceAt(traceId, (id) => `/api/v2/trace/${id}`);
    const list = jsonArray(url, answer);
    const { spans, rejected, losses } = fromZipkinSpans(list);
    const own = spans.filter((s) => s.traceId === id);
    if (own.length === 0) {
      throw new ImportError('not_found', `Zipkin returned no spans of trace ${id}`, { url });
    }
    return { traceId: id, spans: own, rejectedSpans: rejected, partial: false, losses };
  }

  /**
   * The traces with a span of `service` within the window (`GET /api/v2/traces` with
   * `serviceName`, `endTs` and `lookback` in milliseconds), at most `limit`. Zipkin keeps service
   * names in lower case, so the name is asked in lower case. No match is an empty list.
   *
   * @example
   * const traces = await zipkin.findTraces({ service: 'newsletter', start: new Date(Date.now() - 3_600_000), end: new Date() });
   */
  async findTraces(search: TraceSearch): Promise<ZipkinTrace[]> {
    return this.search(search, { serviceName: search.service.toLowerCase() });
  }

  /**
   * Every trace of one run: `GET /api/v2/traces` with `annotationQuery=workbench.run.id=…` over
   * the window (and the service, when given); traces whose run span does not carry the run id
   * are left out. Links come back only where the Collector's zipkin exporter wrote them
   * (`otlp.link.N` tags; other Zipkin producers drop them), so segments are told apart by their
   * segment number alone, which is all the fold relies on.
   *
   * @example
   * const segments = await zipkin.findRunTraces({ runId: 'run-42', start, end });
   */
  async findRunTraces(search: RunSearch): Promise<ZipkinTrace[]> {
    const traces = await this.search(search, {
      annotationQuery: `${ATTR_RUN_ID}=${search.runId}`,
      ...(search.service !== undefined ? { serviceName: search.service.toLowerCase() } : {}),
    });
    return traces.filter((t) => isTraceOfRun(t.spans, search.runId));
  }

  private async search(
    window: { start: Date; end: Date; limit?: number | undefined },
    query: Record<string, string>,
  ): Promise<ZipkinTrace[]> {
    const endTs = window.end.getTime();
    const lookback = Math.max(0, endTs - window.start.getTime());
    const params = new URLSearchParams({
      ...query,
      endTs: String(endTs),
      lookback: String(lookback),
      limit: String(window.limit ?? DEFAULT_SEARCH_LIMIT),
    });
    const url = `${this.options.baseUrl}/api/v2/traces?${params.toString()}`;
    const answer = await this.getOk(url);
    const out: ZipkinTrace[] = [];
    for (const trace of jsonArray(url, answer)) {
      if (!Array.isArray(trace)) {
        throw new ImportError(
          'bad_response',
          `Zipkin answered ${url} with a trace that is not a list`,
          {
            url,
            status: answer.status,
          },
        );
      }
      const { spans, rejected, losses } = fromZipkinSpans(trace);
      const traceId = spans[0]?.traceId;
      if (traceId === undefined) continue;
      out.push({
        traceId,
        spans: spans.filter((s) => s.traceId === traceId),
        rejectedSpans: rejected,
        partial: false,
        losses,
      });
    }
    return out;
  }
}

function jsonArray(url: string, answer: HttpAnswer): unknown[] {
  const value = parseJsonOrUndefined(answer.body);
  if (!Array.isArray(value)) {
    throw new ImportError(
      'bad_response',
      `Zipkin answered ${url} with something other than a JSON list of spans`,
      { url, status: answer.status },
    );
  }
  return value;
}
