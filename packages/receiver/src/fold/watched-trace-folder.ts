import type { OutputFolder } from '../output-folder.js';
import type { RunGauges } from './run-assembler.js';
import type { FoldJob, FoldOutcome, TraceFolder } from './types.js';
import type { WorkerTraceFolder } from './worker-trace-folder.js';

/**
 * A {@link WorkerTraceFolder} writing to an {@link OutputFolder} it checks before each batch: a
 * folder removed while serving is created again and the sink made anew (with a new ledger); one
 * replaced by another folder gets a new sink too; a path that cannot hold bundles fails the
 * batch with the reason (the receiver retries it), without trying every write.
 *
 * @example
 * const folder = new WatchedTraceFolder(workerFolder, await OutputFolder.open(outDir), (change) => log(change));
 */
export class WatchedTraceFolder implements TraceFolder {
  constructor(
    private readonly inner: WorkerTraceFolder,
    readonly output: OutputFolder,
    /** Told when the folder was created again (`removed`) or another took its place. */
    private readonly onChange: (change: 'removed' | 'replaced') => void,
  ) {}

  get where(): 'worker' | 'inline' {
    return this.inner.where;
  }

  /** Checks the folder, and makes the sink again if it changed; resolves with its problem or null. */
  async watch(): Promise<string | null> {
    const state = await this.output.check();
    if (!state.ok) return state.problem;
    if (state.change !== 'none') {
      this.inner.resetSink();
      this.onChange(state.change);
    }
    return null;
  }

  async fold(jobs: readonly FoldJob[]): Promise<FoldOutcome[]> {
    const problem = await this.watch();
    if (problem !== null) return jobs.map(() => ({ ok: false, message: problem }));
    return this.inner.fold(jobs);
  }

  runGauges(): RunGauges | null {
    return this.inner.runGauges();
  }

  async close(): Promise<void> {
    await this.inner.close();
    await this.output.close();
  }

  get cpuSeconds(): number | null {
    return this.inner.cpuSeconds;
  }
}
