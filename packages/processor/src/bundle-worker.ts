/**
 * The worker thread behind RunBundleSpanProcessor and RunBundleSpanExporter: decodes batches of
 * finished traces, folds, seals and writes each bundle with its own FileBundleSink, and answers
 * each batch once all its writes have settled. It never logs (diag lives on the application's
 * thread): failures travel back in the answer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { bundleRun, serializeBundle, type SpanRecord } from '@llm-workbench/bundle';
import { FileBundleSink } from '@llm-workbench/sink';
import { decodeBatch, type EncodedBatch } from './span-transfer.js';
import type { BundleWorkerConfig, ToWorker, WorkerResult } from './bundle-worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('bundle-worker must run as a worker thread');
const config = workerData as BundleWorkerConfig;
const sink = FileBundleSink.fromWorkerData(config.sink);

/** Spans of large traces received in parts, by message id, until the trace's last message. */
const parts = new Map<number, SpanRecord[]>();

port.on('message', (message: ToWorker) => {
  if ('part' in message) {
    const held = parts.get(message.id) ?? [];
    for (const trace of decodeBatch(message.part)) held.push(...trace.records);
    parts.set(message.id, held);
    return;
  }
  if ('abandon' in message) {
    parts.delete(message.id);
    return;
  }
  const earlier = parts.get(message.id);
  parts.delete(message.id);
  void handle(message.batch, earlier).then(
    (results) => port.postMessage({ id: message.id, results }),
    (err: unknown) => port.postMessage({ id: message.id, failed: errorMessage(err) }),
  );
});

async function handle(
  batch: EncodedBatch,
  earlier: SpanRecord[] | undefined,
): Promise<WorkerResult[]> {
  const traces = decodeBatch(batch);
  const results: Promise<WorkerResult>[] = [];
  for (const trace of traces) {
    // A trace sent in parts is the batch's only trace.
    const records = earlier === undefined ? trace.records : earlier.concat(trace.records);
    let bundle;
    try {
      bundle = bundleRun(records, {
        truncated: trace.truncated,
        droppedSpans: trace.droppedSpans,
        logEvents: trace.logEvents,
      });
    } catch (err) {
      results.push(Promise.resolve({ ok: false, stage: 'fold', message: errorMessage(err) }));
      continue;
    }
    const complete = bundle.run.complete;
    // The text first: sealing keeps it for serializeBundle, which the sink calls again.
    const text = config.withText ? serializeBundle(bundle) : undefined;
    results.push(
      sink.write(bundle).then(
        (written): WorkerResult => ({ ok: true, complete, ...written, text }),
        (err: unknown): WorkerResult => ({
          ok: false,
          stage: 'sink',
          message: errorMessage(err),
          complete,
        }),
      ),
    );
  }
  return Promise.all(results);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
