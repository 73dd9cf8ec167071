import { describe, expect, it } from 'vitest';
import * as sc from '@llm-workbench/semconv';
import {
  foldRun,
  readDiagnostic,
  renderDiagnostic,
  runBundleSchema,
  sealBundle,
  STRUCTURED_DIAGNOSTIC_CODES,
  TEXT_DIAGNOSTIC_CODES,
  toBundleDiagnostic,
  type BundleDiagnostic,
  type FoldDiagnostic,
} from '../src/index.js';
import { STRUCTURED_DIAGNOSTIC_RUNS } from './diagnostic-fixtures.js';
import { sampleRun } from './fixtures.js';

const S = 'a1b2c3d4e5f60718';

/** The fold's messages as bundles written before version 3 gained structured members hold them. */
const RENDERED: Array<[FoldDiagnostic, string]> = [
  [
    {
      code: 'wrong_type',
      spanId: S,
      subject: 'k',
      event: null,
      expected: 'integer',
      got: 'string',
    },
    'k should be an integer, got string',
  ],
  [
    { code: 'wrong_type', spanId: S, subject: 'k', event: 'e v', expected: 'string', got: 'bytes' },
    'k on event e v should be a string, got bytes',
  ],
  [
    { code: 'wrong_type', spanId: S, subject: 'k', event: null, expected: 'number', got: 'array' },
    'k should be a number, got array',
  ],
  [{ code: 'out_of_range', spanId: S, subject: 'k', event: 'e' }, 'k on event e is beyond ±2^53'],
  [
    { code: 'non_finite', spanId: S, subject: 'k', event: null, got: '-Infinity' },
    'k is -Infinity',
  ],
  [{ code: 'missing_field', spanId: S, subject: 'k', event: 'e' }, 'k on event e is required'],
  [
    { code: 'over_inline_limit', spanId: S, subject: 'k', event: null, limit: 2000 },
    'k is longer than 2000 bytes and is not held inline',
  ],
  [
    { code: 'identifier_truncated', spanId: S, subject: sc.ATTR_GATE_ID, event: 'e', limit: 256 },
    `${sc.ATTR_GATE_ID} on event e is longer than 256 bytes; its first 256 bytes are kept`,
  ],
  [
    { code: 'identifier_truncated', spanId: S, subject: 'span.name', event: null, limit: 2000 },
    'the span name is longer than 2000 bytes; its first 2000 bytes are kept',
  ],
  [
    { code: 'identifier_truncated', spanId: S, subject: 'event.name', event: null, limit: 2000 },
    'an event name is longer than 2000 bytes; its first 2000 bytes are kept',
  ],
  [{ code: 'bad_hash', spanId: S, subject: 'k' }, 'k is not a sha256 hex digest'],
  [
    { code: 'missing_parent', spanId: S, parentSpanId: '0102030405060708' },
    'parent 0102030405060708 is not in the trace',
  ],
  [
    { code: 'multiple_run_spans', subject: sc.ATTR_RUN_ID, count: 3 },
    `3 spans carry ${sc.ATTR_RUN_ID}; the earliest is the run`,
  ],
  [{ code: 'multiple_roots', count: 2 }, '2 root spans; the earliest is the run'],
  [
    { code: 'self_parent', spanId: S, subject: null, message: 'span is its own parent' },
    'span is its own parent',
  ],
];

/** A bundle diagnostic as a bundle written before version 3 gained the members holds it. */
function withoutMembers(d: BundleDiagnostic): BundleDiagnostic {
  return { code: d.code, message: d.message, spanId: d.spanId, subject: d.subject };
}

describe('renderDiagnostic', () => {
  it.each(RENDERED)('renders %o as the message it always had', (d, message) => {
    expect(renderDiagnostic(d)).toBe(message);
    const held = toBundleDiagnostic(d);
    expect(held.message).toBe(message);
    // Written in canonical order, as the fold writes every object.
    expect(Object.keys(held)).toEqual(Object.keys(held).sort());
    // What the bundle holds reads back to the same diagnostic: its members are all a reader needs.
    expect(readDiagnostic(held)).toEqual(d);
  });

  it('covers every structured code in the table', () => {
    const codes = new Set(RENDERED.map(([d]) => d.code));
    for (const code of STRUCTURED_DIAGNOSTIC_CODES) expect(codes).toContain(code);
  });
});

describe('readDiagnostic', () => {
  it('refuses members that do not render the message, and codes that are not the fold’s', () => {
    const held = toBundleDiagnostic(RENDERED[1]![0]);
    expect(readDiagnostic(withoutMembers(held))).toBeUndefined();
    expect(readDiagnostic({ ...held, got: 'number' })).toBeUndefined();
    expect(readDiagnostic({ ...held, event: 'other' })).toBeUndefined();
    const zipkin = { code: 'zipkin_kind_lost', message: 'x', spanId: null, subject: null };
    expect(readDiagnostic(zipkin)).toBeUndefined();
  });
});

describe('foldRun diagnostics', () => {
  it.each(Object.entries(STRUCTURED_DIAGNOSTIC_RUNS))(
    'records %s with the members its message is rendered from',
    (code, spans) => {
      const b = sealBundle(foldRun(spans));
      expect(runBundleSchema.safeParse(b).success).toBe(true);
      expect(b.diagnostics.map((d) => d.code)).toContain(code);
      for (const d of b.diagnostics) {
        const typed = readDiagnostic(d);
        expect(typed, JSON.stringify(d)).toBeDefined();
        expect(toBundleDiagnostic(typed!)).toEqual(d);
      }
    },
  );

  it('records wrong_type with what was expected and what came, on an event or the span', () => {
    const b = foldRun(STRUCTURED_DIAGNOSTIC_RUNS.wrong_type);
    const wrong = b.diagnostics.filter((d) => d.code === 'wrong_type');
    expect(wrong).toContainEqual({
      code: 'wrong_type',
      message: `${sc.ATTR_ARTIFACT_VERSION} on event ${sc.EVENT_ARTIFACT} should be an integer, got number`,
      spanId: '3000000000000000',
      subject: sc.ATTR_ARTIFACT_VERSION,
      event: sc.EVENT_ARTIFACT,
      expected: 'integer',
      got: 'number',
    });
    expect(new Set(wrong.map((d) => d.got))).toEqual(
      new Set(['number', 'boolean', 'string', 'array', 'bytes']),
    );
    expect(wrong.some((d) => d.event === undefined)).toBe(true);
  });

  it('records only known codes, each reading back from its members', () => {
    const known = new Set<string>([...TEXT_DIAGNOSTIC_CODES, ...STRUCTURED_DIAGNOSTIC_CODES]);
    const b = foldRun([...sampleRun(), ...Object.values(STRUCTURED_DIAGNOSTIC_RUNS).flat()]);
    expect(b.diagnostics.length).toBeGreaterThan(5);
    for (const d of b.diagnostics) {
      expect(known).toContain(d.code);
      expect(toBundleDiagnostic(readDiagnostic(d)!)).toEqual(d);
    }
  });
});
