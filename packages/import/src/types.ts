import type { SpanRecord } from '@llm-workbench/bundle';

/** Options shared by {@link JaegerClient}, {@link TempoClient} and {@link ZipkinClient}. */
export interface BackendClientOptions {
  /** Base URL of the query API, e.g. `http://127.0.0.1:16686` (Jaeger) or `http://127.0.0.1:3200` (Tempo). Required. */
  url: string;
  /** Deadline of each HTTP request, in milliseconds. Default 30000. */
  timeoutMs?: number;
  /** Extra request headers (say, `Authorization` or Tempo's `X-Scope-OrgID`). Default none. */
  headers?: Record<string, string>;
  /** How many traces are fetched at once during a search. Default 4. */
  concurrency?: number;
}

/** A search for runs by service and time window. */
export interface TraceSearch {
  /** `service.name` of the spans to find. */
  service: string;
  /** Start of the window (inclusive). */
  start: Date;
  /** End of the window (inclusive). */
  end: Date;
  /** Most traces returned. Default 100. */
  limit?: number;
}

/**
 * A search for every trace (segment) of one run, by its `workbench.run.id`, over a window: a run
 * that was suspended and resumed spans several traces, started hours or days apart.
 */
export interface RunSearch {
  /** `workbench.run.id` of the run. */
  runId: string;
  /** Start of the window (inclusive): the run's first segment started after it. */
  start: Date;
  /** End of the window (inclusive). */
  end: Date;
  /** Only spans of this `service.name` (Jaeger needs one per search: without it, every service Jaeger knows is searched). */
  service?: string | undefined;
  /** Most traces a search returns. Default 100. */
  limit?: number | undefined;
}

/** One trace read from a backend, decoded into span records. */
export interface FetchedTrace {
  /** 32 lowercase hex digits. */
  readonly traceId: string;
  readonly spans: SpanRecord[];
  /** Spans the decoder refused (bad ids, times or values), counted. */
  readonly rejectedSpans: number;
  /** True when the backend said the trace is partial (Tempo `status` other than `COMPLETE`). */
  readonly partial: boolean;
}

/** Progress of a multi-trace fetch: `done` of `total` traces. */
export type ProgressCallback = (done: number, total: number) => void;
