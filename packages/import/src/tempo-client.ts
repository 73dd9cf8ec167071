import { ATTR_RUN_ID } from '@llm-workbench/semconv';
import { BackendHttpClient, DEFAULT_SEARCH_LIMIT } from './backend-client.js';
import { ImportError } from './import-error.js';
import { decodeAnswer, parseJsonOrUndefined } from './backend-answer.js';
import { mapConcurrent, normalizeTraceId } from './resolve-client-options.js';
import { isTraceOfRun } from './run-traces.js';
import type {
  BackendClientOptions,
  FetchedTrace,
  ProgressCallback,
  RunSearch,
  TraceSearch,
} from './types.js';

/**
 * Reads traces from Grafana Tempo's HTTP API. A trace comes from `/api/v2/traces/{id}`
 * (`{"trace":{"resourceSpans":…}}`, ids in base64, enums as names), or from the older
 * `/api/traces/{id}` (`{"batches":…}`) on a Tempo that has no v2 route. A search asks
 * `/api/search` with TraceQL for the service, then fetches each trace it names (Tempo prints
 * those ids as hex with leading zeros trimmed; they are padded back to 32 digits).
 *
 * @example
 * const tempo = new TempoClient({ url: 'http://127.0.0.1:3200' });
 * const trace = await tempo.getTrace('4bf92f3577b34da6a3ce929d0e0e4736');
 */
export class TempoClient extends BackendHttpClient {
  constructor(options: BackendClientOptions) {
    super('Tempo', options);
  }

  /**
   * One trace by id. Fails with `not_found` when Tempo does not have it (yet: Tempo makes a
   * trace queryable a few seconds after ingesting it), and with `unreachable`, `timeout`,
   * `http_status` or `bad_response` otherwise. `partial` is true when Tempo said so.
   *
   * @example
   * const { spans, partial } = await tempo.getTrace(traceId);
   */
  async getTrace(traceId: string): Promise<FetchedTrace> {
    const { id, url, answer } = await this.getTraceAt(
      traceId,
      (id) => `/api/v2/traces/${id}`,
      // Where /api/v2 is unknown (an older Tempo), the first API's route.
      (id) => `/api/traces/${id}`,
    );
    const { spans, rejected, partial } = decodeAnswer('Tempo', url, answer);
    const own = spans.filter((s) => s.traceId === id);
    if (own.length === 0 && rejected === 0) {
      throw new ImportError('not_found', `Tempo returned no spans of trace ${id}`, { url });
    }
    return { traceId: id, spans: own, rejectedSpans: rejected, partial: partial !== null };
  }

  /**
   * The ids of traces with a span of `service` within the window (`/api/search` with the
   * TraceQL query `{resource.service.name="…"}`, `start` and `end` in Unix seconds), as 32 hex
   * digits, at most `limit` (Tempo's own default is only 20, so it is always sent).
   *
   * @example
   * const ids = await tempo.searchTraceIds({ service: 'newsletter', start, end });
   */
  async searchTraceIds(search: TraceSearch): Promise<string[]> {
    return this.search(`{resource.service.name=${JSON.stringify(search.service)}}`, search);
  }

  /**
   * Every trace of one run: the TraceQL search `{ span."workbench.run.id" = "…" }` over the
   * window (and the service, when given), then each trace fetched as
   * {@link TempoClient.findTraces} does; traces whose run span does not carry the run id are
   * left out. A run that was suspended and resumed spans several traces: they all come back.
   *
   * @example
   * const segments = await tempo.findRunTraces({ runId: 'run-42', start, end });
   */
  async findRunTraces(search: RunSearch, onProgress?: ProgressCallback): Promise<FetchedTrace[]> {
    const byRun = `span.${JSON.stringify(ATTR_RUN_ID)} = ${JSON.stringify(search.runId)}`;
    const q =
      search.service === undefined
        ? `{ ${byRun} }`
        : `{ ${byRun} && resource.service.name = ${JSON.stringify(search.service)} }`;
    const ids = await this.search(q, search);
    const traces = await this.fetchAll(ids, onProgress);
    return traces.filter((t) => isTraceOfRun(t.spans, search.runId));
  }

  /** Trace ids a TraceQL query finds in the window (`/api/search`), each once. */
  private async search(
    q: string,
    window: { start: Date; end: Date; limit?: number | undefined },
  ): Promise<string[]> {
    const params = new URLSearchParams({
      q,
      start: String(Math.floor(window.start.getTime() / 1000)),
      end: String(Math.ceil(window.end.getTime() / 1000)),
      limit: String(window.limit ?? DEFAULT_SEARCH_LIMIT),
    });
    const url = `${this.options.baseUrl}/api/search?${params.toString()}`;
    const answer = await this.getOk(url);
    const value = parseJsonOrUndefined(answer.body) as { traces?: unknown } | null | undefined;
    if (value === undefined) {
      throw new ImportError(
        'bad_response',
        `Tempo answered ${url} with something other than JSON`,
        {
          url,
          status: answer.status,
        },
      );
    }
    const traces = value?.traces;
    if (traces === undefined || traces === null) return [];
    if (!Array.isArray(traces)) {
      throw new ImportError('bad_response', `Tempo answered ${url} without a traces list`, { url });
    }
    const ids: string[] = [];
    const seen = new Set<string>();
    for (const t of traces as unknown[]) {
      const raw = (t as { traceID?: unknown } | null)?.traceID;
      if (typeof raw !== 'string') continue;
      const id = normalizeTraceId(raw);
      if (!seen.has(id)) {
        seen.add(id);
        ids.push(id);
      }
    }
    return ids;
  }

  /**
   * Searches (see {@link TempoClient.searchTraceIds}) and fetches every trace found, a few at a
   * time. A trace that vanished between search and fetch is left out.
   *
   * @example
   * const traces = await tempo.findTraces({ service: 'newsletter', start, end }, (done, total) => bar.update(done, total));
   */
  async findTraces(search: TraceSearch, onProgress?: ProgressCallback): Promise<FetchedTrace[]> {
    return this.fetchAll(await this.searchTraceIds(search), onProgress);
  }

  private async fetchAll(ids: string[], onProgress?: ProgressCallback): Promise<FetchedTrace[]> {
    let done = 0;
    onProgress?.(0, ids.length);
    const fetched = await mapConcurrent(ids, this.options.concurrency, async (id) => {
      try {
        return await this.getTrace(id);
      } catch (err) {
        if (err instanceof ImportError && err.code === 'not_found') return null;
        throw err;
      } finally {
        onProgress?.(++done, ids.length);
      }
    });
    return fetched.filter((t): t is FetchedTrace => t !== null);
  }
}
