import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { foldRun, sealBundle, type SpanRecord } from '@llm-workbench/bundle';
import { segmentedRun, SEG_TRACES } from '../../bundle/test/segment-fixtures.js';
import { encodeOtlpJson } from '../../otlp/src/index.js';
import { tempDir } from './evidence-fixtures.js';
import { runCli } from './run-cli.js';

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

/** Runs the real CLI in its own process with standard input read from `stdinPath`. */
function workbench(
  args: string[],
  stdinPath: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const fd = openSync(stdinPath, 'r');
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', BIN, ...args], {
    stdio: [fd, 'pipe', 'pipe'],
    timeout: 60_000,
  });
  closeSync(fd);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const TRACE = 'abcdef0123456789abcdef0123456789';

/** One OTLP JSON line of `n` spans of one run trace (a root and its children). */
function otlpLine(n: number, traceId = TRACE, runId = 'run-1'): string {
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId,
    spanId: (i + 1).toString(16).padStart(16, '0'),
    ...(i > 0 ? { parentSpanId: '0000000000000001' } : {}),
    name: i === 0 ? 'run' : `tool ${i}`,
    kind: 1,
    startTimeUnixNano: String(1_000_000_000_000 + i),
    endTimeUnixNano: String(1_000_000_100_000 + i),
    attributes:
      i === 0
        ? [
            { key: 'workbench.run.id', value: { stringValue: runId } },
            { key: 'workbench.run.name', value: { stringValue: 'big' } },
          ]
        : [],
  }));
  return JSON.stringify({ resourceSpans: [{ resource: {}, scopeSpans: [{ spans }] }] });
}

describe('workbench import otlp', () => {
  it('refuses standard input that never ends, with a reason, at --max-input-bytes', async () => {
    const dir = tempDir('wb-import-');
    const r = await workbench(
      ['import', 'otlp', '-', '--out', join(dir, 'out'), '--max-input-bytes', '20000000'],
      '/dev/zero',
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot read -: input is larger than 20000000 bytes/);
    expect(r.stderr).toContain('--max-input-bytes');
  });

  it('caps the spans of one trace and writes an incomplete bundle that says what was cut', async () => {
    const dir = tempDir('wb-import-');
    const file = join(dir, 'big.jsonl');
    writeFileSync(file, `${otlpLine(60)}\n${otlpLine(1, TRACE).replace('"run"', '"again"')}\n`);
    const r = await runCli([
      'import',
      'otlp',
      file,
      '--out',
      join(dir, 'out'),
      '--max-spans-per-trace',
      '25',
      '--json',
    ]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      bundles: Array<{ path: string; complete: boolean; spanCount: number }>;
      issues: Array<{ code: string; traceId?: string; message: string }>;
    };
    expect(report.bundles).toHaveLength(1);
    expect(report.bundles[0]).toMatchObject({ complete: false, spanCount: 25 });
    expect(report.issues).toEqual([expect.objectContaining({ code: 'span_cap', traceId: TRACE })]);
    expect(report.issues[0]?.message).toContain('36 dropped');
    const bundle = JSON.parse(readFileSync(report.bundles[0]!.path, 'utf8')) as {
      run: { complete: boolean };
      diagnostics: Array<{ code: string; count?: number; message: string }>;
    };
    expect(bundle.run.complete).toBe(false);
    // The bundle itself says how many spans were cut, and at which cap.
    expect(bundle.diagnostics.filter((d) => d.code === 'spans_dropped')).toEqual([
      expect.objectContaining({
        count: 36,
        message: '36 spans of the trace were dropped at the cap of 25 spans per trace',
      }),
    ]);
  });

  it('keeps the good traces of JSON lines whose first line is bad', async () => {
    const dir = tempDir('wb-import-');
    const file = join(dir, 'traces.jsonl');
    const ids = ['1'.repeat(32), '2'.repeat(32), '3'.repeat(32)];
    writeFileSync(file, ['{"resourceSpans": [', ...ids.map((t) => otlpLine(2, t))].join('\n'));
    const r = await runCli(['import', 'otlp', file, '--out', join(dir, 'out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/traces\.jsonl:1: not_json/);
    expect(
      readdirSync(join(dir, 'out'))
        .filter((n) => n.endsWith('.json'))
        .sort(),
    ).toEqual(ids.map((t) => `${t}.json`));
  });

  it('names bundles by trace id only: ids that look like paths stay inside --out', async () => {
    const dir = tempDir('wb-import-');
    const file = join(dir, 'evil.jsonl');
    writeFileSync(
      file,
      [
        otlpLine(2, '../../../../../../tmp/wb-evil-x', '../../evil'),
        otlpLine(2, TRACE, '../../../evil/run'),
      ].join('\n'),
    );
    const out = join(dir, 'out');
    const r = await runCli(['import', 'otlp', file, '--out', out]);
    expect(r.code).toBe(1); // the bad trace id's spans are refused and reported
    expect(readdirSync(dir).sort()).toEqual(['evil.jsonl', 'out']);
    expect(readdirSync(out).filter((n) => n.endsWith('.json'))).toEqual([`${TRACE}.json`]);
  });
});

describe('workbench import otlp with runs that span traces', () => {
  /** A Collector-like file: each segment on its own line, the run's spans mixed with another run's. */
  function segmentsFile(dir: string): string {
    const file = join(dir, 'segments.jsonl');
    const lines = segmentedRun().map((spans) => JSON.stringify(encodeOtlpJson(spans)));
    writeFileSync(file, [lines[2], otlpLine(2), lines[0], lines[1]].join('\n'));
    return file;
  }

  interface ImportReport {
    bundles: Array<{ traceId: string; traces: string[]; complete: boolean; sha256: string }>;
  }

  it('folds the segments of one run found in a file into one bundle, named after its first segment', async () => {
    const dir = tempDir('wb-import-');
    const out = join(dir, 'out');
    const r = await runCli(['import', 'otlp', segmentsFile(dir), '--out', out, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as ImportReport;
    expect(report.bundles.map((b) => b.traces.length).sort()).toEqual([1, 3]);
    const run = report.bundles.find((b) => b.traces.length === 3)!;
    expect(run.traceId).toBe(SEG_TRACES[0]);
    expect(run.complete).toBe(true);
    const [s1, s2, s3] = segmentedRun() as [SpanRecord[], SpanRecord[], SpanRecord[]];
    expect(run.sha256).toBe(sealBundle(foldRun([...s1, ...s2, ...s3])).integrity.sha256);
    expect(
      readdirSync(out)
        .filter((n) => n.endsWith('.json') && !n.includes('ledger'))
        .sort(),
    ).toEqual([`${SEG_TRACES[0]}.json`, `${TRACE}.json`].sort());
  });

  it('imports only the run named by --run-id, and says so when the input has none of it', async () => {
    const dir = tempDir('wb-import-');
    const file = segmentsFile(dir);
    const r = await runCli([
      'import',
      'otlp',
      file,
      '--out',
      join(dir, 'out'),
      '--run-id',
      'run-seg',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 segments');
    expect(
      readdirSync(join(dir, 'out')).filter((n) => n.endsWith('.json') && !n.includes('ledger')),
    ).toEqual([`${SEG_TRACES[0]}.json`]);
    const none = await runCli([
      'import',
      'otlp',
      file,
      '--out',
      join(dir, 'out2'),
      '--run-id',
      'nope',
    ]);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('no trace of run "nope" in the input');
  });
});
