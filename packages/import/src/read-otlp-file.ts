import { parseOtlpJson } from '@llm-workbench/otlp';
import { decodeTraceDocumentValue } from './decode-trace-document.js';
import { addToTraceGroups, type TraceGroups } from './fold-traces.js';

/** A problem with one line (or, for a whole-document file, with the document) of an OTLP file. */
export interface LineIssue {
  /** 1-based line number; for a pretty-printed whole document, the line it starts on. */
  readonly line: number;
  /** `not_json`: the line does not parse; `not_traces`: JSON but no trace document; `rejected_span`: a span in it was refused. */
  readonly code: 'not_json' | 'not_traces' | 'rejected_span';
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
  /** Largest single line; a longer one is reported and skipped. Default 512 MiB. */
  readonly maxLineBytes?: number;
}

/** What {@link readOtlpFile} found. */
export interface ReadOtlpFileResult {
  /** Spans grouped by trace id, across every line. */
  readonly traces: TraceGroups;
  /** `lines` for JSON lines (one document a line), `document` for one pretty-printed document. */
  readonly format: 'lines' | 'document' | 'empty';
  /** Non-empty lines (or documents) read. */
  readonly documents: number;
  /** Spans decoded. */
  readonly spans: number;
  /** Spans refused (bad ids, times or values). */
  readonly rejectedSpans: number;
  readonly issues: LineIssue[];
  /** Issues beyond `maxIssues`, counted only. */
  readonly issuesNotKept: number;
  readonly bytesRead: number;
}

const DEFAULT_MAX_ISSUES = 1000;
const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * Reads OTLP JSON traces from a stream, line by line: the Collector file exporter's JSON lines
 * (one `{"resourceSpans":…}` per export batch, so a trace is spread over many lines), or one
 * plain OTLP JSON document, pretty-printed or not. Jaeger's and Tempo's responses saved to a file
 * are accepted too. Spans are grouped by trace id across lines; a line that does not parse is
 * reported by its number and the rest is read.
 *
 * The format is told from the first non-empty line: a line that is a whole JSON object means JSON
 * lines; anything else (`{` alone, say) means one document, read whole.
 *
 * @example
 * const result = await readOtlpFile(createReadStream('traces.jsonl'));
 * const { bundles } = foldTraceGroups(result.traces);
 */
export async function readOtlpFile(
  source: AsyncIterable<string | Uint8Array>,
  options: ReadOtlpFileOptions = {},
): Promise<ReadOtlpFileResult> {
  const state = new ReaderState(options.maxIssues ?? DEFAULT_MAX_ISSUES);
  const maxLine = options.maxLineBytes ?? DEFAULT_MAX_BYTES;
  const maxDocument = options.maxDocumentBytes ?? DEFAULT_MAX_BYTES;
  let format: ReadOtlpFileResult['format'] = 'empty';
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skippingLongLine = false;
  let lineNumber = 0;
  let bytesRead = 0;
  let document: Buffer[] | null = null;
  let documentBytes = 0;
  let documentStart = 0;
  let documentTooLarge = false;

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
      document.push(line, Buffer.from('\n'));
      return;
    }
    const text = line.toString('utf8').trim();
    if (text === '') return;
    if (format === 'empty') {
      if (text.startsWith('{') && text.endsWith('}') && parses(text)) format = 'lines';
      else {
        format = 'document';
        document = [line, Buffer.from('\n')];
        documentBytes = line.length + 1;
        documentStart = lineNumber;
        return;
      }
    }
    state.document(text, lineNumber);
  };

  for await (const chunk of source) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    bytesRead += buf.length;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(NEWLINE, start);
      if (nl === -1) break;
      const piece = buf.subarray(start, nl);
      if (skippingLongLine) {
        skippingLongLine = false;
        lineNumber++;
        state.issue({
          line: lineNumber,
          code: 'not_json',
          message: `line is longer than ${maxLine} bytes; skipped`,
        });
      } else if (pending.length > 0) {
        onLine(Buffer.concat([...pending, piece]));
      } else {
        onLine(piece);
      }
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
    }
    if (start < buf.length && !skippingLongLine) {
      const rest = buf.subarray(start);
      pendingBytes += rest.length;
      if (pendingBytes > maxLine && document === null) {
        skippingLongLine = true;
        pending = [];
        pendingBytes = 0;
      } else {
        // Copy: the chunk's buffer may be reused by the stream.
        pending.push(Buffer.from(rest));
      }
    }
    options.onProgress?.(bytesRead);
  }
  if (skippingLongLine) {
    lineNumber++;
    state.issue({
      line: lineNumber,
      code: 'not_json',
      message: `line is longer than ${maxLine} bytes; skipped`,
    });
  } else if (pending.length > 0) {
    onLine(Buffer.concat(pending));
  }
  if (document !== null) {
    if (documentTooLarge) {
      state.issue({
        line: documentStart,
        code: 'not_json',
        message: `the document is larger than ${maxDocument} bytes; not read (JSON lines have no such limit)`,
      });
    } else {
      state.document(Buffer.concat(document).toString('utf8'), documentStart);
    }
  }
  return {
    traces: state.traces,
    format,
    documents: state.documents,
    spans: state.spans,
    rejectedSpans: state.rejectedSpans,
    issues: state.issues,
    issuesNotKept: state.issuesNotKept,
    bytesRead,
  };
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
  readonly issues: LineIssue[] = [];
  issuesNotKept = 0;
  documents = 0;
  spans = 0;
  rejectedSpans = 0;

  constructor(private readonly maxIssues: number) {}

  issue(issue: LineIssue): void {
    if (this.issues.length < this.maxIssues) this.issues.push(issue);
    else this.issuesNotKept++;
  }

  document(text: string, line: number): void {
    this.documents++;
    let value: unknown;
    try {
      value = parseOtlpJson(text);
    } catch (err) {
      this.issue({ line, code: 'not_json', message: `not JSON: ${(err as Error).message}` });
      return;
    }
    const decoded = decodeTraceDocumentValue(value);
    if (!decoded.ok) {
      this.issue({ line, code: 'not_traces', message: decoded.message });
      return;
    }
    this.spans += decoded.spans.length;
    addToTraceGroups(this.traces, decoded.spans);
    for (const r of decoded.rejected) {
      this.rejectedSpans++;
      const first = r.issues[0];
      this.issue({
        line,
        code: 'rejected_span',
        message: `span ${r.spanId ?? `#${r.index}`} refused: ${first?.message ?? 'invalid'}${first?.path ? ` at ${first.path}` : ''}`,
      });
    }
  }
}
