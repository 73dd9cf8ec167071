/**
 * Target 4 of issue #13: views and import scale linearly. `workbench show`, `diff`, `render` and
 * `import otlp` of a 300,000-span run, each against `JSON.parse` of its input file, A/B in one run.
 *
 * The commands run in-process through the CLI's `main(argv, io)` (the same code `workbench` runs,
 * without Node's start-up), their standard output counted and thrown away. Each figure is the
 * median wall time over the rounds; its baseline is reading the same file and `JSON.parse` of its
 * text, timed just before it. The run is the agent run of bench/large-trace.ts; a second run of
 * many small steps (BENCH_VIEWS_STEP_SPANS spans a step) covers what grows with steps, not spans.
 * The OTLP file is JSON Lines of 2,000-span documents (as a Collector's file exporter writes).
 * `diff` compares the bundle with a copy in which one step failed. `import` is measured with
 * the default span cap (the trace is cut to an incomplete bundle) and with the cap raised to hold
 * the whole trace.
 *
 * Environment: BENCH_VIEWS_SPANS (default 300000), BENCH_VIEWS_STEP_SPANS (spans a step in the
 * many-steps run, default 5; 0 skips it), BENCH_VIEWS_ROUNDS (default 3), BENCH_VIEWS_ONLY
 * (comma-separated subset of show,diff,render,import,import-whole).
 * Run alone: node --conditions=source --import tsx bench/views.bench.ts
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { foldRun, sealBundle, serializeBundle, type SpanRecord } from '@llm-workbench/bundle';
import { main } from '../packages/cli/src/index.js';
import { encodeOtlpJson } from '../packages/otlp/src/index.js';
import { makeLargeTrace } from './large-trace.js';
import { printResults } from './print-results.js';
import type { BenchResult } from './result.js';

/** Options of {@link benchViews}. */
export interface ViewsBenchOptions {
  /** Spans in the run. Default 300 000, or BENCH_VIEWS_SPANS. */
  spans?: number;
  /** Spans a step in the many-steps run (0: none). Default 5, or BENCH_VIEWS_STEP_SPANS. */
  stepSpans?: number;
  /** Timed rounds; medians are reported. Default 3, or BENCH_VIEWS_ROUNDS. */
  rounds?: number;
}

/** Spans in one line (one OTLP document) of the OTLP file. */
const OTLP_BATCH = 2000;

const VIEWS = ['show', 'diff', 'render', 'import', 'import-whole'] as const;
type View = (typeof VIEWS)[number];

/** A stream that counts what is written to it and keeps nothing. */
function sink(): Writable & { bytes: number } {
  const w = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      w.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      done();
    },
  }) as Writable & { bytes: number };
  w.bytes = 0;
  return w;
}

/** Runs one `workbench` command in-process; throws on an exit code other than `expect`. */
async function workbench(argv: string[], expect: readonly number[] = [0]): Promise<void> {
  const stdout = sink();
  let err = '';
  const code = await main(argv, {
    stdout,
    stderr: new Writable({
      write(chunk: Buffer | string, _e, done) {
        if (err.length < 2000) err += String(chunk);
        done();
      },
    }),
    stdin: process.stdin,
    isTTY: false,
  });
  if (!expect.includes(code)) throw new Error(`workbench ${argv[0]} exited ${code}: ${err}`);
}

/** A sealed bundle's file text, of these spans. */
function bundleText(spans: readonly SpanRecord[]): string {
  return serializeBundle(sealBundle(foldRun(spans)));
}

interface Run {
  label: string;
  dir: string;
  otlp: string;
  bundle: string;
  changed: string;
  spans: number;
  steps: number;
}

function writeRun(root: string, label: string, spans: SpanRecord[]): Run {
  const dir = join(root, label);
  mkdirSync(dir);
  const otlp = join(dir, 'trace.otlp.json');
  // JSON Lines, a document per batch of spans, as the Collector's file exporter writes: one
  // document of 300,000 spans is longer than the longest line import reads (128 MiB).
  const lines: string[] = [];
  for (let i = 0; i < spans.length; i += OTLP_BATCH) {
    lines.push(JSON.stringify(encodeOtlpJson(spans.slice(i, i + OTLP_BATCH))));
  }
  writeFileSync(otlp, `${lines.join('\n')}\n`);
  const bundle = join(dir, 'a.bundle.json');
  writeFileSync(bundle, bundleText(spans));
  // The same run with one step failed, near the middle: what `diff` has to find.
  const at = spans.findIndex((s, i) => i >= spans.length / 2 && s.name.startsWith('step '));
  const renamed = spans.map((s, i) =>
    i === at ? { ...s, status: { code: 'error' as const, message: 'changed' } } : s,
  );
  const changed = join(dir, 'b.bundle.json');
  writeFileSync(changed, bundleText(renamed));
  const steps = spans.filter((s) => s.name.startsWith('step ')).length;
  return { label, dir, otlp, bundle, changed, spans: spans.length, steps };
}

/**
 * Times show, diff, render and import of a large run against `JSON.parse` of their input files.
 *
 * @example
 * for (const r of await benchViews({ spans: 20_000, stepSpans: 0, rounds: 1 })) console.log(r);
 */
export async function benchViews(options: ViewsBenchOptions = {}): Promise<BenchResult[]> {
  const spanCount = options.spans ?? Number(process.env.BENCH_VIEWS_SPANS ?? 300_000);
  const stepSpans = options.stepSpans ?? Number(process.env.BENCH_VIEWS_STEP_SPANS ?? 5);
  const rounds = options.rounds ?? Number(process.env.BENCH_VIEWS_ROUNDS ?? 3);
  const only = (process.env.BENCH_VIEWS_ONLY ?? '').split(',').filter(Boolean);
  const views = VIEWS.filter((v) => only.length === 0 || only.includes(v));
  const root = mkdtempSync(join(tmpdir(), 'wb-views-'));
  const results: BenchResult[] = [];
  try {
    const runs = [writeRun(root, 'agent', makeLargeTrace(spanCount, 1))];
    if (stepSpans > 0) runs.push(writeRun(root, 'steps', makeLargeTrace(spanCount, 2, stepSpans)));
    for (const run of runs) {
      const argvOf = (view: View, round: number): { input: string; argv: string[] } => {
        const out = join(run.dir, `out-${view}-${round}`);
        switch (view) {
          case 'show':
            return { input: run.bundle, argv: ['show', run.bundle] };
          case 'diff':
            return { input: run.bundle, argv: ['diff', run.bundle, run.changed] };
          case 'render':
            return { input: run.bundle, argv: ['render', run.bundle, '-o', `${out}.html`] };
          case 'import':
            return { input: run.otlp, argv: ['import', 'otlp', run.otlp, '--out', out] };
          case 'import-whole':
            return {
              input: run.otlp,
              argv: [
                'import',
                'otlp',
                run.otlp,
                '--out',
                out,
                '--max-spans-per-trace',
                String(run.spans),
              ],
            };
        }
      };
      for (const view of views) {
        if (run.label === 'steps' && view.startsWith('import')) continue; // same code as 'agent'
        const parse: number[] = [];
        const command: number[] = [];
        let bytes = 0;
        for (let round = 0; round < rounds; round++) {
          const { input, argv } = argvOf(view, round);
          // diff reads two files: its baseline parses both.
          const inputs = view === 'diff' ? [input, run.changed] : [input];
          let t = performance.now();
          bytes = 0;
          for (const file of inputs) {
            const text = await readFile(file, 'utf8');
            // The OTLP file is JSON Lines: each line parsed on its own.
            for (const line of text.split('\n')) if (line !== '') JSON.parse(line);
            bytes += Buffer.byteLength(text);
          }
          parse.push(performance.now() - t);
          t = performance.now();
          // diff exits 1 when the runs differ, which they do; import exits 1 when it had to cut
          // the trace to the span cap, and still writes its bundle (checked below).
          await workbench(argv, view === 'diff' ? [1] : view === 'import' ? [0, 1] : [0]);
          command.push(performance.now() - t);
          if (view.startsWith('import')) {
            const out = argv[argv.indexOf('--out') + 1]!;
            if (!readdirSync(out).some((f) => f.endsWith('.json'))) {
              throw new Error(`import wrote no bundle in ${out}`);
            }
          }
          rmSync(join(run.dir, `out-${view}-${round}`), { recursive: true, force: true });
          rmSync(join(run.dir, `out-${view}-${round}.html`), { force: true });
        }
        const median = (s: number[]): number =>
          [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)] ?? Number.NaN;
        const base = `${run.label} ${run.spans} spans/${run.steps} steps: read + JSON.parse of ${view.startsWith('import') ? 'the OTLP file' : view === 'diff' ? 'both bundles' : 'the bundle'} (${(bytes / 1e6).toFixed(1)} MB)`;
        results.push({ name: base, value: median(parse), unit: 'ms' });
        results.push({
          name: `  workbench ${argvOf(view, 0)
            .argv.slice(0, view.startsWith('import') ? 2 : 1)
            .join(' ')}${view === 'import-whole' ? ` --max-spans-per-trace ${run.spans}` : ''}`,
          value: median(command),
          unit: 'ms',
          baseline: base,
          ratio: median(command) / median(parse),
        });
      }
    }
    return results;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Entry point for bench/run.ts. */
export const run = (): Promise<BenchResult[]> => benchViews();

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printResults(await benchViews());
}
