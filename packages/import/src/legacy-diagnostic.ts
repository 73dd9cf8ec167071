import { readDiagnostic, type BundleDiagnostic, type FoldDiagnostic } from '@llm-workbench/bundle';

/**
 * The end of each attribute diagnostic's message, after `KEY` or `KEY on event NAME`. Anchored at
 * the end, so that an event name holding the same words is still read whole.
 */
const TAIL: Partial<Record<string, RegExp>> = {
  wrong_type: / should be (?:a string|an integer|a number), got \w+$/,
  out_of_range: / is beyond ±2\^53$/,
  non_finite: / is (?:NaN|-?Infinity)$/,
  missing_field: / is required$/,
  over_inline_limit: / is longer than \d+ bytes and is not held inline$/,
  identifier_truncated: / is longer than \d+ bytes; its first \d+ bytes are kept$/,
};

/**
 * The fold's diagnostic held by a bundle written before diagnostics kept their fields beside the
 * message (`event`, `expected`, `got`, `parentSpanId`, `count`): such a bundle holds them only in
 * the prose, so this reads them from it. It is the one place that parses a diagnostic message,
 * and only for that older form: what it reads is checked by rendering the message again from it
 * (`readDiagnostic`), so a message it misreads yields undefined, never a wrong diagnostic.
 *
 * @example
 * const d = readDiagnostic(diag) ?? legacyDiagnostic(diag);
 */
export function legacyDiagnostic(d: BundleDiagnostic): FoldDiagnostic | undefined {
  const members: Partial<BundleDiagnostic> = {};
  const m = d.message;
  switch (d.code) {
    case 'wrong_type': {
      const got = /, got (\w+)$/.exec(m)?.[1];
      const expected = / should be an? (string|integer|number), got \w+$/.exec(m)?.[1];
      if (got !== undefined) members.got = got;
      if (expected !== undefined) members.expected = expected as BundleDiagnostic['expected'] & {};
      break;
    }
    case 'non_finite': {
      const got = / is (NaN|-?Infinity)$/.exec(m)?.[1];
      if (got !== undefined) members.got = got;
      break;
    }
    case 'missing_parent': {
      const parent = /^parent ([0-9a-f]{16}) is not in the trace$/.exec(m)?.[1];
      if (parent !== undefined) members.parentSpanId = parent;
      break;
    }
    case 'multiple_run_spans':
    case 'multiple_roots': {
      const count = /^(\d+) /.exec(m)?.[1];
      if (count !== undefined) members.count = Number(count);
      break;
    }
  }
  const tail = TAIL[d.code];
  const prefix = `${d.subject ?? ''} on event `;
  if (tail !== undefined && d.subject !== null && m.startsWith(prefix)) {
    const end = tail.exec(m)?.index;
    if (end !== undefined && end >= prefix.length) members.event = m.slice(prefix.length, end);
  }
  return readDiagnostic({ ...d, ...members });
}
