import { PassThrough, Readable } from 'node:stream';
import { main } from '../src/main.js';

/** Runs the CLI in-process with captured output. */
export async function runCli(
  args: string[],
  stdin = '',
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
    stdin: Readable.from([stdin]),
    isTTY: false,
  });
  return { code, stdout, stderr };
}
