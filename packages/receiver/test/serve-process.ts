import { waitUntil } from '@llm-workbench/test-support';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');
/** The `workbench` command from source, as `pnpm workbench` runs it. */
const CLI = join(ROOT, 'packages', 'cli', 'src', 'bin.ts');

/** A `workbench serve` child process. */
export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Settles with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** What it wrote to stderr (its log) so far. */
  stderr(): string;
}

/** Starts `workbench serve --port 0 …args` and waits until it listens. */
export async function startServeProcess(args: readonly string[]): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', CLI, 'serve', '--port', '0', ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = await waitUntil(
    () => {
      if (child.exitCode !== null) throw new Error(`workbench serve exited: ${stderr}`);
      return /at (http:\/\/[^ ]+)\/v1\/traces/.exec(stdout)?.[1];
    },
    'workbench serve to listen',
    30_000,
  );
  return { child, url, exited, stderr: () => stderr };
}
