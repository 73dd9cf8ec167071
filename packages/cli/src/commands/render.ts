import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { renderReport } from '@llm-workbench/report';
import { verifyBundle } from '@llm-workbench/bundle';
import { CliError, EXIT, writeLine, type Command } from '../io.js';
import { readInput } from '../read-input.js';

const HELP = `Usage: workbench render FILE [-o OUT]

Writes one self-contained HTML report of a bundle: integrity, run header, workflow graph,
timeline with gate waits, gates, model calls with tokens and cost, artifact versions and diffs,
diagnostics and the bundle itself. The page loads nothing from the network and checks the
bundle's integrity itself, in the browser, when it is opened.

Any file renders, tampered or not a bundle at all: the report then says so at the top.

Options:
  -o, --output OUT  where to write the report; '-' for standard output
                    (default: FILE with .html instead of .json; standard output when FILE is '-')

Exit 0 when the report was written (whether or not the bundle verifies: see the line printed on
standard error), 2 on bad usage, 3 if the file can't be read or the report can't be written.`;

/** `workbench render FILE [-o OUT]` */
export const renderCommand: Command = async (argv, io) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    writeLine(io.stdout, HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    throw new CliError(
      `${positionals.length === 0 ? 'no file given' : 'give one file'}\n\n${HELP}`,
    );
  }
  const file = positionals[0] as string;
  const output = values.output ?? (file === '-' ? '-' : defaultOutput(file));
  const text = await readInput(file, io.stdin);
  const html = renderReport(text, {
    source: file === '-' ? null : basename(file),
    generatedAt: new Date(),
  });
  if (output === '-') io.stdout.write(html);
  else {
    try {
      await writeFile(output, html, 'utf8');
    } catch (err) {
      throw new CliError(`cannot write ${output}: ${(err as Error).message}`, EXIT.io, {
        cause: err,
      });
    }
  }
  const verdict = verifyBundle(text);
  const where = output === '-' ? 'standard output' : output;
  if (verdict.ok) writeLine(io.stderr, `wrote ${where}: bundle intact, sha256 ${verdict.sha256}`);
  else {
    const p = verdict.problems[0];
    writeLine(
      io.stderr,
      `wrote ${where}: the bundle does NOT verify (${p?.code ?? 'invalid'}${p?.path ? ` at ${p.path}` : ''}); the report shows why`,
    );
  }
  return EXIT.ok;
};

function defaultOutput(file: string): string {
  return /\.json$/i.test(file) ? file.replace(/\.json$/i, '.html') : `${file}.html`;
}
