// Runs the demo agent once on a BasicTracerProvider and writes its run bundle in-process.
//   node --conditions=source --import tsx examples/demo-agent/index.ts [bundle-directory]
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { runDemoAgent } from '@llm-workbench/demo';
import { RunBundleSpanProcessor } from '@llm-workbench/processor';
import { FileBundleSink } from '@llm-workbench/sink';

const directory = process.argv[2] ?? 'bundles';

const provider = new BasicTracerProvider({
  spanProcessors: [
    // Folds each finished run into a bundle and writes it to `directory`, one file per trace.
    new RunBundleSpanProcessor({
      sink: new FileBundleSink({ directory }),
      onBundle: (bundle, result) => {
        console.log(`bundle ${result.status}: ${result.location} (${bundle.steps.length} steps)`);
      },
    }),
  ],
});

const { traceId, runId } = await runDemoAgent({ tracerProvider: provider });
console.log(`trace ${traceId}`);
console.log(`run   ${runId}`);

// Shutdown flushes: it returns once the bundle is written (or the flush timed out).
await provider.shutdown();
