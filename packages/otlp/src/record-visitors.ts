import type { LogEventRecord, SpanRecord } from '@llm-workbench/bundle';
import type { DecodeLogsResult, DecodeResult, RejectedSpan } from './types.js';
import type { LogEventVisitor, SpanVisitor } from './visitor.js';

/**
 * The record-building visitor of trace requests: the decoders' (`decodeOtlpJson`,
 * `decodeOtlpProtobuf`) collection of span records and refused spans.
 *
 * @example
 * const visitor = new SpanRecordVisitor();
 * walkOtlpProtobufTraces(body, visitor);
 * console.log(visitor.spans.length);
 */
export class SpanRecordVisitor implements SpanVisitor {
  readonly buildsRecords = true;
  readonly spans: SpanRecord[] = [];
  readonly rejectedSpans: RejectedSpan[] = [];

  span(_t: string, _s: string, _root: boolean, record: SpanRecord | undefined): void {
    if (record !== undefined) this.spans.push(record);
  }

  rejected(span: RejectedSpan): void {
    this.rejectedSpans.push(span);
  }

  /** The decoder's result, once the walk has read the whole request. */
  result(replacedInvalidUtf8: boolean): DecodeResult & { ok: true } {
    const result = { ok: true, spans: this.spans, rejected: this.rejectedSpans } as const;
    return replacedInvalidUtf8 ? { ...result, replacedInvalidUtf8 } : result;
  }
}

/**
 * The record-building visitor of logs requests: the workbench events as {@link LogEventRecord}s,
 * the refused records, and how many were not ours.
 *
 * @example
 * const visitor = new LogEventRecordVisitor();
 * walkOtlpProtobufLogs(body, visitor);
 * console.log(visitor.events.length, visitor.ignoredCount);
 */
export class LogEventRecordVisitor implements LogEventVisitor {
  readonly buildsRecords = true;
  readonly events: LogEventRecord[] = [];
  readonly rejectedRecords: RejectedSpan[] = [];
  ignoredCount = 0;

  event(_t: string, _s: string, record: LogEventRecord | undefined): void {
    if (record !== undefined) this.events.push(record);
  }

  rejected(record: RejectedSpan): void {
    this.rejectedRecords.push(record);
  }

  ignored(): void {
    this.ignoredCount++;
  }

  /** The decoder's result, once the walk has read the whole request. */
  result(replacedInvalidUtf8: boolean): DecodeLogsResult & { ok: true } {
    const result = {
      ok: true,
      events: this.events,
      rejected: this.rejectedRecords,
      ignored: this.ignoredCount,
    } as const;
    return replacedInvalidUtf8 ? { ...result, replacedInvalidUtf8 } : result;
  }
}
