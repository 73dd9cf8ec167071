import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  addToLogEventGroups,
  addToTraceGroups,
  DEFAULT_MAX_SPANS_PER_TRACE,
  foldTraceGroups,
  ImportError,
  isTraceOfRun,
  JaegerClient,
  parseDuration,
  readOtlpFile,
  TempoClient,
  withDiagnostics,
  ZipkinClient,
  type FetchedTrace,
  type FoldedTrace,
  type LogEventGroups,
  type SpanCap,
  type TraceGroups,
  type ZipkinTrace,
} from '@llm-workbench/import';
import type { BundleDiagnostic } from '@llm-workbench/bundle';
import { FileBundleSink, type BundleSink, type BundleWriteResult } from '@llm-workbench/sink';
import {
  CliError,
  EXIT,
  printable,
  writeLine,
  writeText,
  type CliIo,
  type Command,
} from '../io.js';
import { parseCommandArgs, parseHeaders, positiveInt } from '../parse-command-args.js';
import { cannotRead } from '../read-input.js';
import {
  isS3Input,
  openS3Sink,
  openS3Stream,
  S3_ENDPOINT_HELP,
  S3_ENDPOINT_OPTION,
  s3SettingsFrom,
  type S3InputSettings,
} from '../s3-input.js';

const HELP = `Usage:
  workbench import otlp FILE... --out DIR [--run-id ID] [--all] [--json]
  workbench import jaeger --url URL (--trace-id ID... | --service NAME --since DURATION | --run-id ID) --out DIR
  workbench import tempo  --url URL (--trace-id ID... | --service NAME --since DURATION | --run-id ID) --out DIR
  workbench import zipkin --url URL (--trace-id ID... | --service NAME --since DURATION | --run-id ID) --out DIR

Folds traces that were already collected into run bundles, written to DIR as <traceId>.json
(an existing bundle is never rewritten; a different one lands beside it). A run that was
suspended and resumed spans several traces (segments): the segments found of one run fold into
one bundle, named after its first segment's trace id; it says complete: false, and names the
missing segments, when some were not found.

  otlp     OTLP JSON files: the Collector file exporter's JSON lines (a trace may be spread over
           many lines and files), or one plain OTLP JSON document; '-' reads standard input.
           A line that does not parse is reported by its number; the rest is imported.
           Bytes that are not UTF-8 are read as U+FFFD and reported (invalid_utf8).
  jaeger   Jaeger's query API v3 (e.g. http://127.0.0.1:16686), raw traces (no adjusters).
  tempo    Tempo's HTTP API (e.g. http://127.0.0.1:3200).
  zipkin   Zipkin's API v2 (e.g. http://127.0.0.1:9411). Zipkin is lossy: tags are strings,
           events are annotations, names lower case, times are microseconds; each bundle
           lists what was lost in its diagnostics (codes zipkin_*). See docs/zipkin.md.

Options:
  --out DIR           where bundles go (required)
  --url URL           the backend's query API (jaeger, tempo, zipkin)
  --trace-id ID       a trace to import, 32 hex digits; repeat for more
  --run-id ID         import one run (workbench.run.id), every segment of it: Jaeger by tag
                      search (in each service, or --service), Tempo by TraceQL, Zipkin by
                      annotationQuery, over --since (default 7d); otlp: the traces of that run
                      in the files
  --service NAME      import the runs of this service.name ...
  --since DURATION    ... that started within this long before now: 15m, 2h, 7d
  --limit N           most traces a search returns (default 100)
  --timeout MS        deadline of each request (default 30000)
  --header 'K: V'     extra request header, e.g. 'X-Scope-OrgID: team-a'; repeatable
  --all               also fold traces that are not runs (no workbench.* data, no GenAI span)
  --max-input-bytes N most bytes read of each FILE (default 1073741824, 1 GiB); a larger input
                      is refused whole (exit 3), as is standard input that never ends
  --max-spans-per-trace N
                      most spans kept of one trace (default 50000, the receiver's); further
                      spans are dropped, reported, and the bundle says complete: false
  --json              print a JSON report for tools instead of lines
${S3_ENDPOINT_HELP}

FILE may be an S3 object (s3://bucket/key), read piece by piece; --out may be an S3 prefix
(s3://bucket/prefix): bundles are then written there create-only, with the prefix's ledger, as
workbench serve --out s3://… writes them.

Exit status: 0 when everything was imported; 1 when some input was bad (lines, spans) but the rest
was imported; 2 on bad usage; 3 when a file or backend could not be read (unreachable, timeout,
unknown trace id).`;

interface Report {
  source: string;
  bundles: Array<{
    traceId: string;
    /** The traces folded into it: one, or the segments of a run that spans traces. */
    traces: readonly string[];
    runId: string | null;
    name: string;
    spanCount: number;
    complete: boolean;
    sha256: string;
    status: BundleWriteResult['status'];
    path: string;
  }>;
  skipped: string[];
  issues: Array<{ file?: string; line?: number; traceId?: string; code: string; message: string }>;
}

/** `workbench import otlp|jaeger|tempo|zipkin ...` */
export const importCommand: Command = async (argv, io) => {
  const args = parseCommandArgs(argv, io, HELP, {
    out: { type: 'string' },
    url: { type: 'string' },
    'trace-id': { type: 'string', multiple: true },
    'run-id': { type: 'string' },
    service: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
    timeout: { type: 'string' },
    header: { type: 'string', multiple: true },
    all: { type: 'boolean' },
    'max-input-bytes': { type: 'string' },
    'max-spans-per-trace': { type: 'string' },
    json: { type: 'boolean' },
    ...S3_ENDPOINT_OPTION,
  });
  if (args === undefined) return EXIT.ok;
  const { values, positionals } = args;
  const s3 = s3SettingsFrom(values);
  const [source, ...rest] = positionals;
  if (source === undefined) throw new CliError(`no source given`, EXIT.usage, { help: HELP });
  if (values.out === undefined)
    throw new CliError(`--out DIR is required`, EXIT.usage, { help: HELP });
  const sink: BundleSink = isS3Input(values.out)
    ? await openS3Sink(values.out, s3)
    : new FileBundleSink({ directory: resolve(values.out) });
  const progress = new Progress(io);
  const report: Report = { source, bundles: [], skipped: [], issues: [] };
  const limits: Limits = {
    maxInputBytes:
      values['max-input-bytes'] === undefined
        ? DEFAULT_MAX_INPUT_BYTES
        : positiveInt('--max-input-bytes', values['max-input-bytes']),
    cap: {
      maxSpansPerTrace:
        values['max-spans-per-trace'] === undefined
          ? DEFAULT_MAX_SPANS_PER_TRACE
          : positiveInt('--max-spans-per-trace', values['max-spans-per-trace']),
      dropped: new Map(),
    },
  };
  const all = values.all === true;

  try {
    if (source === 'otlp') {
      if (rest.length === 0)
        throw new CliError(`import otlp needs at least one FILE`, EXIT.usage, { help: HELP });
      for (const flag of ['url', 'trace-id', 'service', 'since'] as const) {
        if (values[flag] !== undefined)
          throw new CliError(`--${flag} does not apply to import otlp`);
      }
      const groups: TraceGroups = new Map();
      // Workbench events recorded as log records (lines with resourceLogs), joined to their spans.
      const logEvents: LogEventGroups = new Map();
      for (const file of rest)
        await readFile(file, io, groups, report, progress, limits, s3, logEvents);
      const runId = values['run-id'];
      if (runId !== undefined) {
        for (const [traceId, spans] of groups)
          if (!isTraceOfRun(spans, runId)) {
            groups.delete(traceId);
            logEvents.delete(traceId);
          }
        if (groups.size === 0)
          throw new CliError(`no trace of run ${JSON.stringify(runId)} in the input`, EXIT.io);
      }
      reportCapped(limits.cap, report);
      // The traces the cap cut fold as incomplete, with their count: `cap` says which.
      const folded = foldTraceGroups(groups, { all, cap: limits.cap, logEvents });
      report.skipped = folded.skipped;
      await writeAll(folded.bundles, sink, report, progress);
    } else if (source === 'jaeger' || source === 'tempo' || source === 'zipkin') {
      if (rest.length > 0) throw new CliError(`unexpected argument ${JSON.stringify(rest[0])}`);
      const traces = await fetchTraces(source, values, progress);
      const groups: TraceGroups = new Map();
      const truncated = new Set<string>();
      for (const t of traces) {
        addToTraceGroups(groups, t.spans, limits.cap);
        if (t.partial) truncated.add(t.traceId);
        if (t.rejectedSpans > 0) {
          report.issues.push({
            traceId: t.traceId,
            code: 'rejected_span',
            message: `${t.rejectedSpans} spans of the answer did not decode and were left out`,
          });
        }
        if (t.partial) {
          report.issues.push({
            traceId: t.traceId,
            code: 'partial_trace',
            message: `${source} returned part of trace ${t.traceId}; its bundle says complete: false`,
          });
        }
      }
      reportCapped(limits.cap, report);
      const folded = foldTraceGroups(groups, { all, truncated, cap: limits.cap });
      report.skipped = folded.skipped;
      // What a lossy backend (Zipkin) lost of a trace goes into its bundle's diagnostics.
      const losses = new Map<string, readonly BundleDiagnostic[]>();
      for (const t of traces) if ('losses' in t) losses.set(t.traceId, (t as ZipkinTrace).losses);
      const bundles = folded.bundles.map((f) => ({
        ...f,
        bundle: withDiagnostics(
          f.bundle,
          f.traceIds.flatMap((id) => losses.get(id) ?? []),
        ),
      }));
      await writeAll(bundles, sink, report, progress);
    } else {
      throw new CliError(
        `unknown source ${JSON.stringify(source)}: expected otlp, jaeger, tempo or zipkin`,
        EXIT.usage,
        { help: HELP },
      );
    }
  } catch (err) {
    progress.done();
    await sink.shutdown?.().catch(() => undefined);
    if (err instanceof ImportError) {
      throw new CliError(err.message, err.code === 'invalid_argument' ? EXIT.usage : EXIT.io, {
        cause: err,
      });
    }
    throw err;
  }
  progress.done();
  // An S3 sink's last ledger appends, and its client.
  await sink.shutdown?.();
  print(io, report, values.json === true);
  return report.issues.length > 0 ? EXIT.failed : EXIT.ok;
};

async function readFile(
  file: string,
  io: CliIo,
  groups: TraceGroups,
  report: Report,
  progress: Progress,
  limits: Limits,
  s3: S3InputSettings,
  logEvents: LogEventGroups,
): Promise<void> {
  let input: AsyncIterable<string | Uint8Array>;
  let total: number | null = null;
  let close = (): void => undefined;
  if (file === '-') input = io.stdin as AsyncIterable<string | Uint8Array>;
  else if (isS3Input(file)) {
    const opened = await openS3Stream(file, s3);
    input = opened.body;
    total = opened.size;
    close = opened.close;
  } else {
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new CliError(`${file} is not a file`, EXIT.io);
      total = st.size;
    } catch (err) {
      throw cannotRead(file, err);
    }
    input = createReadStream(file);
  }
  const label = file === '-' ? 'stdin' : file;
  const result = await readOtlpFile(input, {
    onProgress: (bytes) => progress.update(label, bytes, total, 'bytes'),
    maxInputBytes: limits.maxInputBytes,
    maxSpansPerTrace: limits.cap.maxSpansPerTrace,
  })
    .catch((err: unknown) => {
      throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT.io, {
        cause: err,
      });
    })
    .finally(close);
  for (const [traceId, n] of result.droppedSpans) {
    limits.cap.dropped.set(traceId, (limits.cap.dropped.get(traceId) ?? 0) + n);
  }
  // The cap holds across files too: a trace spread over many files is capped as a whole.
  for (const spans of result.traces.values()) addToTraceGroups(groups, spans, limits.cap);
  for (const events of result.logEvents.values())
    addToLogEventGroups(logEvents, events, limits.cap.maxSpansPerTrace);
  for (const issue of result.issues) report.issues.push({ file: label, ...issue });
  if (result.issuesNotKept > 0) {
    report.issues.push({
      file: label,
      code: 'more_issues',
      message: `${result.issuesNotKept} more issues not listed`,
    });
  }
}

async function fetchTraces(
  source: 'jaeger' | 'tempo' | 'zipkin',
  values: {
    url?: string | undefined;
    'trace-id'?: string[] | undefined;
    'run-id'?: string | undefined;
    service?: string | undefined;
    since?: string | undefined;
    limit?: string | undefined;
    timeout?: string | undefined;
    header?: string[] | undefined;
  },
  progress: Progress,
): Promise<FetchedTrace[]> {
  if (values.url === undefined) throw new CliError(`import ${source} needs --url URL`);
  const ids = values['trace-id'] ?? [];
  const runId = values['run-id'];
  const bySearch = values.service !== undefined || values.since !== undefined;
  if (runId !== undefined && ids.length > 0)
    throw new CliError('give either --trace-id or --run-id, not both');
  if (ids.length > 0 && bySearch) {
    throw new CliError('give either --trace-id or --service with --since, not both');
  }
  if (
    runId === undefined &&
    ids.length === 0 &&
    !(values.service !== undefined && values.since !== undefined)
  ) {
    throw new CliError(
      `import ${source} needs --trace-id ID, or --service NAME with --since DURATION`,
    );
  }
  const timeoutMs =
    values.timeout === undefined ? undefined : positiveInt('--timeout', values.timeout);
  const limit = values.limit === undefined ? undefined : positiveInt('--limit', values.limit);
  const options = {
    url: values.url,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    headers: parseHeaders(values.header ?? []),
  };
  const client =
    source === 'jaeger'
      ? new JaegerClient(options)
      : source === 'zipkin'
        ? new ZipkinClient(options)
        : new TempoClient(options);
  if (ids.length > 0) {
    const out: FetchedTrace[] = [];
    for (const [i, id] of ids.entries()) {
      progress.update(source, i, ids.length, 'traces');
      out.push(await client.getTrace(id));
    }
    progress.update(source, ids.length, ids.length, 'traces');
    return out;
  }
  const end = new Date();
  if (runId !== undefined) {
    const runSearch = {
      runId,
      start: new Date(end.getTime() - parseDuration(values.since ?? DEFAULT_RUN_LOOKBACK)),
      end,
      service: values.service,
      ...(limit !== undefined ? { limit } : {}),
    };
    progress.update(source, 0, null, 'traces');
    const found =
      client instanceof TempoClient
        ? await client.findRunTraces(runSearch, (done, total) =>
            progress.update(source, done, total, 'traces'),
          )
        : await client.findRunTraces(runSearch);
    if (found.length === 0)
      throw new CliError(
        `no trace of run ${JSON.stringify(runId)} found in ${source} at ${values.url} within ${values.since ?? DEFAULT_RUN_LOOKBACK}`,
        EXIT.io,
      );
    return found;
  }
  const start = new Date(end.getTime() - parseDuration(values.since!));
  const search = {
    service: values.service!,
    start,
    end,
    ...(limit !== undefined ? { limit } : {}),
  };
  return client instanceof TempoClient
    ? client.findTraces(search, (done, total) => progress.update(source, done, total, 'traces'))
    : client.findTraces(search);
}

async function writeAll(
  bundles: FoldedTrace[],
  sink: BundleSink,
  report: Report,
  progress: Progress,
): Promise<void> {
  for (const [i, { bundle, traceIds }] of bundles.entries()) {
    progress.update('writing', i, bundles.length, 'bundles');
    let result: BundleWriteResult;
    try {
      result = await sink.write(bundle);
    } catch (err) {
      throw new CliError(
        `cannot write bundle ${bundle.run.traceId}: ${(err as Error).message}`,
        EXIT.io,
        {
          cause: err,
        },
      );
    }
    report.bundles.push({
      traceId: bundle.run.traceId,
      traces: traceIds,
      runId: bundle.run.runId,
      name: bundle.run.name,
      spanCount: bundle.run.spanCount,
      complete: bundle.run.complete,
      sha256: bundle.integrity.sha256,
      status: result.status,
      path: result.location,
    });
  }
  progress.update('writing', bundles.length, bundles.length, 'bundles');
}

function print(io: CliIo, report: Report, json: boolean): void {
  if (json) {
    writeText(io.stdout, JSON.stringify(report, null, 2));
    return;
  }
  for (const issue of report.issues) {
    const where =
      issue.file !== undefined
        ? `${issue.file}${issue.line !== undefined ? `:${issue.line}` : ''}`
        : (issue.traceId ?? '');
    writeLine(io.stderr, `${where}: ${issue.code}: ${issue.message}`);
  }
  for (const b of report.bundles) {
    writeLine(
      io.stdout,
      `${b.status.padEnd(9)} ${b.path}  ${b.runId ?? b.name}  ${b.spanCount} spans${b.traces.length > 1 ? `  ${b.traces.length} segments` : ''}${b.complete ? '' : '  (incomplete)'}`,
    );
  }
  const n = report.skipped.length;
  const skipped =
    n > 0
      ? `; ${n} trace${n === 1 ? '' : 's'} without run data skipped (--all folds them too)`
      : '';
  writeLine(
    io.stderr,
    report.bundles.length === 0
      ? `no runs found${skipped}`
      : `${report.bundles.length} bundle${report.bundles.length === 1 ? '' : 's'} from ${report.source}${skipped}`,
  );
}

/** What bounds an import: bytes read of each input, spans kept of each trace. */
interface Limits {
  readonly maxInputBytes: number;
  readonly cap: SpanCap;
}

/** How far back `--run-id` searches a backend without `--since`: a run may wait days for a human. */
const DEFAULT_RUN_LOOKBACK = '7d';

/** As `readOtlpFile`'s default: a bound for standard input that never ends. */
const DEFAULT_MAX_INPUT_BYTES = 1024 * 1024 * 1024;

/** Reports each trace the span cap cut, once (`foldTraceGroups`' `cap` folds it as incomplete). */
function reportCapped(cap: SpanCap, report: Report): void {
  for (const [traceId, n] of [...cap.dropped].sort(([a], [b]) => (a < b ? -1 : 1))) {
    report.issues.push({
      traceId,
      code: 'span_cap',
      message: `trace ${traceId} has more than ${cap.maxSpansPerTrace} spans: ${n} dropped; its bundle says complete: false and how many (spans_dropped; raise with --max-spans-per-trace)`,
    });
  }
}

/** A one-line progress bar on standard error, drawn only when the output is a terminal. */
class Progress {
  private drawn = false;
  private last = 0;

  constructor(private readonly io: CliIo) {}

  update(label: string, done: number, total: number | null, unit: string): void {
    if (!this.io.isTTY) return;
    const now = Date.now();
    if (now - this.last < 100 && done !== total) return;
    this.last = now;
    const width = 30;
    let line: string;
    if (total !== null && total > 0) {
      const filled = Math.min(width, Math.round((done / total) * width));
      line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${unit}`;
    } else {
      line = `${label} ${done} ${unit}`;
    }
    // The label is a file name: escaped, as everything printed is; only our own erase is raw.
    this.io.stderr.write(`\r\x1b[2K${printable(line)}`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.io.stderr.write('\r\x1b[2K');
    this.drawn = false;
  }
}
