import { isUtf8 } from 'node:buffer';
import {
  DEFAULT_MAX_SPANS_PER_TRACE,
  decodeOtlpJsonLogsValue,
  parseOtlpJson,
} from '@llm-workbench/otlp';
import { decodeTraceDocumentValue } from './decode-trace-document.js';
import {
  addToLogEventGroups,
  addToTraceGroups,
  type LogEventGroups,
  type SpanCap,
  type TraceGroups,
} from './fold-traces.js';
import { ImportError } from './import-error.js';
import { OtlpJsonLineSplitter } from './otlp-json-line-splitter.js';

/** A problem with one line (or, for a whole-document file, with the document) of an OTLP file. */
export interface LineIssue {
  /** 1-based line number; for a pretty-printed whole document, the line it starts on. */
  readonly line: number;
  /**
   * `not_json`: the line does not parse; `not_traces`: JSON but no trace document;
   * `rejected_span`: a span in it was refused; `invalid_utf8`: bytes that are not UTF-8 were read
   * as U+FFFD (the rest of the line was kept); `rejected_log_record`: a log record of a workbench
   * event in it was refused.
   */
  readonly code:
    'not_json' | 'not_traces' | 'rejected_span' | 'rejected_log_record' | 'invalid_utf8';
  readonly message: string;
}

/** Options of {@link readOtlpFile}. */
export interface ReadOtlpFileOptions {
  /** Called after each chunk with the bytes read so far (for a progress bar). */
  readonly onProgress?: (bytesRead: number) => void;
  /** Issues kept in the result (the rest are only counted). Default 1000. */
  readonly maxIssues?: number;
  /**
   * Largest whole (pretty-printed) JSON document read. JSON lines have no such limit besides
   * {@link ReadOtlpFileOptions.maxLineBytes}. Default 512 MiB.
   */
  readonly maxDocumentBytes?: number;
  /**
   * Largest line parsed whole. A longer line of traces (one huge request, say a whole large trace
   * in one document) is read in parts as it streams by, a few thousand spans at a time, each part
   * decoded as a document of its own: the same spans, without holding the line. A longer line
   * that cannot be read so (logs, another shape, a resource after its spans) is reported and
   * skipped from there. Default 128 MiB.
   */
  readonly maxLineBytes?: number;
  /**
   * Most bytes read in all: past it, reading stops and `readOtlpFile` rejects with an
   * `ImportError` of code `too_large` (standard input without end, `/dev/zero`, a wrong file).
   * Default 1 GiB.
   */
  readonly maxInputBytes?: number;
  /**
   * Most spans kept of one trace: further spans are dropped and counted in
   * {@link ReadOtlpFileResult.droppedSpans}, and the trace listed there, to be folded as
   * incomplete. Default `DEFAULT_MAX_SPANS_PER_TRACE` (50,000), the receiver's cap.
   */
  readonly maxSpansPerTrace?: number;
}

/** What {@link readOtlpFile} found. */
export interface ReadOtlpFileResult {
  /** Spans grouped by trace id, across every line. */
  readonly traces: TraceGroups;
  /**
   * Workbench events recorded as log records (lines holding `resourceLogs`, as the Collector's
   * file exporter writes a logs pipeline), by trace id: pass them to `foldTraceGroups` as
   * `logEvents`. At most `maxSpansPerTrace` per trace; the rest are counted in `droppedLogEvents`.
   */
  readonly logEvents: LogEventGroups;
  /** Log-record events dropped at the per-trace cap. */
  readonly droppedLogEvents: number;
  /** `lines` for JSON lines (one document a line), `document` for one pretty-printed document. */
  readonly format: 'lines' | 'document' | 'empty';
  /** Non-empty lines (or documents) read. */
  readonly documents: number;
  /** Spans decoded. */
  readonly spans: number;
  /** Spans refused (bad ids, times or values). */
  readonly rejectedSpans: number;
  /**
   * Spans dropped at `maxSpansPerTrace`, by trace id: pass them to `foldTraceGroups` as its `cap`,
   * so that each bundle says how many were cut.
   */
  readonly droppedSpans: ReadonlyMap<string, number>;
  readonly issues: LineIssue[];
  /** Issues beyond `maxIssues`, counted only. */
  readonly issuesNotKept: number;
  readonly bytesRead: number;
}

const DEFAULT_MAX_ISSUES = 1000;
const DEFAULT_MAX_DOCUMENT_BYTES = 512 * 1024 * 1024;
const DEFAULT_MAX_LINE_BYTES = 128 * 1024 * 1024;
/** Spans of a line over `maxLineBytes` decoded at a time. */
const LONG_LINE_SPANS_PER_PART = 2000;
const DEFAULT_MAX_INPUT_BYTES = 1024 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * Reads OTLP JSON traces from a stream, line by line: the Collector file exporter's JSON lines
 * (one `{"resourceSpans":…}` per export batch, so a trace is spread over many lines), or one
 * plain OTLP JSON document, pretty-printed or not. Jaeger's and Tempo's responses saved to a file
 * are accepted too. Spans are grouped by trace id across lines; a line that does not parse is
 * reported by its number and the rest is read.
 *
 * The format is told from the first non-empty line: a line that parses alone as a JSON object
 * means JSON lines. When it does not (a damaged first line, or `{` opening a pretty-printed
 * document), the second non-empty line decides: if it parses alone, JSON lines with a bad first
 * line; otherwise one document, read whole, and should that document not parse, its lines are
 * read as JSON lines after all, so that one bad line never costs the good ones.
 *
 * Bytes that are not UTF-8 are read as U+FFFD, as every door reads them, and reported as an
 * `invalid_utf8` issue of their line.
 *
 * @example
 * const result = await readOtlpFile(createReadStream('traces.jsonl'), { maxSpansPerTrace: 50_000 });
 * const { bundles } = foldTraceGroups(result.traces, {
 *   cap: { maxSpansPerTrace: 50_000, dropped: result.droppedSpans },
 * });
 */
export async function readOtlpFile(
  source: AsyncIterable<string | Uint8Array>,
  options: ReadOtlpFileOptions = {},
): Promise<ReadOtlpFileResult> {
  const state = new ReaderState(
    options.maxIssues ?? DEFAULT_MAX_ISSUES,
    options.maxSpansPerTrace ?? DEFAULT_MAX_SPANS_PER_TRACE,
  );
  const maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const maxDocument = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const maxInput = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  let format: ReadOtlpFileResult['format'] = 'empty';
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** The splitter reading the current line in parts, once it has passed `maxLine` bytes. */
  let longLine = null as OtlpJsonLineSplitter | null;
  let lineNumber = 0;
  let bytesRead = 0;
  /** The first non-empty line when it did not parse alone: the next one decides. */
  let undecided: { line: Buffer; number: number } | null = null;
  /** Lines of a whole document, with their numbers, in case it must be read as lines after all. */
  let document: Array<{ line: Buffer; number: number }> | null = null;
  let documentBytes = 0;
  let documentTooLarge = false;

  const startDocument = (lines: Array<{ line: Buffer; number: number }>): void => {
    format = 'document';
    document = lines;
    documentBytes = lines.reduce((n, l) => n + l.line.length + 1, 0);
  };

  /** A line over `maxLine` bytes is read in parts as it comes, never held. */
  const startLongLine = (head: readonly Buffer[]): void => {
    const number = lineNumber + 1;
    longLine = new OtlpJsonLineSplitter((part) => state.document(part, number, false, true), {
      spansPerPart: LONG_LINE_SPANS_PER_PART,
      maxValueBytes: maxLine,
    });
    for (const piece of head) longLine.push(piece);
  };
  const endLongLine = (): void => {
    const outcome = longLine!.end();
    longLine = null;
    lineNumber++;
    if (outcome.parts > 0) {
      state.documents++;
      if (format === 'empty') {
        format = 'lines';
        if (undecided !== null) {
          state.document(undecided.line, undecided.number);
          undecided = null;
        }
      }
    }
    if (!outcome.ok) {
      state.issue({
        line: lineNumber,
        code: 'not_json',
        message:
          outcome.parts === 0
            ? `line is longer than ${maxLine} bytes and could not be read in parts (${outcome.message}); skipped`
            : `line is longer than ${maxLine} bytes; read in ${outcome.parts} parts until ${outcome.message}; the rest skipped`,
      });
    }
  };

  const onLine = (line: Buffer): void => {
    lineNumber++;
    if (document !== null) {
      if (documentTooLarge) return;
      documentBytes += line.length + 1;
      if (documentBytes > maxDocument) {
        documentTooLarge = true;
        document = [];
        return;
      }
      document.push({ line, number: lineNumber });
      return;
    }
    const text = line.toString('utf8').trim();
    if (text === '') return;
    if (format === 'empty') {
      if (isWholeObject(text)) {
        format = 'lines';
        if (undecided !== null) {
          // A damaged first line of JSON lines: reported as such, the others kept.
          state.document(undecided.line, undecided.number);
          undecided = null;
        }
      } else if (undecided === null) {
        undecided = { line, number: lineNumber };
        return;
      } else {
        const first = undecided;
        undecided = null;
        startDocument([first, { line, number: lineNumber }]);
        return;
      }
    }
    state.document(line, lineNumber);
  };

  for await (const chunk of source) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    bytesRead += buf.length;
    if (bytesRead > maxInput) {
      throw new ImportError(
        'too_large',
        `input is larger than ${maxInput} bytes; nothing imported (raise the limit with --max-input-bytes)`,
      );
    }
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(NEWLINE, start);
      if (nl === -1) break;
      const piece = buf.subarray(start, nl);
      if (longLine !== null) {
        longLine.push(piece);
        endLongLine();
      } else if (pending.length > 0) {
        onLine(Buffer.concat([...pending, piece]));
      } else {
        onLine(piece);
      }
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
    }
    if (start < buf.length && longLine !== null) {
      longLine.push(buf.subarray(start));
    } else if (start < buf.length) {
      const rest = buf.subarray(start);
      pendingBytes += rest.length;
      if (pendingBytes > maxLine && document === null) {
        startLongLine([...pending, rest]);
        pending = [];
        pendingBytes = 0;
      } else if (
        document !== null &&
        (documentTooLarge || documentBytes + pendingBytes > maxDocument)
      ) {
        // A document past its limit is not read: its lines need not be held either.
        if (!documentTooLarge) {
          documentTooLarge = true;
          document = [];
        }
        pending = [];
        pendingBytes = 0;
      } else {
        // Copy: the chunk's buffer may be reused by the stream.
        pending.push(Buffer.from(rest));
      }
    }
    options.onProgress?.(bytesRead);
  }
  if (longLine !== null) {
    endLongLine();
  } else if (pending.length > 0) {
    onLine(Buffer.concat(pending));
  }
  if (undecided !== null) {
    // One non-empty line only, which does not parse alone: a (one-line) document.
    startDocument([undecided]);
    undecided = null;
  }
  const lines = document;
  if (lines !== null) {
    const startLine = lines[0]?.number ?? 1;
    if (documentTooLarge) {
      state.issue({
        line: startLine,
        code: 'not_json',
        message: `the document is larger than ${maxDocument} bytes; not read (JSON lines have no such limit)`,
      });
    } else {
      const whole = Buffer.concat(lines.flatMap((l) => [l.line, Buffer.from('\n')]));
      // Not one document, yet some lines parse alone: JSON lines whose first lines are bad.
      const asLines = lines.some((l) => isWholeObject(l.line.toString('utf8').trim()));
      if (!state.document(whole, startLine, asLines)) {
        format = 'lines';
        for (const l of lines) {
          if (l.line.toString('utf8').trim() !== '') state.document(l.line, l.number);
        }
      }
    }
  }
  return {
    traces: state.traces,
    logEvents: state.logEvents,
    droppedLogEvents: state.droppedLogEvents,
    format,
    documents: state.documents,
    spans: state.spans,
    rejectedSpans: state.rejectedSpans,
    droppedSpans: state.cap.dropped,
    issues: state.issues,
    issuesNotKept: state.issuesNotKept,
    bytesRead,
  };
}

/** Whether a (trimmed) line is one JSON object on its own. */
function isWholeObject(text: string): boolean {
  return text.startsWith('{') && text.endsWith('}') && parses(text);
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

class ReaderState {
  readonly traces: TraceGroups = new Map();
  readonly logEvents: LogEventGroups = new Map();
  droppedLogEvents = 0;
  readonly issues: LineIssue[] = [];
  readonly cap: SpanCap;
  issuesNotKept = 0;
  documents = 0;
  spans = 0;
  rejectedSpans = 0;

  constructor(
    private readonly maxIssues: number,
    maxSpansPerTrace: number,
  ) {
    this.cap = { maxSpansPerTrace, dropped: new Map() };
  }

  issue(issue: LineIssue): void {
    if (this.issues.length < this.maxIssues) this.issues.push(issue);
    else this.issuesNotKept++;
  }

  /**
   * Reads one document (a line, or a whole file). Returns false when it is not JSON and `quiet`
   * is set, without reporting it: the caller reads its lines instead.
   */
  document(bytes: Buffer, line: number, quiet = false, part = false): boolean {
    const text = bytes.toString('utf8');
    let value: unknown;
    try {
      value = parseOtlpJson(text);
    } catch (err) {
      if (quiet) return false;
      if (!part) this.documents++;
      this.issue({ line, code: 'not_json', message: `not JSON: ${(err as Error).message}` });
      return true;
    }
    if (!part) this.documents++;
    // U+FFFD for bytes that are not UTF-8, as every door reads them: said, never silent.
    if (!isUtf8(bytes)) {
      this.issue({
        line,
        code: 'invalid_utf8',
        message: 'bytes that are not UTF-8 were read as U+FFFD (the rest was imported)',
      });
    }
    if (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      ('resourceLogs' in value || 'resource_logs' in value) &&
      !('resourceSpans' in value || 'resource_spans' in value)
    ) {
      this.logs(value, line);
      return true;
    }
    const decoded = decodeTraceDocumentValue(value);
    if (!decoded.ok) {
      this.issue({ line, code: 'not_traces', message: decoded.message });
      return true;
    }
    this.spans += decoded.spans.length;
    addToTraceGroups(this.traces, decoded.spans, this.cap);
    for (const r of decoded.rejected) {
      this.rejectedSpans++;
      const first = r.issues[0];
      this.issue({
        line,
        code: 'rejected_span',
        message: `span ${r.spanId ?? `#${r.index}`} refused: ${first?.message ?? 'invalid'}${first?.path ? ` at ${first.path}${part ? ' of a part of the line' : ''}` : ''}`,
      });
    }
    return true;
  }

  /** Reads one document of OTLP logs: the workbench events in it, by trace. */
  private logs(value: object, line: number): void {
    const decoded = decodeOtlpJsonLogsValue(value);
    if (!decoded.ok) {
      this.issue({
        line,
        code: 'not_traces',
        message: decoded.issues[0]?.message ?? 'not OTLP logs',
      });
      return;
    }
    this.droppedLogEvents += addToLogEventGroups(
      this.logEvents,
      decoded.events,
      this.cap.maxSpansPerTrace,
    );
    for (const r of decoded.rejected) {
      const first = r.issues[0];
      this.issue({
        line,
        code: 'rejected_log_record',
        message: `log record #${r.index} refused: ${first?.message ?? 'invalid'}${first?.path ? ` at ${first.path}` : ''}`,
      });
    }
  }
}
