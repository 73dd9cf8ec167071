/**
 * The fold worker thread: folds traces from the spool and writes their bundles, off the thread
 * that answers requests. It never logs: failures travel back in the outcomes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FileBundleSink } from '@llm-workbench/sink';
import { threadCpuSeconds } from '../thread-cpu.js';
import { FoldEngine } from './fold-engine.js';
import type { FoldWorkerConfig, FromFoldWorker, ToFoldWorker } from './fold-worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('fold-worker must run as a worker thread');
const config = workerData as FoldWorkerConfig;
const engine = new FoldEngine({
  spoolDir: config.spoolDir,
  sink: FileBundleSink.fromWorkerData(config.sink),
  writeConcurrency: config.writeConcurrency,
  cacheSpans: config.cacheSpans,
  runs: config.runs,
});

port.on('message', (message: ToFoldWorker) => {
  if ('resetSink' in message) {
    const old = engine.replaceSink(FileBundleSink.fromWorkerData(config.sink));
    void old.shutdown?.().catch(() => undefined);
    return;
  }
  void engine.fold(message.jobs).then((outcomes) => {
    const answer: FromFoldWorker = {
      id: message.id,
      outcomes,
      cpuSeconds: threadCpuSeconds(),
      runs: engine.runGauges(),
    };
    port.postMessage(answer);
  });
});
