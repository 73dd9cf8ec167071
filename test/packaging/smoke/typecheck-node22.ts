// Type-checked (tsc --noEmit, strict) in the Node 22 project against OpenTelemetry JS 3.x's own
// types, as a user's TypeScript would see our packages: the processor and exporter fit the SDK's
// SpanProcessor and SpanExporter slots, and the instrumentation takes the SDK's provider.
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { Workbench } from '@llm-workbench/instrumentation';
import {
  RunBundleSpanExporter,
  RunBundleSpanProcessor,
  spanRecordFromReadableSpan,
} from '@llm-workbench/processor';
import { FileBundleSink } from '@llm-workbench/sink';

const sink = new FileBundleSink({ directory: './bundles' });
const processor: SpanProcessor = new RunBundleSpanProcessor({ sink });
const exporter: SpanExporter = new RunBundleSpanExporter({ sink });
const provider = new TracerProvider({
  spanProcessors: [
    processor,
    new SimpleSpanProcessor({ exporter }),
    new BatchSpanProcessor({ exporter }),
  ],
});
new Workbench({ tracerProvider: provider });
export const record = (span: ReadableSpan): string => spanRecordFromReadableSpan(span).spanId;
