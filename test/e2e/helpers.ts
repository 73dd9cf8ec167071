import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough, Readable } from 'node:stream';
import { canonicalize, diffBundles, type RunBundle } from '@llm-workbench/bundle';
import { main } from '@llm-workbench/cli';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The stack's endpoints, as test/backends/start.sh binds them (collector-config/test-stack/README.md). */
export const STACK = {
  collectorHttp: 'http://127.0.0.1:4318',
  jaegerQuery: 'http://127.0.0.1:16686',
  jaegerOtlpHttp: 'http://127.0.0.1:14318',
  tempoQuery: 'http://127.0.0.1:3200',
} as const;

/**
 * Runs a script of test/backends with its output in `logFile`; rejects with the log's tail when
 * it fails.
 */
export async function runScript(script: string, args: string[], logFile: string): Promise<void> {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn('bash', [`${REPO}test/backends/${script}`, ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  await new Promise<void>((resolve) => log.end(resolve));
  if (code !== 0) {
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-60).join('\n');
    throw new Error(`test/backends/${script} ${args.join(' ')} exited ${code}:\n${tail}`);
  }
}

/** A loopback port the OS says is free now (for configs that need ports before anything listens). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Builds a test stack's Collector if it is missing (test/backends/build.sh) and returns its path:
 * `collector` (the stack's, v0.159.0) or `collector-zipkin` (v0.148.0 with the zipkin exporter).
 */
export async function collectorBinary(
  logDir: string,
  target: 'collector' | 'collector-zipkin' = 'collector',
): Promise<string> {
  await runScript('build.sh', [target], join(logDir, 'build.log'));
  const paths = join(logDir, 'paths.log');
  await runScript('build.sh', ['--paths'], paths);
  const bin = new RegExp(`^${target}=(.+)$`, 'm').exec(readFileSync(paths, 'utf8'))?.[1];
  if (bin === undefined) throw new Error(`test/backends/build.sh --paths named no ${target}`);
  return bin;
}

/**
 * Calls `fn` until it returns something other than undefined, with a deadline. Between tries it
 * waits `intervalMs`: this is polling for a condition, never a sleep standing in for one.
 */
export async function poll<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 250 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Runs the workbench CLI in-process, capturing its output. */
export async function cli(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => (stdout += c.toString()));
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await main(args, {
    stdout: out,
    stderr: err,
    stdin: Readable.from([]),
    isTTY: false,
  });
  return { code, stdout, stderr };
}

/**
 * Runs one segment (1, 2 or 3) of a gated run in a process of its own (segmented-run-process.ts):
 * exported to the Collector at `collectorUrl` and folded in-process into `out`, the resume token
 * and each segment's trace id kept in `state`. Rejects with the process's stderr if it fails.
 */
export async function runSegmentProcess(
  segment: number,
  o: { state: string; out: string; collectorUrl: string; service: string; runId: string },
): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      join(REPO, 'test', 'e2e', 'segmented-run-process.ts'),
      String(segment),
      o.state,
      o.out,
      o.collectorUrl,
      o.service,
      o.runId,
    ],
    { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`segment ${segment} exited ${code}: ${stderr}`);
}

/** Reads a bundle file if it exists. */
export function readBundle(path: string): RunBundle | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as RunBundle;
}

/**
 * A readable account of how bundles differ: `workbench diff`'s facts, then every JSON path whose
 * value differs between the canonical forms (RFC 8785, without integrity).
 */
export function explainDifferences(bundles: Record<string, RunBundle>): string {
  const names = Object.keys(bundles);
  const base = names[0]!;
  const lines: string[] = [];
  for (const name of names.slice(1)) {
    const a = bundles[base]!;
    const b = bundles[name]!;
    if (a.integrity.sha256 === b.integrity.sha256) continue;
    lines.push(`--- ${base} (${a.integrity.sha256})`, `+++ ${name} (${b.integrity.sha256})`);
    for (const c of diffBundles(a, b).changes) {
      lines.push(`  diff: ${c.area} ${c.subject}: ${String(c.before)} -> ${String(c.after)}`);
    }
    const paths: string[] = [];
    jsonDiff(strip(a), strip(b), '', paths);
    for (const p of paths.slice(0, 80)) lines.push(`  ${p}`);
    if (paths.length > 80) lines.push(`  … ${paths.length - 80} more`);
  }
  return lines.join('\n');
}

function strip(b: RunBundle): unknown {
  const { integrity: _i, ...rest } = b;
  return JSON.parse(canonicalize(rest)) as unknown;
}

function jsonDiff(a: unknown, b: unknown, path: string, out: string[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  if (
    typeof a === 'object' &&
    typeof b === 'object' &&
    a !== null &&
    b !== null &&
    Array.isArray(a) === Array.isArray(b)
  ) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      jsonDiff(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        `${path}${Array.isArray(a) ? `[${k}]` : `.${k}`}`,
        out,
      );
    }
    return;
  }
  out.push(`${path || '.'}: ${short(a)} -> ${short(b)}`);
}

function short(v: unknown): string {
  const s = v === undefined ? 'absent' : JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 160)}…` : s;
}
