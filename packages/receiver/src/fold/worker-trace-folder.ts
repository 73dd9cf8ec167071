import type { Worker, WorkerOptions } from 'node:worker_threads';
import { FileBundleSink, spawnWorker } from '@llm-workbench/sink';
import type { FoldWorkerConfig, FromFoldWorker, ToFoldWorker } from './fold-worker-protocol.js';
import { InlineTraceFolder } from './inline-trace-folder.js';
import type { RunGauges } from './run-assembler.js';
import type { FoldJob, FoldOutcome, TraceFolder } from './types.js';

interface InFlight {
  readonly size: number;
  readonly resolve: (outcomes: FoldOutcome[]) => void;
}

/**
 * Folds in a worker thread, so that folding, canonicalizing, hashing and writing bundles do not
 * take the time of the thread that answers requests. If the worker cannot start or fails, the
 * batches it held fail (the receiver retries them) and folding continues inline, with the same
 * `FileBundleSink` made on this thread (same key, same ledger lock).
 *
 * @example
 * const sink = new FileBundleSink({ directory: outDir, signingKey, signerRole: 'receiver' });
 * const folder = new WorkerTraceFolder({ spoolDir, sink: sink.toWorkerData(), writeConcurrency: 3, cacheSpans: 20_000 }, log);
 */
export class WorkerTraceFolder implements TraceFolder {
  private worker: Worker | undefined;
  private fallback: InlineTraceFolder | undefined;
  /** The worker's sink made on this thread: the fallback's, sharing its ledger lock. */
  private sink: FileBundleSink;
  private nextId = 1;
  private readonly inFlight = new Map<number, InFlight>();
  private closing = false;
  /** CPU seconds of the worker thread, as it last reported them. */
  cpuSeconds: number | null = null;
  /** The worker's run gauges, as it last reported them. */
  private lastRunGauges: RunGauges | null = null;

  constructor(
    private readonly config: FoldWorkerConfig,
    private readonly log: (line: string) => void,
    spawn: (options: WorkerOptions) => Worker = spawnFoldWorker,
  ) {
    this.sink = FileBundleSink.fromWorkerData(config.sink);
    try {
      const worker = spawn({ workerData: config, name: 'workbench-fold' });
      // Read now: a Worker's threadId is -1 once it has exited.
      const threadId = worker.threadId;
      worker.on('message', (m: FromFoldWorker) => this.onMessage(m));
      worker.on('error', (err) => this.die(`the fold worker failed: ${err.message}`));
      worker.on('messageerror', (err) =>
        this.die(`a message from the fold worker was lost: ${err.message}`),
      );
      worker.on('exit', (code) => {
        // A worker that died mid-append would hold the folder's ledger lock forever.
        this.sink.releaseLedgerLockOf(threadId);
        this.die(`the fold worker exited with code ${code}`);
      });
      worker.unref();
      this.worker = worker;
    } catch (err) {
      this.die(`the fold worker could not start: ${(err as Error).message}`);
    }
  }

  runGauges(): RunGauges | null {
    return this.fallback?.runGauges() ?? this.lastRunGauges;
  }

  get where(): 'worker' | 'inline' {
    return this.fallback === undefined ? 'worker' : 'inline';
  }

  fold(jobs: readonly FoldJob[]): Promise<FoldOutcome[]> {
    if (this.fallback !== undefined || this.worker === undefined) return this.inline().fold(jobs);
    const id = this.nextId++;
    const message: ToFoldWorker = { id, jobs };
    return new Promise((resolve) => {
      if (this.inFlight.size === 0) this.worker?.ref();
      this.inFlight.set(id, { size: jobs.length, resolve });
      this.worker?.postMessage(message);
    });
  }

  /**
   * Makes the sink again, in the worker and for the fallback: after the output folder was
   * removed or replaced, the old sink would go on writing its ledger lines to the file it holds
   * open, which is no longer in the folder.
   */
  resetSink(): void {
    const old = this.sink;
    this.sink = FileBundleSink.fromWorkerData(this.config.sink);
    this.fallback?.replaceSink(this.sink);
    void old.shutdown().catch(() => undefined);
    const message: ToFoldWorker = { resetSink: true };
    this.worker?.postMessage(message);
  }

  async close(): Promise<void> {
    this.closing = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) await worker.terminate();
  }

  private inline(): InlineTraceFolder {
    this.fallback ??= new InlineTraceFolder(
      this.config.spoolDir,
      this.sink,
      this.config.writeConcurrency,
      this.config.runs,
    );
    return this.fallback;
  }

  private onMessage(m: FromFoldWorker): void {
    if (m.cpuSeconds !== null) this.cpuSeconds = m.cpuSeconds;
    if (m.runs !== null) this.lastRunGauges = m.runs;
    const batch = this.inFlight.get(m.id);
    if (batch === undefined) return;
    this.inFlight.delete(m.id);
    if (this.inFlight.size === 0) this.worker?.unref();
    batch.resolve([...m.outcomes]);
  }

  /** The worker is gone: what it held fails (and is retried), and folding continues inline. */
  private die(reason: string): void {
    if (this.closing) return;
    if (this.fallback === undefined) this.log(`${reason}; folding on the main thread from now on`);
    this.inline();
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) void worker.terminate().catch(() => undefined);
    for (const batch of this.inFlight.values())
      batch.resolve(Array.from({ length: batch.size }, () => ({ ok: false, message: reason })));
    this.inFlight.clear();
  }
}

/** Starts `fold-worker.js` beside this module (from source, `fold-worker.ts` through tsx). */
function spawnFoldWorker(options: WorkerOptions): Worker {
  return spawnWorker(import.meta.url, './fold-worker', options);
}
