import { threadId } from 'node:worker_threads';

/**
 * A mutex shared by the threads of one process, over a SharedArrayBuffer: the ledger of a folder
 * takes one append at a time even when an application thread and a worker thread both write
 * bundles into it (the span processor's inline fallback beside its worker, the receiver's fold
 * worker and its fallback). Waiting is asynchronous (`Atomics.waitAsync`): no thread blocks. The
 * cell holds the holder's thread id + 1, so that a thread that died holding it can be named and
 * its hold released by the thread that saw it die.
 */
export class ThreadLock {
  readonly buffer: SharedArrayBuffer;
  readonly #cell: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.buffer = buffer;
    this.#cell = new Int32Array(buffer, 0, 1);
  }

  /** Takes the lock; false when it was not free within `timeoutMs` (its holder died holding it). */
  async acquire(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const holder = Atomics.compareExchange(this.#cell, 0, 0, threadId + 1);
      if (holder === 0) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      const wait = waitAsync(this.#cell, 0, holder, left);
      if (wait.async) await wait.value;
    }
  }

  release(): void {
    Atomics.store(this.#cell, 0, 0);
    Atomics.notify(this.#cell, 0, 1);
  }

  /** Frees the lock if the thread `id` holds it: for a thread that has exited holding it. */
  releaseHeldBy(id: number): boolean {
    if (Atomics.compareExchange(this.#cell, 0, id + 1, 0) !== id + 1) return false;
    Atomics.notify(this.#cell, 0, 1);
    return true;
  }
}

/** `Atomics.waitAsync` (Node 16+, V8), which the ES2023 lib does not declare yet. */
function waitAsync(
  cell: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
): { async: false; value: string } | { async: true; value: Promise<string> } {
  return (
    Atomics as unknown as {
      waitAsync(
        a: Int32Array,
        i: number,
        v: number,
        t: number,
      ): { async: false; value: string } | { async: true; value: Promise<string> };
    }
  ).waitAsync(cell, index, value, timeoutMs);
}

/**
 * The lock of each folder's ledger in this thread, so that two sinks on one folder share it. A
 * sink built from another thread's worker data brings that thread's buffer and registers it here.
 * Per thread by nature (a Map cannot cross threads); the buffers it holds are what is shared.
 */
const locks = new Map<string, ThreadLock>();

/** The ledger lock of `directory` in this thread, adopting `shared` when given. */
export function ledgerLockFor(directory: string, shared?: SharedArrayBuffer): ThreadLock {
  const known = locks.get(directory);
  if (known !== undefined && (shared === undefined || known.buffer === shared)) return known;
  const lock = new ThreadLock(shared);
  locks.set(directory, lock);
  return lock;
}
