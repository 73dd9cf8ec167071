import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { diag, DiagLogLevel, type TracerProvider } from '@opentelemetry/api';
import type { BundleWriteResult } from '@llm-workbench/sink';
import { runDemoAgent } from '@llm-workbench/demo';
import { FileBundleSink, RunBundleSpanProcessor } from '@llm-workbench/processor';
import { CliError, EXIT, writeLine, writeText, type Command } from '../io.js';

const HELP = `Usage: workbench demo [--out DIR] [--runs N] [--json]

Runs the example agent in-process (plan → draft → human review gate → publish, with a
deterministic fake model: nothing leaves this machine), folds its trace with
RunBundleSpanProcessor, and writes the run bundle into DIR (default ./bundles), printing each path.
Then try: workbench verify DIR/*.json; workbench show FILE; workbench render FILE.`;

/** `workbench demo [--out DIR] [--runs N] [--json]` */
export const demoCommand: Command = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string', default: 'bundles' },
      runs: { type: 'string', default: '1' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    writeText(io.stdout, HELP);
    return EXIT.ok;
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 1000) {
    throw new CliError(
      `--runs must be a whole number from 1 to 1000, got ${JSON.stringify(values.runs)}`,
    );
  }
  const directory = resolve(values.out);
  // The processor says why a write failed through diag, which nothing prints in a CLI: keep its
  // warnings and errors to say the real reason in the one error line.
  const problems: string[] = [];
  // A component logger passes its namespace first, then the message.
  const keep = (...args: unknown[]): void => {
    const message = args.filter((a): a is string => typeof a === 'string').join(' ');
    if (problems.length < 5 && !problems.includes(message)) problems.push(message);
  };
  const ignore = (): void => undefined;
  diag.setLogger(
    { error: keep, warn: keep, info: ignore, debug: ignore, verbose: ignore },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  try {
    return await demo(directory, runs, values.json === true, io, problems);
  } finally {
    diag.disable();
  }
};

async function demo(
  directory: string,
  runs: number,
  json: boolean,
  io: Parameters<Command>[1],
  problems: readonly string[],
): Promise<number> {
  const written: Array<{
    traceId: string;
    runId: string | null;
    status: BundleWriteResult['status'];
    path: string;
    sha256: string;
  }> = [];
  const processor = new RunBundleSpanProcessor({
    sink: new FileBundleSink({ directory }),
    onBundle: (bundle, result) => {
      written.push({
        traceId: bundle.run.traceId,
        runId: bundle.run.runId,
        status: result.status,
        path: result.location,
        sha256: bundle.integrity.sha256,
      });
    },
  });
  const provider = await loadTracerProvider(processor);
  for (let i = 0; i < runs; i++) await runDemoAgent({ tracerProvider: provider });
  try {
    await provider.shutdown();
  } catch (err) {
    throw new CliError(
      `could not write bundles to ${directory}: ${(err as Error).message}`,
      EXIT.io,
      { cause: err },
    );
  }
  if (processor.stats.sinkErrors > 0 || written.length !== runs) {
    const why = problems.length > 0 ? problems.join('; ') : 'no reason was given';
    throw new CliError(
      `could not write bundles to ${directory}: ${written.length} of ${runs} written, ${processor.stats.sinkErrors} write error(s): ${why}`,
      EXIT.io,
    );
  }
  if (json) writeText(io.stdout, JSON.stringify(written, null, 2));
  else for (const w of written) writeLine(io.stdout, w.path);
  return EXIT.ok;
}

/** The provider of whichever OpenTelemetry JS SDK the user installed, shut down like the SDK's. */
interface SdkTracerProvider extends TracerProvider {
  shutdown(): Promise<void>;
}

type ProviderClass = new (config: {
  resource?: unknown;
  spanProcessors: RunBundleSpanProcessor[];
}) => SdkTracerProvider;

/**
 * A tracer provider from the OpenTelemetry JS SDK installed beside the CLI: `TracerProvider` of
 * `@opentelemetry/sdk-trace` 3.x, else `BasicTracerProvider` of `@opentelemetry/sdk-trace` or
 * `@opentelemetry/sdk-trace-base` 2.x. The CLI depends on neither (they are optional peers): a
 * dependency on one line would put a second `@opentelemetry/api` into a tree on the other.
 */
async function loadTracerProvider(processor: RunBundleSpanProcessor): Promise<SdkTracerProvider> {
  let Provider: ProviderClass | undefined;
  for (const name of ['@opentelemetry/sdk-trace', '@opentelemetry/sdk-trace-base']) {
    const sdk = (await import(name).catch(() => undefined)) as
      { TracerProvider?: ProviderClass; BasicTracerProvider?: ProviderClass } | undefined;
    Provider = sdk?.TracerProvider ?? sdk?.BasicTracerProvider;
    if (Provider) break;
  }
  if (!Provider) {
    throw new CliError(
      'workbench demo records with the OpenTelemetry JS SDK, and none is installed: ' +
        'npm install @opentelemetry/sdk-trace (3.x, Node 22.15 or later) or ' +
        '@opentelemetry/sdk-trace-base (2.x)',
      EXIT.usage,
    );
  }
  // The resources package comes with either SDK; without it the run keeps the SDK's default name.
  const resources = (await import('@opentelemetry/resources').catch(() => undefined)) as
    { resourceFromAttributes?: (attributes: Record<string, string>) => unknown } | undefined;
  const resource = resources?.resourceFromAttributes?.({ 'service.name': 'workbench-demo' });
  return new Provider({
    ...(resource !== undefined ? { resource } : {}),
    spanProcessors: [processor],
  });
}
