/**
 * What the receiver needs of each accepted span of a request while it is being assembled: its
 * trace and span ids and whether it is a root (no parent). Parallel arrays, not one object per
 * span: a 1000-span request costs three arrays. The spans themselves stay in the spool.
 */
export interface ScannedSpans {
  /** Number of accepted spans. */
  readonly count: number;
  /** Lowercase hex trace ids, one per accepted span, in the order of the request. */
  readonly traceIds: string[];
  /** Lowercase hex span ids. */
  readonly spanIds: string[];
  /** Whether each span is a root (no parent, or an all-zero parent). */
  readonly roots: boolean[];
}

/** An empty ScannedSpans to fill. */
export function newScannedSpans(): ScannedSpans & { count: number } {
  return { count: 0, traceIds: [], spanIds: [], roots: [] };
}
