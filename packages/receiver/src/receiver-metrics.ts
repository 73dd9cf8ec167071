/** The receiver's counters and gauges, served at `/metrics` in Prometheus text format. */
export class ReceiverMetrics {
  spansAccepted = 0;
  spansRejected = 0;
  spansLate = 0;
  spansDroppedLate = 0;
  spansDroppedCap = 0;
  /** Workbench events received as log records (`/v1/logs`) and spooled. */
  logEventsAccepted = 0;
  /** Log records with a workbench event name refused as invalid. */
  logRecordsRejected = 0;
  bundlesWritten = 0;
  bundlesRevision = 0;
  bundlesUnchanged = 0;
  bundlesIncomplete = 0;
  tracesEvicted = 0;
  tracesExpired = 0;
  tracesIgnored = 0;
  /** Traces folded that were a segment of a run spanning traces, held until the run is whole. */
  segmentsHeld = 0;
  sinkErrors = 0;
  spoolErrors = 0;
  spoolDamagedRecords = 0;
  outputFolderRecreated = 0;
  readonly requests = new Map<number, number>();
  /** OTLP/gRPC calls answered, by gRPC status code. */
  readonly grpcRequests = new Map<number, number>();

  countRequest(status: number): void {
    this.requests.set(status, (this.requests.get(status) ?? 0) + 1);
  }

  countGrpc(code: number): void {
    this.grpcRequests.set(code, (this.grpcRequests.get(code) ?? 0) + 1);
  }

  /** Counters by name, as `snapshot()` and tests read them. */
  snapshot(gauges: Readonly<Record<string, number>>): Record<string, number> {
    const out: Record<string, number> = {
      spans_accepted: this.spansAccepted,
      spans_rejected: this.spansRejected,
      spans_late: this.spansLate,
      spans_dropped: this.spansDroppedLate + this.spansDroppedCap,
      log_events_accepted: this.logEventsAccepted,
      log_records_rejected: this.logRecordsRejected,
      bundles_written: this.bundlesWritten + this.bundlesRevision,
      bundles_revision: this.bundlesRevision,
      bundles_unchanged: this.bundlesUnchanged,
      bundles_incomplete: this.bundlesIncomplete,
      traces_evicted: this.tracesEvicted,
      traces_expired: this.tracesExpired,
      traces_ignored: this.tracesIgnored,
      traces_held_as_segments: this.segmentsHeld,
      sink_errors: this.sinkErrors,
      spool_errors: this.spoolErrors,
      spool_damaged_records: this.spoolDamagedRecords,
      output_folder_recreated: this.outputFolderRecreated,
      ...gauges,
    };
    for (const [code, n] of this.requests) out[`requests_${code}`] = n;
    for (const [code, n] of this.grpcRequests) out[`grpc_requests_${code}`] = n;
    return out;
  }

  /** Prometheus text exposition (version 0.0.4). */
  render(gauges: Readonly<Record<string, number>>): string {
    const lines: string[] = [];
    const counter = (name: string, help: string, samples: Array<[string, number]>): void => {
      lines.push(
        `# HELP workbench_receiver_${name} ${help}`,
        `# TYPE workbench_receiver_${name} counter`,
      );
      for (const [labels, v] of samples) lines.push(`workbench_receiver_${name}${labels} ${v}`);
    };
    const gauge = (name: string, help: string, v: number): void => {
      lines.push(
        `# HELP workbench_receiver_${name} ${help}`,
        `# TYPE workbench_receiver_${name} gauge`,
        `workbench_receiver_${name} ${v}`,
      );
    };
    for (const [name, help, samples] of COUNTERS) counter(name, help, samples(this));
    const cpu: Array<[string, number]> = [];
    for (const [name, v] of Object.entries(gauges)) {
      const thread = CPU_THREADS[name];
      if (thread !== undefined) cpu.push([`{thread="${thread}"}`, v]);
      else if (name.endsWith('_total')) counter(name, GAUGE_HELP[name] ?? name, [['', v]]);
      else gauge(name, GAUGE_HELP[name] ?? name, v);
    }
    if (cpu.length > 0)
      counter(
        'cpu_seconds_total',
        'CPU time by thread (Linux): main answers requests, fold folds and writes bundles.',
        cpu,
      );
    return `${lines.join('\n')}\n`;
  }
}

/** Samples of a counter: label set (`''` for none) and value. */
type Samples = (m: ReceiverMetrics) => Array<[labels: string, value: number]>;

/** A counter without labels. */
const total =
  (read: (m: ReceiverMetrics) => number): Samples =>
  (m) => [['', read(m)]];

/** A counter by status code, in code order. */
const byCode =
  (read: (m: ReceiverMetrics) => ReadonlyMap<number, number>): Samples =>
  (m) =>
    [...read(m)].sort((a, b) => a[0] - b[0]).map(([c, n]) => [`{code="${c}"}`, n]);

/** The counters /metrics serves, in order, before the gauges: name, help, samples. */
const COUNTERS: ReadonlyArray<readonly [name: string, help: string, samples: Samples]> = [
  ['requests_total', 'OTLP export requests answered, by HTTP status.', byCode((m) => m.requests)],
  [
    'grpc_requests_total',
    'OTLP/gRPC export calls answered, by gRPC status code (0 OK, 3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE, 16 UNAUTHENTICATED …).',
    byCode((m) => m.grpcRequests),
  ],
  [
    'spans_accepted_total',
    'Spans accepted (durably spooled before the answer).',
    total((m) => m.spansAccepted),
  ],
  [
    'spans_rejected_total',
    'Spans rejected as invalid (bad ids, times or values), reported in partialSuccess.',
    total((m) => m.spansRejected),
  ],
  [
    'log_events_accepted_total',
    'Workbench events received as log records on /v1/logs (durably spooled before the answer).',
    total((m) => m.logEventsAccepted),
  ],
  [
    'log_records_rejected_total',
    'Log records of workbench events rejected as invalid, reported in partialSuccess.',
    total((m) => m.logRecordsRejected),
  ],
  [
    'spans_late_total',
    'Spans that arrived after their trace was folded.',
    total((m) => m.spansLate),
  ],
  [
    'spans_dropped_total',
    'Spans not kept, by reason; reported in partialSuccess.',
    (m) => [
      ['{reason="late_window_closed"}', m.spansDroppedLate],
      ['{reason="trace_span_cap"}', m.spansDroppedCap],
    ],
  ],
  [
    'bundles_written_total',
    'Bundles handed to the sink, by outcome.',
    (m) => [
      ['{status="written"}', m.bundlesWritten],
      ['{status="revision"}', m.bundlesRevision],
      ['{status="unchanged"}', m.bundlesUnchanged],
    ],
  ],
  [
    'bundles_incomplete_total',
    'Bundles written with run.complete = false.',
    total((m) => m.bundlesIncomplete),
  ],
  [
    'traces_evicted_total',
    'Traces folded early because a cap on open traces or bytes was reached.',
    total((m) => m.tracesEvicted),
  ],
  [
    'traces_expired_total',
    'Traces folded early because their time-to-live ran out.',
    total((m) => m.tracesExpired),
  ],
  [
    'traces_ignored_total',
    'Traces folded that held no run (no bundle written).',
    total((m) => m.tracesIgnored),
  ],
  [
    'traces_held_as_segments_total',
    'Traces folded that were a segment of a run spanning traces, held until the run is whole.',
    total((m) => m.segmentsHeld),
  ],
  ['sink_errors_total', 'Failed bundle writes (retried).', total((m) => m.sinkErrors)],
  ['spool_errors_total', 'Failed spool writes (answered 503).', total((m) => m.spoolErrors)],
  [
    'spool_damaged_records_total',
    'Spool records found damaged at start (a failing checksum; or the unreadable rest of a segment, counted once), skipped and reported.',
    total((m) => m.spoolDamagedRecords),
  ],
  [
    'output_folder_recreated_total',
    'Times the output folder was found removed (and created again, with a new ledger) or replaced while serving.',
    total((m) => m.outputFolderRecreated),
  ],
];

/** Snapshot names of the per-thread CPU times, and their `thread` label in /metrics. */
const CPU_THREADS: Record<string, string> = {
  main_thread_cpu_seconds: 'main',
  fold_thread_cpu_seconds: 'fold',
};

const GAUGE_HELP: Record<string, string> = {
  open_traces: 'Traces being assembled.',
  folding_traces: 'Traces being folded and written.',
  lingering_traces: 'Folded traces kept for their late window.',
  buffered_bytes: 'Estimated bytes of spans held in memory.',
  inflight_requests: 'Export requests being received, decoded or stored.',
  decoding_requests: 'Export requests holding one of the maxInflightRequests slots.',
  request_body_bytes: 'Bytes of request bodies held in memory.',
  spool_segments: 'Spool segment files on disk.',
  spool_bytes: 'Bytes in spool segment files.',
  open_runs: 'Runs spanning traces with segments held, waiting for the rest of their segments.',
  open_run_segments: 'Segments held of open runs.',
  open_run_bytes: 'Bytes of held segment files (open runs, and folded ones kept for late spans).',
  run_segments_held_total: 'Segments of runs spanning traces written to the open-runs folder.',
  runs_folded_total: 'Runs spanning traces folded into their bundle once all segments were there.',
  runs_expired_total: 'Open runs folded as incomplete because runTtlMs ran out.',
  runs_evicted_total: 'Open runs folded early, as incomplete, at the cap on open runs or bytes.',
};
