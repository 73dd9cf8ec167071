// An existing NodeSDK setup that exports OTLP/HTTP, with the run bundle processor added beside
// the exporter: the same spans go to your Collector and, folded, into local bundle files.
//   node --conditions=source --import tsx examples/nodesdk-otlp/index.ts [bundle-directory]
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { runDemoAgent } from '@llm-workbench/demo';
import { RunBundleSpanProcessor } from '@llm-workbench/processor';
import { FileBundleSink } from '@llm-workbench/sink';

const directory = process.argv[2] ?? 'bundles';
// The exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT when no url is given.
const fromEnv =
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;

const sdk = new NodeSDK({
  serviceName: 'demo-agent',
  spanProcessors: [
    new tracing.BatchSpanProcessor(
      new OTLPTraceExporter(fromEnv ? {} : { url: 'http://127.0.0.1:4318/v1/traces' }),
    ),
    new RunBundleSpanProcessor({
      sink: new FileBundleSink({ directory }),
      onBundle: (_bundle, result) => console.log(`bundle ${result.status}: ${result.location}`),
    }),
  ],
});
sdk.start();

try {
  // No tracer given: the demo records on the global provider that NodeSDK registered.
  const { traceId, runId } = await runDemoAgent();
  console.log(`trace ${traceId}`);
  console.log(`run   ${runId}`);
} finally {
  // Flushes both processors: the bundle is written even when the OTLP export fails.
  await sdk.shutdown().catch((err: unknown) => {
    const reason = err instanceof Error ? err.message : String(err);
    console.error(`OTLP export failed (${reason}): is a Collector listening on 127.0.0.1:4318?`);
    process.exitCode = 1;
  });
}
