import { diffBundles, type BundleChange } from '@llm-workbench/bundle';
import { estimateCosts, pricingLabel, type CostEstimates } from '@llm-workbench/pricing';
import { CliError, EXIT, writeLine, writeText, writeLines, type Command } from '../io.js';
import { loadBundle } from '../load-bundle.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { table } from '../format.js';

const HELP = `Usage: workbench diff A B [--json]

What changed between two runs: workflow id, revision and definition, run and step status, gate
decisions and actors (and states, every decision of a gate decided more than once, disputed
gates), models and calls, token usage and cost, artifact versions and hashes, and disputed spans
(how many versions each arrived in).
Calls that reported no cost are estimated with the price data of @pydantic/genai-prices, and
the estimated totals compared as cost estimated.total.CURRENCY (and estimated.unpriced, the
calls that could not be priced), marked ~ and labelled with the data's version; --json adds
estimatedCost with pricing.source and pricing.version. Estimates are not part of the bundles.
Exit 0 when the bundles are identical (same integrity.sha256), 1 when they differ.`;

/** `workbench diff A B [--json]` */
export const diffCommand: Command = async (argv, io) => {
  const args = parseCommandArgs(argv, io, HELP, { json: { type: 'boolean' } });
  if (args === undefined) return EXIT.ok;
  const { values, positionals } = args;
  if (positionals.length !== 2)
    throw new CliError(`expected two bundles`, EXIT.usage, { help: HELP });
  const [fa, fb] = positionals as [string, string];
  const a = await loadBundle(fa, io.stdin);
  const b = await loadBundle(fb, io.stdin);
  const d = diffBundles(a.bundle, b.bundle);
  const ea = estimateCosts(a.bundle);
  const eb = estimateCosts(b.bundle);
  const estimated = estimatedChanges(ea, eb);
  const changes = [...d.changes, ...estimated];
  const warnings = [a, b].flatMap((x, i) =>
    x.verification.ok ? [] : [`warning: ${i === 0 ? fa : fb} fails verification`],
  );
  if (values.json) {
    writeText(
      io.stdout,
      JSON.stringify(
        {
          ...d,
          changes,
          estimatedCost: {
            pricing: ea.pricing,
            a: { totals: ea.totals, priced: ea.priced, unpriced: ea.unpriced },
            b: { totals: eb.totals, priced: eb.priced, unpriced: eb.unpriced },
          },
          verified: { a: a.verification.ok, b: b.verification.ok },
        },
        null,
        2,
      ),
    );
  } else {
    for (const w of warnings) writeLine(io.stderr, w);
    if (d.identical) writeLine(io.stdout, `identical: ${d.a.sha256}`);
    else if (changes.length === 0)
      writeLine(
        io.stdout,
        'the bundles differ (different hashes) in details outside the compared facts: timings, ids or events',
      );
    else {
      const isEstimate = (c: BundleChange) => c.subject.startsWith('estimated.total.');
      const value = (c: BundleChange, v: string | number | null) =>
        v === null ? '—' : isEstimate(c) ? `~${v}` : String(v);
      const rows = changes.map((c) => [c.area, c.subject, value(c, c.before), value(c, c.after)]);
      writeLines(io.stdout, table(['area', 'what', fa, fb], rows));
      if (estimated.length > 0)
        writeLine(
          io.stdout,
          `estimated.* rows: estimated with ${pricingLabel(ea.pricing)} for calls that reported no cost (not part of either bundle)`,
        );
    }
  }
  return d.identical ? EXIT.ok : EXIT.failed;
};

/**
 * The estimated totals of two runs compared: `cost` changes `estimated.total.USD` and
 * `estimated.unpriced` (calls without a reported cost that could not be priced).
 */
function estimatedChanges(a: CostEstimates, b: CostEstimates): BundleChange[] {
  const changes: BundleChange[] = [];
  const currencies = [...new Set([...Object.keys(a.totals), ...Object.keys(b.totals)])].sort();
  for (const currency of currencies) {
    const before = round(a.totals[currency]);
    const after = round(b.totals[currency]);
    if (before !== after)
      changes.push({ area: 'cost', subject: `estimated.total.${currency}`, before, after });
  }
  if (a.unpriced !== b.unpriced)
    changes.push({
      area: 'cost',
      subject: 'estimated.unpriced',
      before: a.unpriced,
      after: b.unpriced,
    });
  return changes;
}

/** As `diffBundles` rounds reported costs: to 1e-9, so that float noise is no change. */
function round(n: number | undefined): number | null {
  return n === undefined ? null : Math.round(n * 1e9) / 1e9;
}
