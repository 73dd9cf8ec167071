/** What a command may touch of the outside world; tests pass their own streams. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  /** Whether stdout is a terminal (progress bars, colours). */
  isTTY: boolean;
}

/** A command: parses its own arguments and returns the process exit code. */
export type Command = (argv: string[], io: CliIo) => Promise<number>;

/** Exit codes shared by every command (documented in the package README). */
export const EXIT = {
  /** Success; for `verify`, every bundle intact; for `diff`, the runs are identical. */
  ok: 0,
  /** The check failed: a bundle did not verify, or `diff` found differences. */
  failed: 1,
  /** Bad usage: unknown command or flag, missing argument. */
  usage: 2,
  /** An input could not be read or an output written (missing file, unreachable backend). */
  io: 3,
} as const;

/** An error a command reports as one line and an exit code, without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function writeLine(stream: NodeJS.WritableStream, line = ''): void {
  stream.write(`${line}\n`);
}
