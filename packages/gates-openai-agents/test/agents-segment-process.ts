/**
 * One process of a refund that waits for a person across a process exit (run by
 * suspend-resume.test.ts, once per segment): the stock OTLP/HTTP exporter sends its spans to a
 * receiver, and a RunBundleSpanProcessor folds in-process, keeping the open run beside its
 * bundles.
 *
 *   node --conditions=source --import tsx agents-segment-process.ts SEGMENT STATE_DIR OUT_DIR RECEIVER_URL RUN_ID
 *
 * Segment 1 runs the agent until the SDK pauses on the `refund` tool, records the interruption as
 * a pending gate, and keeps the SDK's `RunState.toString()` and the workbench's resume token in
 * STATE_DIR, then exits. Segment 2 restores both (`RunState.fromString`, `wb.resumeRun`), approves
 * the call through the adapter, lets the agent finish and ends the run. Each segment appends its
 * trace id to STATE_DIR/traces; segment 2 writes the agent's final output to STATE_DIR/output.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, run, RunState, setTracingDisabled } from '@openai/agents';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Workbench } from '@llm-workbench/instrumentation';
import { RunBundleSpanProcessor } from '@llm-workbench/processor';
import { FileBundleSink } from '@llm-workbench/sink';
import { approveToolCall, recordInterruptions } from '../src/index.js';
import { refundTool, ScriptedModel } from './refund-agent.js';

const [segment, stateDir, outDir, receiverUrl, runId] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string | undefined,
];
if (runId === undefined) throw new Error('usage: SEGMENT STATE_DIR OUT_DIR RECEIVER_URL RUN_ID');

// The SDK's own tracing would export to OpenAI; this records through the workbench only.
setTracingDisabled(true);
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'refund-agent' }),
  spanProcessors: [
    new BatchSpanProcessor(new OTLPTraceExporter({ url: `${receiverUrl}/v1/traces` }), {
      scheduledDelayMillis: 20,
    }),
    new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: outDir, fsync: false }) }),
  ],
});
const wb = new Workbench({ tracerProvider: provider });
const agent = new Agent({ name: 'support', model: new ScriptedModel(), tools: [refundTool()] });
const saved = join(stateDir, 'saved.json');

if (segment === '1') {
  const wbRun = wb.startRun({ name: 'refund', runId });
  appendFileSync(join(stateDir, 'traces'), `${wbRun.span.spanContext().traceId}\n`);
  const ask = wbRun.startStep('ask', { kind: 'agent' });
  const result = await run(agent, 'Refund order A-17.');
  recordInterruptions(ask, result, { policy: 'ops-approves-refunds' });
  ask.end();
  // The lines a user adds: the SDK's state and the run's resume token, kept together.
  writeFileSync(saved, JSON.stringify({ state: result.state.toString(), token: wbRun.suspend() }));
} else {
  const { state: text, token } = JSON.parse(readFileSync(saved, 'utf8')) as {
    state: string;
    token: string;
  };
  const resumed = wb.resumeRun(token);
  appendFileSync(join(stateDir, 'traces'), `${resumed.span.spanContext().traceId}\n`);
  const decide = resumed.startStep('decide', { kind: 'human' });
  const state = await RunState.fromString(agent, text);
  for (const item of state.getInterruptions()) {
    approveToolCall(decide, state, item, { actor: 'ops@example.com', reason: 'Order checked.' });
  }
  const result = await run(agent, state);
  decide.end();
  resumed.end();
  writeFileSync(join(stateDir, 'output'), String(result.finalOutput));
}
await provider.shutdown();
