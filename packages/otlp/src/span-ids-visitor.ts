import type { RejectedSpan } from './types.js';
import type { SpanVisitor } from './visitor.js';

/**
 * The ids of a request's valid spans, as parallel arrays (a 1000-span request costs three arrays,
 * not a thousand objects): what a receiver holds in memory while the spans themselves stay on disk.
 */
export interface SpanIds {
  /** Number of valid spans. */
  readonly count: number;
  /** Lowercase hex trace ids, one per valid span, in the order of the request. */
  readonly traceIds: string[];
  /** Lowercase hex span ids. */
  readonly spanIds: string[];
  /** Whether each span is a root (no parent, or an all-zero parent). */
  readonly roots: boolean[];
}

/**
 * The id-and-limits visitor: the walker checks every rule and limit a decoder applies (ids, times,
 * value types, nesting depth), builds no records, and this keeps the ids and root flags of the
 * valid spans and the refused spans with their reasons, exactly as a decoder would report them.
 *
 * @example
 * const visitor = new SpanIdsVisitor();
 * walkOtlpProtobufTraces(body, visitor);
 * console.log(visitor.ids.count, 'valid,', visitor.rejectedSpans.length, 'refused');
 */
export class SpanIdsVisitor implements SpanVisitor {
  readonly buildsRecords = false;
  readonly ids: SpanIds & { count: number } = { count: 0, traceIds: [], spanIds: [], roots: [] };
  readonly rejectedSpans: RejectedSpan[] = [];

  span(traceId: string, spanId: string, root: boolean): void {
    const ids = this.ids;
    ids.traceIds.push(traceId);
    ids.spanIds.push(spanId);
    ids.roots.push(root);
    ids.count++;
  }

  rejected(span: RejectedSpan): void {
    this.rejectedSpans.push(span);
  }
}
