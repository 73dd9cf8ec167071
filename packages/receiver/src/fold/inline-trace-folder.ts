import type { BundleSink } from '@llm-workbench/sink';
import { FoldEngine } from './fold-engine.js';
import type { RunAssemblerOptions, RunGauges } from './run-assembler.js';
import type { FoldJob, FoldOutcome, TraceFolder } from './types.js';

/**
 * Folds on the request thread (between requests, never inside one): for a sink given as an object,
 * which cannot move to another thread, and as the fallback when the fold worker is gone.
 *
 * @example
 * const folder = new InlineTraceFolder(spool.directory, sink);
 */
export class InlineTraceFolder implements TraceFolder {
  readonly where = 'inline';
  private readonly engine: FoldEngine;

  constructor(
    spoolDir: string,
    sink: BundleSink,
    writeConcurrency = 4,
    runs?: RunAssemblerOptions,
  ) {
    this.engine = new FoldEngine({ spoolDir, sink, writeConcurrency, cacheSpans: 20_000, runs });
  }

  runGauges(): RunGauges | null {
    return this.engine.runGauges();
  }

  fold(jobs: readonly FoldJob[]): Promise<FoldOutcome[]> {
    return this.engine.fold(jobs);
  }

  /** Writes to `sink` from now on; returns the sink written to before. */
  replaceSink(sink: BundleSink): BundleSink {
    return this.engine.replaceSink(sink);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
