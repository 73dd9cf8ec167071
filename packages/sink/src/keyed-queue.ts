/**
 * Runs tasks one at a time per key, in the order given; tasks of different keys run concurrently.
 * The open-run holders (the processor's open runs, the receiver's run assembler) take one
 * segment of a run at a time with it, so that two segments of one run never read and write its
 * folder at once. A task that rejects does not stop the ones queued behind it. Keys are forgotten
 * once their queue is empty: memory stays bounded by the keys in use.
 *
 * @example
 * const queue = new KeyedQueue();
 * await queue.run(openRunKey(runId), () => holdSegment(segment));
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `task` after every earlier task of `key` has settled; resolves or rejects as it does. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    const next = before.then(task, task);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, settled);
    void settled.then(() => {
      if (this.#tails.get(key) === settled) this.#tails.delete(key);
    });
    return next;
  }

  /** How many keys have work queued or running. */
  get size(): number {
    return this.#tails.size;
  }
}
