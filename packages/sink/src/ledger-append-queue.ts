/** One bundle to record in a ledger, with the promise of the caller waiting for its line. */
export interface LedgerAppend {
  readonly file: string;
  readonly sha256: string;
  /** Append only when the ledger does not name this file with this hash yet. */
  readonly ifMissing: boolean;
}

interface Task extends LedgerAppend {
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * The queue in front of a ledger writer (a folder's `ledger.jsonl`, an S3 prefix's objects):
 * appends asked for while a batch is on its way wait and go together in the next one, so lines
 * that come together share one write (and one fsync or put); each caller's promise settles with
 * its batch. The writer appends a batch and signs its checkpoint in `appendBatch`.
 *
 * @example
 * const queue = new LedgerAppendQueue(async (batch) => writeLines(batch));
 * await queue.record('run-1.json', sha256);
 */
export class LedgerAppendQueue {
  private readonly queue: Task[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly appendBatch: (batch: readonly LedgerAppend[]) => Promise<void>,
    private readonly options: {
      /** Most appends in one batch (all that are queued when absent). */
      readonly maxBatch?: number;
      /** Called when a batch fails, before its callers are rejected. */
      readonly onFailure?: () => void;
    } = {},
  ) {}

  /** Appends a line for a bundle just placed. */
  record(file: string, sha256: string): Promise<void> {
    return this.enqueue(file, sha256, false);
  }

  /** Appends a line for a bundle found already in place, unless the ledger names it. */
  ensure(file: string, sha256: string): Promise<void> {
    return this.enqueue(file, sha256, true);
  }

  /**
   * Appends lines for bundles just placed, in the given order and in one batch (unless a
   * `maxBatch` splits it); resolves once every line is on disk, rejects if any batch fails.
   */
  recordMany(
    entries: ReadonlyArray<{ readonly file: string; readonly sha256: string }>,
  ): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    // All queued before the drain starts (it takes a batch at once), so one batch takes them all.
    const lines = entries.map((e) => this.push(e.file, e.sha256, false));
    this.start();
    return Promise.all(lines).then(() => undefined);
  }

  /** Waits until nothing is queued or on its way. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private enqueue(file: string, sha256: string, ifMissing: boolean): Promise<void> {
    const line = this.push(file, sha256, ifMissing);
    this.start();
    return line;
  }

  private push(file: string, sha256: string, ifMissing: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ file, sha256, ifMissing, resolve, reject });
    });
  }

  private start(): void {
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch ?? this.queue.length);
      try {
        await this.appendBatch(batch);
        for (const t of batch) t.resolve();
      } catch (err) {
        this.options.onFailure?.();
        for (const t of batch) t.reject(err);
      }
    }
  }
}
