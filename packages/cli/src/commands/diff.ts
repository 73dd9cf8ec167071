import { parseArgs } from 'node:util';
import { diffBundles } from '@llm-workbench/bundle';
import { CliError, EXIT, writeLine, type Command } from '../io.js';
import { loadBundle } from '../load-bundle.js';
import { table } from '../format.js';

const HELP = `Usage: workbench diff A B [--json]

What changed between two runs: workflow id, revision and definition, run and step status, gate
decisions and actors, models and calls, token usage and cost, artifact versions and hashes.
Exit 0 when the bundles are identical (same integrity.sha256), 1 when they differ.`;

/** `workbench diff A B [--json]` */
export const diffCommand: Command = async (argv, io) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    writeLine(io.stdout, HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 2) throw new CliError(`expected two bundles\n\n${HELP}`);
  const [fa, fb] = positionals as [string, string];
  const a = await loadBundle(fa, io.stdin);
  const b = await loadBundle(fb, io.stdin);
  const d = diffBundles(a.bundle, b.bundle);
  const warnings = [a, b].flatMap((x, i) =>
    x.verification.ok ? [] : [`warning: ${i === 0 ? fa : fb} fails verification`],
  );
  if (values.json) {
    writeLine(
      io.stdout,
      JSON.stringify({ ...d, verified: { a: a.verification.ok, b: b.verification.ok } }, null, 2),
    );
  } else {
    for (const w of warnings) writeLine(io.stderr, w);
    if (d.identical) writeLine(io.stdout, `identical: ${d.a.sha256}`);
    else if (d.changes.length === 0)
      writeLine(
        io.stdout,
        'the bundles differ (different hashes) in details outside the compared facts: timings, ids or events',
      );
    else {
      const rows = d.changes.map((c) => [
        c.area,
        c.subject,
        String(c.before ?? '—'),
        String(c.after ?? '—'),
      ]);
      writeLine(io.stdout, table(['area', 'what', fa, fb], rows).join('\n'));
    }
  }
  return d.identical ? EXIT.ok : EXIT.failed;
};
