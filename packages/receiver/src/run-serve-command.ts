import {
  parseServeArgs,
  RECEIVER_SETTINGS,
  receiverSettingsUsage,
  resolveReceiverOptions,
  S3_ENDPOINT_FLAG,
} from './resolve-receiver-options.js';
import { isS3Out, openS3Out } from './s3-out.js';
import { ReceiverConfigError, startReceiver } from './start-receiver.js';

/** Where the command writes. */
export interface ServeIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Environment to read `WORKBENCH_*` from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Settles when the command should stop. Default: the first SIGINT or SIGTERM. */
  stop?: Promise<unknown>;
}

/** Help text of `workbench serve`; its option lines are written from `RECEIVER_SETTINGS`. */
export const SERVE_USAGE = `Usage: workbench serve [options]

Receives OTLP/HTTP traces (e.g. from an OpenTelemetry Collector) on POST /v1/traces, and with
--grpc-port OTLP/gRPC traces (TraceService/Export, as the Collector's otlp and loadbalancing
exporters send), and writes one bundle per run. Workbench events recorded as OTLP log records
(POST /v1/logs, or LogsService/Export over gRPC) are folded into their runs' spans. Every flag
can also be set by its environment variable; flags win.

${receiverSettingsUsage()}
  --sign-key FILE             WORKBENCH_SIGNING_KEY_FILE     default none (no signing)
                              (or WORKBENCH_SIGNING_KEY: the PEM text itself)
  --s3-endpoint URL           AWS_ENDPOINT_URL               default AWS (with --out s3://…)

A run that spans traces (segments: it was suspended and resumed, maybe in another process)
becomes one bundle: each segment is held in DATA/open-runs until the run's last segment arrives
and every segment before it is there; a run still open after --run-ttl-ms, or beyond
--max-open-runs or --max-open-run-bytes, is written as an incomplete bundle naming the missing
segments.

With a signing key (PKCS#8 PEM, as \`workbench keygen\` writes it), every bundle is signed as
role receiver: X.dsse.json lands beside X.json before the bundle does, and the folder's ledger
checkpoint is signed. The key is never logged; only its key id is.

With --out s3://BUCKET/PREFIX, bundles are written create-only to the bucket (which must exist),
with their envelopes and a ledger that any number of receivers share safely: a fleet behind a
load balancer writes into one prefix. Credentials and region come from the AWS environment
(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, AWS_REGION…); with an endpoint, URLs are
path-style (WORKBENCH_S3_FORCE_PATH_STYLE=false for virtual-hosted ones).
`;

function signal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (name: string): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(name);
    };
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
  });
}

/**
 * Runs `workbench serve` until SIGINT or SIGTERM, then shuts down gracefully (stops accepting,
 * folds what has its root, flushes). Returns the exit code, as the CLI's `EXIT` codes: 0 after a
 * clean stop, 2 for bad options (an --out that is a file, cannot be created or is not writable
 * included), 3 when the receiver cannot start (port in use, data folder locked or not writable).
 *
 * @example
 * process.exitCode = await runServeCommand(process.argv.slice(3), process);
 */
export async function runServeCommand(argv: readonly string[], io: ServeIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(SERVE_USAGE);
    return 0;
  }
  const parsed = parseServeArgs(argv);
  const resolved = parsed.ok ? resolveReceiverOptions(parsed.flags, io.env ?? process.env) : parsed;
  if (!resolved.ok) {
    for (const issue of resolved.issues) io.stderr.write(`workbench serve: ${issue.message}\n`);
    io.stderr.write('Run `workbench serve --help` for the options.\n');
    return 2;
  }
  const out = resolved.options.outDir;
  let sink;
  if (isS3Out(out)) {
    try {
      const endpoint = parsed.ok ? parsed.flags[S3_ENDPOINT_FLAG] : undefined;
      sink = await openS3Out(out, resolved.options, endpoint, io.env ?? process.env);
    } catch (err) {
      const bad =
        err instanceof TypeError || (err as { code?: unknown }).code === 'invalid_location';
      io.stderr.write(`workbench serve: --out: ${(err as Error).message}\n`);
      return bad ? 2 : 3;
    }
  }
  const stop = io.stop ?? signal();
  let receiver;
  try {
    receiver = await startReceiver({
      ...resolved.options,
      ...(sink === undefined ? {} : { sink }),
      log: (line) => io.stderr.write(`workbench serve: ${line}\n`),
    });
  } catch (err) {
    await sink?.shutdown?.();
    if (err instanceof ReceiverConfigError) {
      // A value that passed parsing but cannot be used (an --out that is a file): exit 2.
      const flag = RECEIVER_SETTINGS.find((x) => x.key === err.option)?.flag;
      io.stderr.write(
        `workbench serve: ${flag === undefined ? '' : `--${flag}: `}${err.message}\n`,
      );
      return 2;
    }
    io.stderr.write(`workbench serve: cannot start: ${(err as Error).message}\n`);
    return 3;
  }
  io.stdout.write(
    `workbench serve: receiving OTLP traces at ${receiver.url}/v1/traces; bundles go to ${resolved.options.outDir}\n`,
  );
  if (receiver.grpcAddress !== null)
    io.stdout.write(`workbench serve: receiving OTLP/gRPC traces at ${receiver.grpcAddress}\n`);
  await stop;
  io.stderr.write('workbench serve: shutting down\n');
  await receiver.close();
  return 0;
}
