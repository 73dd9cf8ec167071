import { writeLine, type CliIo } from './io.js';

/**
 * Bundle paths apart from DSSE envelopes (`*.dsse.json`, the ledger's checkpoint included) that a
 * shell glob such as `bundles/*.json` also matched: an envelope is checked with its bundle.
 *
 * @example
 * withoutEnvelopes(['a.json', 'a.dsse.json']); // { bundles: ['a.json'], envelopes: ['a.dsse.json'] }
 */
export function withoutEnvelopes(paths: readonly string[]): {
  bundles: string[];
  envelopes: string[];
} {
  const bundles: string[] = [];
  const envelopes: string[] = [];
  for (const p of paths) (p.endsWith('.dsse.json') ? envelopes : bundles).push(p);
  return { bundles, envelopes };
}

/** Says on stderr which envelopes were left out, so that a glob's count adds up. */
export function skippedNote(io: CliIo, envelopes: readonly string[], command: string): void {
  if (envelopes.length === 0) return;
  writeLine(
    io.stderr,
    `workbench ${command}: left out ${envelopes.length} envelope file(s) (*.dsse.json): each goes with its bundle`,
  );
}
