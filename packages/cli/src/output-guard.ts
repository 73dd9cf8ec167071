import { lstat, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CliError, EXIT } from './io.js';

/**
 * Refuses an output path that a command must not write: a symbolic link (planted where a default
 * output goes, it would make the command replace a file of the attacker's choosing in a shared
 * folder, or at least not the file the user expects), something that is not a regular file, or
 * one of the command's own inputs, by path or by inode (a hard link, `./x.json` for `x.json`),
 * which writing would destroy. The write itself is atomic and never follows a link
 * (`writeAtomic`); this check gives the reason before anything is written.
 *
 * @example
 * await guardOutput('run.html', ['run.json']); // throws CliError when run.html is a symlink
 */
export async function guardOutput(
  output: string,
  inputs: ReadonlyArray<string | undefined>,
): Promise<void> {
  let target;
  try {
    target = await lstat(output);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      target = null;
    } else {
      throw new CliError(`cannot write ${output}: ${(err as Error).message}`, EXIT.io, {
        cause: err,
      });
    }
  }
  if (target?.isSymbolicLink()) {
    throw new CliError(
      `${output} is a symbolic link: refusing to write over it (remove it, or choose another -o)`,
      EXIT.io,
    );
  }
  if (target !== null && !target.isFile()) {
    throw new CliError(
      `${output} exists and is not a regular file: refusing to replace it`,
      EXIT.io,
    );
  }
  for (const input of inputs) {
    if (input === undefined || input === '-' || /^[a-z][a-z0-9+.-]*:\/\//i.test(input)) continue;
    let same = resolve(input) === resolve(output);
    if (!same && target !== null) {
      const source = await stat(input).catch(() => null);
      same = source !== null && source.dev === target.dev && source.ino === target.ino;
    }
    if (same) {
      throw new CliError(
        `-o ${output} is the input ${input}: refusing to write over it (choose another -o)`,
        EXIT.usage,
      );
    }
  }
}
