import type { DroppedSpans } from '@llm-workbench/bundle';
import type { RunGauges } from './run-assembler.js';

/** Where the spans of one request are: a spool record, or (after a failed spool write) its bytes. */
export interface RecordLocation {
  readonly segment: number;
  /** Where the payload starts in the segment file. */
  readonly offset: number;
  readonly length: number;
  /** `RECORD_JSON`, `RECORD_PROTOBUF`, `RECORD_LOGS_JSON` or `RECORD_LOGS_PROTOBUF`. */
  readonly kind: number;
  /** The payload itself, when the spool does not have it (its write failed). */
  readonly payload?: Uint8Array | undefined;
}

/** One trace to fold: every span of it in the given records, whatever else those records hold. */
export interface FoldJob {
  readonly traceId: string;
  /** Fold as incomplete (folded early, or spans were dropped). */
  readonly truncated: boolean;
  /** Spans of the trace dropped at `maxSpansPerTrace`, when some were. */
  readonly droppedSpans?: DroppedSpans | undefined;
  readonly records: readonly RecordLocation[];
}

/** What became of one fold job. */
export type FoldOutcome =
  | {
      readonly ok: true;
      /**
       * `ignored`: the trace holds no run, so no bundle. `held`: the trace is a segment of a run
       * that spans traces, held (on disk) until the run is whole; the bundle, when written, is
       * the run's.
       */
      readonly status: 'written' | 'revision' | 'unchanged' | 'ignored' | 'held';
      /** The bundle's `run.complete` (true when ignored). */
      readonly complete: boolean;
      /** Distinct span ids read back from the records. */
      readonly spans: number;
    }
  | { readonly ok: false; readonly message: string };

/** Folds traces into bundles and stores them: in a worker thread, or inline. */
export interface TraceFolder {
  /** Folds the jobs; one outcome per job, in order. Never rejects. */
  fold(jobs: readonly FoldJob[]): Promise<FoldOutcome[]>;
  /** The run assembler's gauges and counters as last known; null when runs are not assembled. */
  runGauges(): RunGauges | null;
  /** Where the folding runs, for logs and metrics: `worker` or `inline`. */
  readonly where: 'worker' | 'inline';
  /** Stops it once the jobs handed to it have finished. */
  close(): Promise<void>;
}
