/**
 * A real Zipkin for tests: the zipkin-server exec jar (fetched from Maven Central by
 * test/backends/build.sh zipkin on first use, cached like the other backends) run with the
 * machine's Java on a free loopback port, storage in memory, and polled until it answers.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILD = fileURLToPath(new URL('./build.sh', import.meta.url));
const READY_TIMEOUT_MS = 120_000;

/** A running Zipkin of a test. */
export interface Zipkin {
  /** Its base URL, e.g. `http://127.0.0.1:41234` (API v2 under /api/v2). */
  readonly url: string;
  /** Its log file. */
  readonly log: string;
  /** Stops it (SIGTERM, SIGKILL after 10 s); resolves once the process is gone. */
  stop(): Promise<void>;
}

/** The jar's path, fetched with mvn first if it is not cached (minutes on a cold cache). */
export function zipkinJar(): string {
  const paths = spawnSync('bash', [BUILD, '--paths'], { encoding: 'utf8' });
  const jar = /^zipkin=(.+)$/m.exec(paths.stdout)?.[1];
  if (paths.status !== 0 || jar === undefined) {
    throw new Error(`test/backends/build.sh --paths failed: ${paths.stderr}`);
  }
  if (!existsSync(jar)) {
    const built = spawnSync('bash', [BUILD, 'zipkin'], { encoding: 'utf8' });
    if (built.status !== 0) {
      throw new Error(`test/backends/build.sh zipkin failed:\n${built.stderr.slice(-4000)}`);
    }
  }
  return jar;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * Starts a Zipkin of its own for a test file; call it from a `beforeAll` with a long timeout
 * (Java starts in seconds, the first fetch of the jar takes longer).
 *
 * @example
 * const zipkin = await startZipkin(); // POST `${zipkin.url}/api/v2/spans` … await zipkin.stop();
 */
export async function startZipkin(dir = mkdtempSync(join(tmpdir(), 'zipkin-'))): Promise<Zipkin> {
  const jar = zipkinJar();
  // The free port is picked, released, then bound by Java: another process may take it in
  // between; then Zipkin exits at once, and another port is tried (twice at most).
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const log = join(dir, `zipkin-${attempt}.log`);
    const out = createWriteStream(log);
    const child = spawn(
      'java',
      [
        '-Xms64m',
        '-Xmx512m',
        '-XX:TieredStopAtLevel=1',
        '-jar',
        jar,
        `--armeria.ports[0].ip=127.0.0.1`,
        `--armeria.ports[0].port=${port}`,
        '--armeria.ports[0].protocols[0]=http',
        '--logging.level.root=WARN',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STORAGE_TYPE: 'mem' } },
    );
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    const url = `http://127.0.0.1:${port}`;
    const stop = async (): Promise<void> => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = exited(child);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    };
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let ready = false;
    while (!ready && Date.now() < deadline && child.exitCode === null) {
      try {
        const r = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
        ready = r.ok;
      } catch {
        // not listening yet
      }
      if (!ready) await new Promise((r) => setTimeout(r, 250));
    }
    if (ready) return { url, log, stop };
    await stop();
    const said = existsSync(log) ? readFileSync(log, 'utf8').slice(-4000) : '';
    if (attempt < 3 && /address already in use|BindException/i.test(said)) continue;
    throw new Error(`Zipkin did not answer on ${url} within ${READY_TIMEOUT_MS} ms:\n${said}`);
  }
}
