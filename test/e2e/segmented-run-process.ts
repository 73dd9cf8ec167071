/**
 * One segment of a gated run, in a process of its own (run by five-paths.test.ts, once per
 * segment): the stock OTLP/HTTP exporter sends its spans to the Collector, and a
 * RunBundleSpanProcessor folds in-process, persisting the open run beside its bundles so that the
 * process that runs the last segment writes the run's one bundle.
 *
 *   node --conditions=source --import tsx segmented-run-process.ts SEGMENT STATE_DIR OUT_DIR COLLECTOR_URL SERVICE RUN_ID
 *
 * Segment 1 drafts an artifact and requests the `review` gate, then suspends; segment 2 sends a
 * reminder and suspends again; segment 3 resolves the gate, publishes and ends the run. The
 * resume token travels in STATE_DIR/token; each segment's trace id is appended to
 * STATE_DIR/traces.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Workbench, type WorkbenchRun } from '@llm-workbench/instrumentation';
import { RunBundleSpanProcessor } from '@llm-workbench/processor';
import { FileBundleSink } from '@llm-workbench/sink';

const [segmentArg, stateDir, outDir, collector, service, runId] = process.argv.slice(2);
if (runId === undefined)
  throw new Error('usage: SEGMENT STATE_DIR OUT_DIR COLLECTOR_URL SERVICE RUN_ID');
const segment = Number(segmentArg);

const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': service }),
  spanProcessors: [
    new BatchSpanProcessor(new OTLPTraceExporter({ url: `${collector}/v1/traces` }), {
      scheduledDelayMillis: 100,
    }),
    new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: outDir as string }) }),
  ],
});
const wb = new Workbench({ tracerProvider: provider });
const tokenFile = join(stateDir as string, 'token');

let run: WorkbenchRun;
if (segment === 1) {
  run = wb.startRun({
    name: 'gated-newsletter',
    runId,
    workflow: {
      id: 'newsletter',
      revision: 'r1',
      definition: { nodes: [{ id: 'draft' }, { id: 'review' }, { id: 'publish' }], edges: [] },
    },
  });
  await run.step('draft', { kind: 'llm' }, (step) => {
    step.recordModelIo({
      provider: 'fake',
      model: 'fake-1',
      inputTokens: 120,
      outputTokens: 80,
      durationMs: 12,
      input: 'write the newsletter',
      output: 'Hello, readers.',
    });
    step.recordArtifact({
      key: 'draft.md',
      content: 'Hello, readers.',
      mediaType: 'text/markdown',
    });
  });
  await run.step('review', { kind: 'human' }, (step) => {
    step.requestGate({
      gateId: 'review',
      subject: { artifactKey: 'draft.md', artifactVersion: 1 },
    });
  });
} else {
  run = wb.resumeRun(readFileSync(tokenFile, 'utf8'));
  if (segment === 2) {
    await run.step('remind', { kind: 'task' }, (step) => {
      step.recordArtifact({
        key: 'reminder.txt',
        content: 'still waiting',
        mediaType: 'text/plain',
      });
    });
  } else {
    await run.step('review', { kind: 'human' }, (step) => {
      step.resolveGate({ gateId: 'review', decision: 'approved', actor: 'editor@example.com' });
    });
    await run.step('publish', { kind: 'task' }, () => undefined);
  }
}
appendFileSync(join(stateDir as string, 'traces'), `${run.traceId}\n`);
if (segment < 3) writeFileSync(tokenFile, run.suspend());
else run.end();
await provider.forceFlush();
await provider.shutdown();
