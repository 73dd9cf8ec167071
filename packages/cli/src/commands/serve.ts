import { runServeCommand } from '@llm-workbench/receiver';
import { printable, type Command } from '../io.js';

/**
 * `workbench serve [--host] [--port] [--out] [--data] [--token] [--sign-key FILE] …`: the
 * OTLP/HTTP receiver a Collector exports to; with `--sign-key` (or `WORKBENCH_SIGNING_KEY` /
 * `WORKBENCH_SIGNING_KEY_FILE`) it signs every bundle as role `receiver`. Options, environment
 * variables and behaviour: @llm-workbench/receiver. What it prints goes through `printable`, line
 * by line, as every command's output does: its log lines can quote what a client sent.
 */
export const serveCommand: Command = (argv, io) =>
  runServeCommand(argv, { ...io, stdout: escaping(io.stdout), stderr: escaping(io.stderr) });

/** A stream whose text is written with each line's control and bidi characters escaped. */
function escaping(stream: NodeJS.WritableStream): { write(text: string): boolean } {
  return {
    write: (text: string) => stream.write(text.split('\n').map(printable).join('\n')),
  };
}
