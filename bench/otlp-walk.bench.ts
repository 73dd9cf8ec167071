/**
 * Issue #14, item 1: the receiver's door reads OTLP with the otlp package's walker
 * (`readOtlpSpanIds`: one walker per encoding, the id-and-limits visitor) instead of its own
 * scanners. This compares the two in one process, on the same bodies: the walker of this checkout
 * against the scanners of the commit before the move (`BENCH_BASELINE`, default f3548a6), which
 * are taken from git at run time (`git show`) into `bench/.baseline/<commit>/` (gitignored); without
 * git or that commit the A/B is skipped and only the walker is measured.
 *
 * Both sides do what the receiver's door did with a body: the old one `scanOtlpProtobuf(body)`, or
 * `isUtf8(body)`, `toString` and `scanOtlpJson(text)` (its fast path, which vouches for these
 * bodies: checked before timing, with the same ids out); the new one `readOtlpSpanIds(encoding,
 * body)`. Bodies: the receiver bench's request (1000 spans of 20-span traces, eight attributes and
 * an event each, written by this package's encoders) and a request written by the OpenTelemetry
 * JS exporter's serializers (520 spans of bench/workload.ts's runs: 8 attributes and 2 events a
 * span, bare-number `intValue`s in JSON).
 *
 * CPU time (process.cpuUsage: user + system, all threads, so GC helpers count) per call. After a
 * warm-up, rounds interleave old and new (order swapped every round), each candidate running for
 * `BENCH_ROUND_MS` of CPU time; the figure is the median over rounds of old CPU / new CPU (above 1:
 * the walker is faster), with its interquartile range and range. Many short rounds rather than a few
 * long ones: on a shared machine the two halves of a short round see much the same load, and the
 * median discards the rounds that did not. Read ratios, not absolute figures.
 *
 * Run alone: node --conditions=source --import tsx bench/otlp-walk.bench.ts
 * Environment: BENCH_ROUNDS (default 31), BENCH_ROUND_MS (default 50), BENCH_FORMATS (default
 * json,protobuf), BENCH_BASELINE (default f3548a6).
 */
import { execFileSync } from 'node:child_process';
import { isUtf8 } from 'node:buffer';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { readOtlpSpanIds, type OtlpEncoding } from '../packages/otlp/src/index.js';
import { benchSpans, jsonBody, protobufBody } from '../packages/receiver/test/bench/otlp-bodies.js';
import { printResults } from './print-results.js';
import type { BenchResult } from './result.js';
import { recordRun } from './workload.js';

/** What both readers give: the ids and root flags of a request's spans. */
interface Ids {
  readonly count: number;
  readonly traceIds: readonly string[];
  readonly spanIds: readonly string[];
  readonly roots: readonly boolean[];
}

type Reader = (body: Buffer) => Ids | null;

interface Body {
  readonly name: string;
  readonly encoding: OtlpEncoding;
  readonly bytes: Buffer;
  readonly spans: number;
}

const ROOT = join(import.meta.dirname, '..');
/** The old scanners, as `packages/receiver/src/ingest/` had them; their imports are rewritten. */
const BASELINE_FILES = ['scan-otlp-json.ts', 'scan-otlp-protobuf.ts', 'scanned-spans.ts'];

/** The walker: what the receiver's door calls now. */
function newReader(encoding: OtlpEncoding): Reader {
  return (body) => {
    const read = readOtlpSpanIds(encoding, body);
    return read.ok && read.rejected.length === 0 ? read.spans : null;
  };
}

/**
 * The old scanners from `commit`, written under bench/.baseline/ and imported; null (and why) when
 * git or the commit is not there.
 */
async function oldReaders(
  commit: string,
): Promise<{ json: Reader; protobuf: Reader } | { missing: string }> {
  const dir = join(ROOT, 'bench', '.baseline', commit);
  try {
    mkdirSync(dir, { recursive: true });
    for (const file of BASELINE_FILES) {
      const text = execFileSync('git', ['show', `${commit}:packages/receiver/src/ingest/${file}`], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // Its one import of the otlp package is DEFAULT_MAX_VALUE_DEPTH, a constant.
      const otlp = pathToFileURL(join(ROOT, 'packages', 'otlp', 'src', 'index.ts')).href;
      writeFileSync(join(dir, file), text.replaceAll("'@llm-workbench/otlp'", `'${otlp}'`));
    }
  } catch (error) {
    const why = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    return { missing: `no scanners of ${commit} to compare with (${why.split('\n')[0]})` };
  }
  const json = (await import(pathToFileURL(join(dir, 'scan-otlp-json.ts')).href)) as {
    scanOtlpJson: (text: string) => Ids | null;
  };
  const protobuf = (await import(pathToFileURL(join(dir, 'scan-otlp-protobuf.ts')).href)) as {
    scanOtlpProtobuf: (body: Buffer) => Ids | null;
  };
  return {
    // The old door: the UTF-8 check, then the scan of the text (else a full decode, not taken here).
    json: (body) => (isUtf8(body) ? json.scanOtlpJson(body.toString('utf8')) : null),
    protobuf: (body) => protobuf.scanOtlpProtobuf(body),
  };
}

/** The bodies both readers are timed on. */
function bodies(): Body[] {
  const records = benchSpans(50, 20, 0xabcdef123);
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('bench');
  for (let i = 0; i < 52; i++) recordRun(tracer, i);
  const sdkSpans = exporter.getFinishedSpans();
  const sdkJson = JsonTraceSerializer.serializeRequest(sdkSpans);
  const sdkProtobuf = ProtobufTraceSerializer.serializeRequest(sdkSpans);
  if (sdkJson === undefined || sdkProtobuf === undefined)
    throw new Error('the OpenTelemetry serializers wrote nothing');
  return [
    {
      name: 'receiver bench body',
      encoding: 'protobuf',
      bytes: protobufBody(records),
      spans: 1000,
    },
    { name: 'receiver bench body', encoding: 'json', bytes: jsonBody(records), spans: 1000 },
    {
      name: 'OTel JS exporter body',
      encoding: 'protobuf',
      bytes: Buffer.from(sdkProtobuf),
      spans: sdkSpans.length,
    },
    {
      name: 'OTel JS exporter body',
      encoding: 'json',
      bytes: Buffer.from(sdkJson),
      spans: sdkSpans.length,
    },
  ];
}

function sameIds(a: Ids, b: Ids): boolean {
  return (
    a.count === b.count &&
    a.traceIds.every((t, i) => t === b.traceIds[i]) &&
    a.spanIds.every((s, i) => s === b.spanIds[i]) &&
    a.roots.every((r, i) => r === b.roots[i])
  );
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** CPU microseconds per call of `read` on `body`, calling it for at least `ms` of CPU time. */
function cpuPerCall(read: Reader, body: Buffer, ms: number): number {
  let sink = 0;
  let calls = 0;
  const start = cpuMicros();
  let used = 0;
  do {
    sink += read(body)?.count ?? 0;
    calls++;
    used = cpuMicros() - start;
  } while (used < ms * 1000);
  if (sink === 0) throw new Error('the reader refused the body');
  return used / calls;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The interquartile range and the range of sorted values. */
function spread(sorted: readonly number[]): string {
  const at = (q: number): string => sorted[Math.round(q * (sorted.length - 1))]!.toFixed(2);
  return `${at(0.25)}–${at(0.75)}, range ${at(0)}–${at(1)}`;
}

/**
 * Times the walker against the old scanners (when there) on each body: spans per CPU second of
 * each, and the median ratio old CPU / new CPU.
 *
 * @example
 * for (const r of await run()) console.log(r.name, r.value, r.ratio);
 */
export async function run(): Promise<BenchResult[]> {
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? 31);
  const roundMs = Number(process.env['BENCH_ROUND_MS'] ?? 50);
  const formats = (process.env['BENCH_FORMATS'] ?? 'json,protobuf').split(',');
  const commit = process.env['BENCH_BASELINE'] ?? 'f3548a6';
  const old = await oldReaders(commit);
  if ('missing' in old) console.log(`  A/B skipped: ${old.missing}`);
  const results: BenchResult[] = [];
  for (const body of bodies().filter((b) => formats.includes(b.encoding))) {
    const label = `${body.name}, ${body.encoding} (${body.spans} spans, ${body.bytes.length} B)`;
    const candidates: Reader[] = [newReader(body.encoding)];
    if (!('missing' in old)) candidates.push(old[body.encoding]);
    const outs = candidates.map((read) => read(body.bytes));
    if (outs.some((o) => o === null || o.count !== body.spans))
      throw new Error(`${label}: a reader refused a span or the body`);
    if (outs.length === 2 && !sameIds(outs[0]!, outs[1]!))
      throw new Error(`${label}: the walker and the old scanner read different ids`);

    for (let i = 0; i < 3; i++)
      for (const read of candidates) cpuPerCall(read, body.bytes, roundMs);
    const perCall: number[][] = candidates.map(() => []);
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const c of order)
        if (c < candidates.length)
          perCall[c]!.push(cpuPerCall(candidates[c]!, body.bytes, roundMs));
    }
    const spansPerCpuSecond = (us: number): number => (body.spans / us) * 1e6;
    const walker: BenchResult = {
      name: `${label}: walker`,
      value: spansPerCpuSecond(median(perCall[0]!)),
      unit: 'spans/CPU-s',
    };
    results.push(walker);
    if (candidates.length === 1) continue;
    const ratios = perCall[1]!.map((o, i) => o / perCall[0]![i]!).sort((a, b) => a - b);
    results.push({
      name: `${label}: scanners of ${commit}`,
      value: spansPerCpuSecond(median(perCall[1]!)),
      unit: 'spans/CPU-s',
    });
    results.push({
      name: `${label}: walker vs ${commit}`,
      value: median(ratios),
      unit: `× old CPU / new CPU (${rounds} rounds: IQR ${spread(ratios)})`,
    });
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) printResults(await run());
