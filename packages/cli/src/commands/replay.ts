import { bundleRun, type RunBundle } from '@llm-workbench/bundle';
import { ImportError, sendSpans, spanRecordsFromBundle } from '@llm-workbench/import';
import { CliError, EXIT, writeLine, writeText, type Command } from '../io.js';
import { parseCommandArgs, parseHeaders, positiveInt } from '../parse-command-args.js';
import { loadBundle } from '../load-bundle.js';

const HELP = `Usage: workbench replay FILE... --endpoint URL [--protocol json|protobuf] [--json]

Sends each bundle's run back as OTLP/HTTP to a Collector, Jaeger or Tempo (their OTLP/HTTP port,
e.g. http://127.0.0.1:4318), with the original trace and span ids, times and events, so that a
bundle someone sent you can be looked at in the backend you use. Importing it back
(workbench import jaeger|tempo --trace-id ID) gives the same bundle, hash for hash.

What a bundle does not hold is not sent: spans that are neither the run, a step, a GenAI span
nor carry an event come back as placeholder spans (workbench.replay.placeholder) under the run
span; names and attributes of such spans, span kinds, links and times below the microsecond.

Options:
  --endpoint URL      OTLP/HTTP traces URL; a URL with no path gets /v1/traces (required)
  --protocol P        json or protobuf (default protobuf)
  --header 'K: V'     extra request header, e.g. 'Authorization: Bearer …'; repeatable
  --timeout MS        request deadline (default 30000)
  --json              print a JSON report for tools

Exit status: 0 when every bundle was sent; 1 when a bundle fails verification or would not fold
back to the same hash (it is sent anyway); 2 on bad usage; 3 when a file can't be read or the
endpoint refuses or can't be reached.`;

/** `workbench replay FILE... --endpoint URL [--protocol json|protobuf] [--json]` */
export const replayCommand: Command = async (argv, io) => {
  const args = parseCommandArgs(argv, io, HELP, {
    endpoint: { type: 'string' },
    protocol: { type: 'string', default: 'protobuf' },
    header: { type: 'string', multiple: true },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (args === undefined) return EXIT.ok;
  const { values, positionals } = args;
  if (positionals.length === 0) throw new CliError(`no bundle given`, EXIT.usage, { help: HELP });
  if (values.endpoint === undefined)
    throw new CliError(`--endpoint URL is required`, EXIT.usage, { help: HELP });
  const protocol = values.protocol;
  if (protocol !== 'json' && protocol !== 'protobuf') {
    throw new CliError(`--protocol must be json or protobuf, got ${JSON.stringify(protocol)}`);
  }
  const timeoutMs =
    values.timeout === undefined ? undefined : positiveInt('--timeout', values.timeout);
  const headers = parseHeaders(values.header ?? []);

  const results: Array<{
    file: string;
    traceId: string;
    sha256: string;
    spans: number;
    url: string;
    rejectedSpans: number;
    verified: boolean;
    exact: boolean;
  }> = [];
  let warned = false;
  for (const file of positionals) {
    const { bundle, verification } = await loadBundle(file, io.stdin);
    const spans = spanRecordsFromBundle(bundle);
    const exact = bundleRun(spans).integrity.sha256 === bundle.integrity.sha256;
    if (!verification.ok) {
      warned = true;
      writeLine(io.stderr, `warning: ${file} fails verification; replaying it as it is`);
    }
    if (!exact) {
      warned = true;
      writeLine(io.stderr, `warning: ${file} does not replay exactly: ${why(bundle)}`);
    }
    let sent;
    try {
      sent = await sendSpans(spans, {
        endpoint: values.endpoint,
        protocol,
        headers,
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
    } catch (err) {
      if (err instanceof ImportError) {
        throw new CliError(
          `${file}: ${err.message}`,
          err.code === 'invalid_argument' ? EXIT.usage : EXIT.io,
          { cause: err },
        );
      }
      throw err;
    }
    results.push({
      file,
      traceId: bundle.run.traceId,
      sha256: bundle.integrity.sha256,
      spans: spans.length,
      url: sent.url,
      rejectedSpans: sent.rejectedSpans,
      verified: verification.ok,
      exact,
    });
    if (sent.rejectedSpans > 0) {
      warned = true;
      writeLine(io.stderr, `warning: ${sent.url} refused ${sent.rejectedSpans} spans of ${file}`);
    }
  }
  if (values.json) writeText(io.stdout, JSON.stringify(results, null, 2));
  else {
    for (const r of results) {
      writeLine(io.stdout, `sent ${r.traceId} (${r.spans} spans) from ${r.file} to ${r.url}`);
    }
  }
  return warned ? EXIT.failed : EXIT.ok;
};

/** The likely reason a bundle does not fold back exactly, from what it records. */
function why(bundle: RunBundle): string {
  const codes = new Set(bundle.diagnostics.map((d) => d.code));
  if (codes.has('spans_dropped'))
    return 'spans beyond a span cap were dropped (complete: false); the replayed trace holds those kept';
  if (codes.has('folded_early'))
    return 'it was folded early (complete: false); the replayed trace is whole';
  if (codes.has('unknown_events_dropped')) return 'events beyond the first 1000 were not kept';
  if (codes.has('mixed_traces')) return 'it was folded from spans of several traces';
  return 'it records odd input that cannot be rebuilt from the bundle alone';
}
