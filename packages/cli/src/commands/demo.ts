import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diag, DiagLogLevel, type TracerProvider } from '@opentelemetry/api';
import { FileBundleSink, type BundleWriteResult } from '@llm-workbench/sink';
import { runDemoAgent, runDemoSegment } from '@llm-workbench/demo';
import { RunBundleSpanProcessor } from '@llm-workbench/processor';
import { CliError, EXIT, writeLine, writeText, type Command } from '../io.js';
import { parseCommandArgs } from '../parse-command-args.js';

const HELP = `Usage: workbench demo [--out DIR] [--runs N] [--pause] [--json]

Runs the example agent in-process (plan → draft → human review gate → publish, with a
deterministic fake model: nothing leaves this machine), folds its trace with
RunBundleSpanProcessor, and writes the run bundle into DIR (default ./bundles), printing each path.
--pause runs it as a real paused run: three child processes, one after the other. The first
drafts, requests the review gate, suspends the run (run.suspend()) and exits; the second resumes
it and suspends again (a restart while the editor has not decided); the third resumes it, records
the editor's decision, publishes and ends the run. Each segment is its own trace; the processor
keeps the unfinished run in DIR/.open-runs between processes, and the third writes the one bundle
of the whole run (named by segment 1's trace id). Find it by run id: workbench show --run-id ID DIR.
Then try: workbench verify DIR/*.json; workbench show FILE; workbench render FILE.`;

/** How long one segment's child process may take. */
const SEGMENT_TIMEOUT_MS = 120_000;
/** Most bytes of a child's output kept. */
const MAX_CHILD_OUTPUT = 1_000_000;

/** `workbench demo [--out DIR] [--runs N] [--json]` */
export const demoCommand: Command = async (argv, io) => {
  const args = parseCommandArgs(
    argv,
    io,
    HELP,
    {
      out: { type: 'string', default: 'bundles' },
      runs: { type: 'string', default: '1' },
      json: { type: 'boolean' },
      pause: { type: 'boolean' },
      // Internal: one segment of a paused run, in a child process of --pause.
      segment: { type: 'string' },
      token: { type: 'string' },
      clock: { type: 'string' },
    },
    false,
  );
  if (args === undefined) return EXIT.ok;
  const { values } = args;
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
    if (values.segment !== undefined) {
      return await segmentChild(
        directory,
        values.segment,
        values.token,
        values.clock,
        io,
        problems,
      );
    }
    if (values.pause === true) return await pausedDemo(directory, runs, values.json === true, io);
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
  const { processor, written } = recordingProcessor(directory);
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

/** What one segment's child process reports on its standard output, as one JSON line. */
/** A bundle the demo's processor wrote, as it reports it. */
interface WrittenBundle {
  traceId: string;
  runId: string | null;
  status: BundleWriteResult['status'];
  path: string;
  sha256: string;
}

/** The processor the demo folds with, into `directory`, and the list of what it has written. */
function recordingProcessor(directory: string): {
  processor: RunBundleSpanProcessor;
  written: WrittenBundle[];
} {
  const written: WrittenBundle[] = [];
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
  return { processor, written };
}

interface SegmentReport {
  segment: number;
  token: string | null;
  clockMs: number;
  traceId: string;
  runId: string;
  written: WrittenBundle[];
}

/** `--pause`: each paused run as three child processes, one segment each. */
async function pausedDemo(
  directory: string,
  runs: number,
  json: boolean,
  io: Parameters<Command>[1],
): Promise<number> {
  const results: Array<{ runId: string; segments: string[]; path: string; sha256: string }> = [];
  for (let i = 0; i < runs; i++) {
    let previous: SegmentReport | null = null;
    const traces: string[] = [];
    for (const segment of [1, 2, 3]) {
      const args = ['demo', '--out', directory, '--segment', String(segment)];
      if (previous !== null) {
        args.push('--token', previous.token ?? '', '--clock', String(previous.clockMs));
      }
      previous = await runChild(args);
      traces.push(previous.traceId);
      if (segment < 3 && previous.written.length > 0) {
        throw new CliError(
          `segment ${segment} wrote a bundle before the run ended (${previous.written[0]!.path}): its run was not held open`,
          EXIT.failed,
        );
      }
    }
    const last = previous!.written[0];
    if (last === undefined) {
      throw new CliError(
        `the last segment ended the run but no bundle was written to ${directory}`,
        EXIT.io,
      );
    }
    results.push({
      runId: previous!.runId,
      segments: traces,
      path: last.path,
      sha256: last.sha256,
    });
  }
  if (json) writeText(io.stdout, JSON.stringify(results, null, 2));
  else for (const r of results) writeLine(io.stdout, r.path);
  return EXIT.ok;
}

/** One segment of a paused demo run, in this (child) process. */
async function segmentChild(
  directory: string,
  segmentText: string,
  token: string | undefined,
  clockText: string | undefined,
  io: Parameters<Command>[1],
  problems: readonly string[],
): Promise<number> {
  const segment = Number(segmentText);
  if (segment !== 1 && segment !== 2 && segment !== 3) {
    throw new CliError(`--segment must be 1, 2 or 3, got ${JSON.stringify(segmentText)}`);
  }
  const clockMs = clockText === undefined ? undefined : Number(clockText);
  if (clockMs !== undefined && !Number.isSafeInteger(clockMs)) {
    throw new CliError(`--clock must be epoch milliseconds, got ${JSON.stringify(clockText)}`);
  }
  const { processor, written } = recordingProcessor(directory);
  const provider = await loadTracerProvider(processor);
  const result = await runDemoSegment({
    segment,
    tracerProvider: provider,
    ...(token !== undefined ? { token } : {}),
    ...(clockMs !== undefined ? { clockMs } : {}),
  });
  try {
    await provider.shutdown();
  } catch (err) {
    throw new CliError(`could not write to ${directory}: ${(err as Error).message}`, EXIT.io, {
      cause: err,
    });
  }
  const s = processor.stats;
  if (s.sinkErrors > 0 || s.openRunErrors > 0) {
    throw new CliError(
      `could not keep the run in ${directory}: ${problems.join('; ') || 'no reason was given'}`,
      EXIT.io,
    );
  }
  const report: SegmentReport = { segment, ...result, written };
  writeLine(io.stdout, JSON.stringify(report));
  return EXIT.ok;
}

/**
 * Runs this CLI in a child process and reads its one-line report. From source (`.ts`, as in this
 * repository and its tests) the child needs the TypeScript loader and the `source` condition.
 */
function runChild(args: string[]): Promise<SegmentReport> {
  const here = import.meta.url;
  const node = here.endsWith('.ts')
    ? [
        '--conditions=source',
        '--import',
        import.meta.resolve('tsx'),
        fileURLToPath(new URL('../bin.ts', here)),
      ]
    : [fileURLToPath(new URL('../bin.js', here))];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...node, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: SEGMENT_TIMEOUT_MS,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      if (stdout.length < MAX_CHILD_OUTPUT) stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < MAX_CHILD_OUTPUT) stderr += c.toString('utf8');
    });
    child.on('error', (err) =>
      reject(
        new CliError(`could not start a segment process: ${err.message}`, EXIT.io, { cause: err }),
      ),
    );
    child.on('close', (code, signal) => {
      if (code !== 0) {
        reject(
          new CliError(
            `the process of segment ${args[args.indexOf('--segment') + 1] ?? '?'} failed (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').slice(-3).join(' ') || 'no reason was given'}`,
            EXIT.failed,
          ),
        );
        return;
      }
      try {
        resolvePromise(JSON.parse(stdout.trim().split('\n').pop() ?? '') as SegmentReport);
      } catch {
        reject(new CliError('a segment process gave no report', EXIT.failed));
      }
    });
  });
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
