/**
 * The worker thread behind RunBundleSpanProcessor and RunBundleSpanExporter: decodes batches of
 * finished traces, folds, seals and writes each bundle with its own FileBundleSink, and answers
 * each batch once all its writes have settled. It never logs (diag lives on the application's
 * thread): failures travel back in the answer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { foldRun, sealBundle, serializeBundle } from '@llm-workbench/bundle';
import { FileBundleSink } from '@llm-workbench/sink';
import { decodeBatch } from './span-transfer.js';
import type { BundleWorkerConfig, ToWorker, WorkerResult } from './bundle-worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('bundle-worker must run as a worker thread');
const config = workerData as BundleWorkerConfig;
const sink = FileBundleSink.fromWorkerData(config.sink);

port.on('message', (message: ToWorker) => {
  void handle(message).then(
    (results) => port.postMessage({ id: message.id, results }),
    (err: unknown) => port.postMessage({ id: message.id, failed: errorMessage(err) }),
  );
});

async function handle(message: ToWorker): Promise<WorkerResult[]> {
  const traces = decodeBatch(message.batch);
  const results: Promise<WorkerResult>[] = [];
  for (const trace of traces) {
    let bundle;
    try {
      bundle = sealBundle(
        foldRun(
          trace.records,
          trace.logEvents.length > 0
            ? { truncated: trace.truncated, logEvents: trace.logEvents }
            : { truncated: trace.truncated },
        ),
      );
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
