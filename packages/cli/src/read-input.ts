import { readFile, stat } from 'node:fs/promises';
import { CliError, EXIT } from './io.js';
import { isS3Input, readS3Text, type S3InputSettings } from './s3-input.js';

/** Largest bundle or trace file read whole (bigger ones are refused with a reason). */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024;

/**
 * Reads a file as UTF-8 text, standard input for `-`, or an S3 object for `s3://bucket/key`
 * (with `s3`'s endpoint, else the AWS environment's), with clear errors.
 */
export async function readInput(
  path: string,
  stdin: NodeJS.ReadableStream,
  s3: S3InputSettings = {},
): Promise<string> {
  if (isS3Input(path)) return readS3Text(path, s3, MAX_INPUT_BYTES);
  if (path === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stdin) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > MAX_INPUT_BYTES)
        throw new CliError(`standard input is larger than ${MAX_INPUT_BYTES} bytes`, EXIT.io);
      chunks.push(buf);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new CliError(`${path} is not a file`, EXIT.io);
    if (st.size > MAX_INPUT_BYTES)
      throw new CliError(`${path} is larger than ${MAX_INPUT_BYTES} bytes`, EXIT.io);
    return await readFile(path, 'utf8');
  } catch (err) {
    throw cannotRead(path, err);
  }
}

/**
 * The error for a local file that could not be read (exit 3), saying why; a CliError as it is.
 *
 * @example
 * try { await stat(path); } catch (err) { throw cannotRead(path, err); }
 */
export function cannotRead(path: string, err: unknown): CliError {
  if (err instanceof CliError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return new CliError(
    `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    EXIT.io,
    { cause: err },
  );
}
