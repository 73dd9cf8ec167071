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

/** Control characters but the line feed: C0, DEL and C1 (a span's tool name can hold any of them). */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text safe for a terminal: each control character but the line feed as a `\u` escape, so that
 * a value read from a span cannot move the cursor, clear the screen or forge a line.
 *
 * @example
 * printable('a\u001b[2Jb'); // 'a\\u001b[2Jb'
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Writes one line of human-readable output (or JSON, which holds no raw control characters). */
export function writeLine(stream: NodeJS.WritableStream, line = ''): void {
  stream.write(`${printable(line)}\n`);
}
