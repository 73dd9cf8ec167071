import { parseArgs } from 'node:util';
import { verifyBundle } from '@llm-workbench/bundle';
import { CliError, EXIT, writeLine, type Command } from '../io.js';
import { readInput } from '../read-input.js';

const HELP = `Usage: workbench verify FILE... [--json]

Checks each bundle offline: it parses, has no duplicate members, matches the bundle schema, and
its integrity.sha256 equals the sha256 of its RFC 8785 form. Prints one line per file: the hash,
or the reason it failed. Exit 0 only if every file is intact, 1 if any is not, 3 if one can't be read.`;

/** `workbench verify FILE... [--json]` */
export const verifyCommand: Command = async (argv, io) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    writeLine(io.stdout, HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new CliError(`no file given\n\n${HELP}`);
  const results: Array<{
    file: string;
    ok: boolean;
    sha256: string | null;
    problems: Array<{ code: string; path: string; message: string }>;
  }> = [];
  let unreadable = false;
  for (const file of positionals) {
    let text: string;
    try {
      text = await readInput(file, io.stdin);
    } catch (err) {
      unreadable = true;
      results.push({
        file,
        ok: false,
        sha256: null,
        problems: [{ code: 'unreadable', path: '', message: (err as Error).message }],
      });
      continue;
    }
    const r = verifyBundle(text);
    results.push(
      r.ok
        ? { file, ok: true, sha256: r.sha256, problems: [] }
        : { file, ok: false, sha256: r.sha256, problems: r.problems },
    );
  }
  if (values.json) {
    writeLine(io.stdout, JSON.stringify(results, null, 2));
  } else {
    for (const r of results) {
      if (r.ok) writeLine(io.stdout, `OK    ${r.sha256 ?? ''}  ${r.file}`);
      else {
        const p = r.problems[0];
        const more = r.problems.length > 1 ? ` (+${r.problems.length - 1} more)` : '';
        writeLine(
          io.stdout,
          `FAIL  ${r.file}: ${p?.code ?? 'invalid'}${p?.path ? ` at ${p.path}` : ''}: ${p?.message ?? ''}${more}`,
        );
      }
    }
  }
  if (unreadable) return EXIT.io;
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
};
