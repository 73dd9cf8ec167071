import type { Worker, WorkerOptions } from 'node:worker_threads';
import { spawnWorker } from '@llm-workbench/sink';
import type {
  BundleWorkerConfig,
  FromWorker,
  ToWorker,
  WorkerResult,
} from './bundle-worker-protocol.js';
import { encodeBatch, type TraceItem } from './span-transfer.js';

/** What the client reports back to its pipeline. */
export interface BundleWorkerHandlers {
  /** Results of a batch, in the order of its items. */
  results(items: readonly TraceItem[], results: readonly WorkerResult[]): void;
  /**
   * Items the worker did not take or did not finish: the pipeline folds them inline. `fatal`
   * when the worker is gone for good (it could not start, crashed or exited).
   */
  handBack(items: readonly TraceItem[], reason: string, fatal: boolean): void;
  /**
   * The worker thread `threadId` has exited (before its items are handed back): what it held,
   * such as the folder's ledger lock, is freed here.
   */
  exited?(threadId: number): void;
}

/**
 * The most spans of one trace copied to the worker in one turn of the event loop: at about 3 µs a
 * span (encoding and structured clone), about 1.5 ms.
 */
export const PART_SPANS = 500;

interface InFlight {
  readonly items: readonly TraceItem[];
  readonly spans: number;
  readonly settle: () => void;
}

/**
 * The application-thread side of the bundle worker: starts it on first use, posts one message per
 * batch of finished traces, and keeps each batch's spans until the worker answers, so that a crash
 * loses nothing (the pipeline folds them inline; a bundle the worker had already written is then
 * found `unchanged`). The worker is ref'd only while it holds work: an idle worker never keeps the
 * process alive, and work handed to it is finished before a natural exit, as inline writes are.
 */
export class BundleWorkerClient {
  private worker: Worker | undefined;
  private dead = false;
  private nextId = 1;
  private readonly inFlight = new Map<number, InFlight>();
  private spansInFlight = 0;

  constructor(
    private readonly config: BundleWorkerConfig,
    private readonly handlers: BundleWorkerHandlers,
    /** How the worker is started; tests start broken ones. */
    private readonly spawn: (options: WorkerOptions) => Worker = spawnBundleWorker,
  ) {}

  /** False once the worker could not start or has failed: fold inline from then on. */
  get usable(): boolean {
    return !this.dead;
  }

  /** Spans posted to the worker and not yet answered for. */
  get backlog(): number {
    return this.spansInFlight;
  }

  /**
   * Posts a batch; the promise settles once the worker has answered for every item of it (or
   * handed them back). A trace of more than {@link PART_SPANS} spans goes on its own, in parts,
   * one part per turn of the event loop, so that copying it never holds the application's thread
   * for long. Never throws.
   */
  submit(items: readonly TraceItem[]): Promise<void> {
    const worker = this.start();
    if (worker === undefined) {
      this.handlers.handBack(items, 'the bundle worker is not available', true);
      return Promise.resolve();
    }
    const whole = items.filter((item) => item.spans.length <= PART_SPANS);
    const sent: Promise<void>[] = [];
    if (whole.length > 0) sent.push(this.post(worker, whole));
    for (const item of items)
      if (item.spans.length > PART_SPANS) sent.push(this.postInParts(worker, item));
    return sent.length === 1 ? sent[0]! : Promise.all(sent).then(() => undefined);
  }

  private post(worker: Worker, items: readonly TraceItem[]): Promise<void> {
    const id = this.nextId++;
    try {
      const message: ToWorker = { id, batch: encodeBatch(items) };
      worker.postMessage(message);
    } catch (err) {
      // A value structured clone refuses (the SDK only keeps primitives, but spans can be faked).
      this.handlers.handBack(items, `a batch could not be sent to the worker: ${text(err)}`, false);
      return Promise.resolve();
    }
    return this.hold(worker, id, items);
  }

  private postInParts(worker: Worker, item: TraceItem): Promise<void> {
    const id = this.nextId++;
    const answered = this.hold(worker, id, [item]);
    const send = (from: number): void => {
      // Gone from the map: the worker died or was stopped, and the trace went back with the rest.
      if (!this.inFlight.has(id)) return;
      const to = from + PART_SPANS;
      let message: ToWorker;
      try {
        if (to < item.spans.length) {
          const part = encodeBatch([{ spans: item.spans.slice(from, to), truncated: false }]);
          message = { id, part };
        } else {
          const rest = { ...item, spans: item.spans.slice(from) };
          message = { id, batch: encodeBatch([rest]) };
        }
        worker.postMessage(message);
      } catch (err) {
        this.abandon(worker, id, `a trace could not be sent to the worker: ${text(err)}`);
        return;
      }
      if (to < item.spans.length) setImmediate(() => send(to));
    };
    send(0);
    return answered;
  }

  /** Keeps a posted batch's items until the worker answers for them. */
  private hold(worker: Worker, id: number, items: readonly TraceItem[]): Promise<void> {
    let spans = 0;
    for (const item of items) spans += item.spans.length;
    return new Promise<void>((settle) => {
      if (this.inFlight.size === 0) worker.ref();
      this.inFlight.set(id, { items, spans, settle });
      this.spansInFlight += spans;
    });
  }

  /** A trace sent in parts whose rest could not be sent: the worker drops its parts; it folds inline. */
  private abandon(worker: Worker, id: number, reason: string): void {
    const batch = this.take(id);
    if (batch === undefined) return;
    try {
      worker.postMessage({ id, abandon: true } satisfies ToWorker);
    } catch {
      // The worker keeps parts it will never fold: they go with it at shutdown.
    }
    try {
      this.handlers.handBack(batch.items, reason, false);
    } finally {
      batch.settle();
    }
  }

  /** Forgets a batch the worker answered for (or will not). */
  private take(id: number): InFlight | undefined {
    const batch = this.inFlight.get(id);
    if (batch === undefined) return undefined;
    this.inFlight.delete(id);
    this.spansInFlight -= batch.spans;
    if (this.inFlight.size === 0) this.worker?.unref();
    return batch;
  }

  /**
   * Stops the worker, at shutdown. Work still in it (only when shutdown timed out) is abandoned,
   * as a hanging write is inline: nothing runs after shutdown.
   */
  async terminate(): Promise<void> {
    const wasDead = this.dead;
    this.dead = true;
    const batches = [...this.inFlight.values()];
    this.inFlight.clear();
    this.spansInFlight = 0;
    for (const batch of batches) batch.settle();
    if (this.worker !== undefined && !wasDead) await this.worker.terminate();
  }

  private start(): Worker | undefined {
    if (this.dead) return undefined;
    if (this.worker) return this.worker;
    let worker: Worker;
    try {
      worker = this.spawn({ workerData: this.config });
    } catch (err) {
      this.die(`the bundle worker could not start: ${text(err)}`);
      return undefined;
    }
    worker.unref();
    // Read now: a Worker's threadId is -1 once it has exited.
    const threadId = worker.threadId;
    worker.on('message', (message: FromWorker) => this.onMessage(message));
    worker.on('error', (err) => this.die(`the bundle worker failed: ${text(err)}`));
    worker.on('messageerror', (err) =>
      this.die(`a message from the bundle worker was lost: ${text(err)}`),
    );
    worker.on('exit', (code) => {
      this.handlers.exited?.(threadId);
      this.die(`the bundle worker exited with code ${code}`);
    });
    this.worker = worker;
    return worker;
  }

  private onMessage(message: FromWorker): void {
    const batch = this.take(message.id);
    if (batch === undefined) return;
    try {
      if ('failed' in message) {
        this.handlers.handBack(
          batch.items,
          `the bundle worker failed a batch: ${message.failed}`,
          false,
        );
      } else {
        this.handlers.results(batch.items, message.results);
      }
    } finally {
      batch.settle();
    }
  }

  /** The worker is gone: everything it held goes back to the pipeline, and it is not restarted. */
  private die(reason: string): void {
    if (this.dead) return; // once: an error is followed by an exit, and terminate() is no failure
    this.dead = true;
    const batches = [...this.inFlight.values()];
    this.inFlight.clear();
    this.spansInFlight = 0;
    this.worker?.unref();
    const items = batches.flatMap((b) => b.items);
    try {
      this.handlers.handBack(items, reason, true);
    } finally {
      for (const batch of batches) batch.settle();
    }
  }
}

/**
 * Starts `bundle-worker.js` beside this module (from source, `bundle-worker.ts` through tsx: see
 * the sink's `spawnWorker`). If that fails, the worker reports an error and the pipeline folds
 * inline.
 */
export function spawnBundleWorker(options: WorkerOptions): Worker {
  return spawnWorker(import.meta.url, './bundle-worker', options);
}

function text(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
