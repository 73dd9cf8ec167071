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
  /** The command's help, printed after the message (which stays one line). */
  readonly help: string | undefined;
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
    options?: ErrorOptions & { help?: string },
  ) {
    super(message, options);
    this.help = options?.help;
  }
}

/**
 * What may not reach a terminal raw: C0 (the line feed too: a value must not forge a line), DEL,
 * C1 (U+009B is a one-byte CSI), the bidi controls that reorder what is displayed (U+061C,
 * U+200E/F, U+202A–U+202E, U+2066–U+2069) and the line and paragraph separators.
 */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * One line of text safe for a terminal: each control character (the line feed too) and each
 * bidi control as a visible `\u` escape, so that a value read from a bundle, a span or a file name
 * cannot move the cursor, erase a line, set the title or clipboard (OSC), forge a line or display
 * reversed. Every human-readable output of the CLI goes through it.
 *
 * @example
 * printable('a\u001b[2Kb\r'); // 'a\\u001b[2Kb\\u000d'
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Writes one line of human-readable output: a line feed inside it is escaped, not obeyed. */
export function writeLine(stream: NodeJS.WritableStream, line = ''): void {
  stream.write(`${printable(line)}\n`);
}

/** Writes each entry as exactly one line, as {@link writeLine} does. */
export function writeLines(stream: NodeJS.WritableStream, lines: readonly string[]): void {
  stream.write(lines.map((l) => `${printable(l)}\n`).join(''));
}

/**
 * Writes text whose line feeds are meant (help, indented JSON, an error followed by the help):
 * each line through {@link printable}. In JSON, an escaped character is the same string (`\u009b`
 * is U+009B), so the output still parses to the same value. Values from a bundle or a file name
 * go through {@link writeLine} or {@link printable} first.
 */
export function writeText(stream: NodeJS.WritableStream, text: string): void {
  stream.write(`${text.split('\n').map(printable).join('\n')}\n`);
}
