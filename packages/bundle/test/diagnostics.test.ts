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
const STRUCTURED: ReadonlySet<string> = new Set(STRUCTURED_DIAGNOSTIC_CODES);

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
    { code: 'spans_dropped', count: 7, limit: 10000 },
    '7 spans of the trace were dropped at the cap of 10000 spans per trace',
  ],
  [{ code: 'self_parent', spanId: S }, 'span is its own parent'],
  [{ code: 'end_before_start', spanId: S }, 'span ends before it starts'],
  [{ code: 'parent_cycle', spanId: S }, 'span parents form a cycle'],
  [{ code: 'missing_root' }, 'no root span: the run span never arrived'],
  [{ code: 'folded_early' }, 'the trace was folded before all its spans had arrived or ended'],
  [
    { code: 'time_out_of_range', spanId: S, subject: 'later' },
    'the event time lies outside years 0001-9999, which a bundle time cannot write; kept as null',
  ],
  [
    { code: 'extra_workflow_snapshot', spanId: S, subject: sc.EVENT_WORKFLOW_SNAPSHOT },
    'a workflow snapshot outside the run span, or a second one, is kept as an event only',
  ],
  [
    { code: 'unknown_workbench_event', spanId: S, subject: 'workbench.odd' },
    'unknown workbench event "workbench.odd" kept as unknown',
  ],
  [
    { code: 'log_event_without_span', subject: 'e', namedSpanId: 'x"y', namedTraceId: 't' },
    'log-record events name span "x\\"y" of trace "t", which never arrived; kept out of the fold',
  ],
  [
    { code: 'conflicting_duplicate_span', spanId: S, versions: 2, facts: 3 },
    "the span arrived in 2 versions that differ in 3 facts; what was folded from it is marked disputed, and disputes keeps every version's values",
  ],
  [
    { code: 'unknown_gate_decision', spanId: S, decision: 'maybe' },
    `gate decision "maybe" is not one of ${sc.GATE_DECISIONS.join(', ')}`,
  ],
  [
    { code: 'unknown_events_dropped', count: 5, limit: 1000 },
    '5 unknown events beyond the first 1000 were dropped',
  ],
  [
    { code: 'bad_definition_parts', spanId: S, parts: 0 },
    `${sc.ATTR_WORKFLOW_DEFINITION_PARTS} is 0`,
  ],
  [
    { code: 'bad_definition', spanId: S, reason: 'Unexpected token' },
    'the workflow definition is not canonicalizable JSON: Unexpected token',
  ],
  [
    { code: 'definition_hash_mismatch', spanId: S },
    `${sc.ATTR_WORKFLOW_DEFINITION_SHA256} does not match the definition`,
  ],
  [
    { code: 'content_hash_mismatch', spanId: S, subject: 'c', hashKey: 'h', declared: true },
    'c does not match h; content not held',
  ],
  [
    { code: 'content_hash_mismatch', spanId: S, subject: 'c', hashKey: 'h', declared: false },
    'c has no valid h to match; content not held',
  ],
  [
    { code: 'bad_artifact_version', spanId: S, version: 0 },
    `${sc.ATTR_ARTIFACT_VERSION} is 0; versions start at 1`,
  ],
  [
    { code: 'duplicate_artifact_version', spanId: S, key: 'a.md', version: 2 },
    'artifact "a.md" has version 2 more than once',
  ],
  [
    { code: 'missing_parent_version', spanId: S, key: 'a.md', version: null, parentVersion: 4 },
    'artifact "a.md" v? names parent v4, which is not in the run',
  ],
  [
    { code: 'gate_resolved_again', spanId: S, gateId: 'review' },
    'gate "review" was resolved again with no new request; every decision is kept, in order',
  ],
  [
    { code: 'gate_resolved_without_request', spanId: S, gateId: null },
    'gate with no id was resolved but never requested in this run',
  ],
  [
    { code: 'invalid_id', givenTraceId: 'zz', givenSpanId: '' },
    'span with trace id "zz" and span id "" ignored',
  ],
  [
    { code: 'mixed_traces', traces: 3, folded: 2, runId: 'r1', traceId: 'ab' },
    'spans of 3 traces were given; only the 2 segments of run "r1" were folded',
  ],
  [
    { code: 'mixed_traces', traces: 3, folded: 1, runId: null, traceId: 'ab' },
    'spans of 3 traces were given; only trace ab was folded',
  ],
  [
    { code: 'span_id_collision', spanId: S, traceId: 'ab' },
    `span id ${S} of trace ab is also a span of an earlier segment; only that one was folded`,
  ],
  [
    { code: 'segment_missing', segment: 2, present: [1, 3] },
    'segment 2 of the run is missing: the bundle holds segments 1, 3',
  ],
  [
    { code: 'segment_duplicate', segment: 2, traces: 2 },
    '2 traces claim segment 2 of the run (a resume token used twice?); all are folded',
  ],
  [
    { code: 'run_not_ended', spanId: S, segment: 2, suspended: true },
    "the run's last segment present, 2, is suspended: the run has not ended",
  ],
  [
    { code: 'run_not_ended', spanId: S, segment: 2, suspended: false },
    "the run's last segment present, 2, is not marked ended: the run has not ended",
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
    // What the bundle holds of a structured code reads back to the same diagnostic: its members
    // are all a reader needs. Of any other code it holds the message alone.
    if (STRUCTURED.has(d.code)) expect(readDiagnostic(held)).toEqual(d);
    else expect(Object.keys(held)).toEqual(['code', 'message', 'spanId', 'subject']);
  });

  it('covers every code in the table', () => {
    const codes = new Set(RENDERED.map(([d]) => d.code));
    expect(codes).toEqual(new Set([...STRUCTURED_DIAGNOSTIC_CODES, ...TEXT_DIAGNOSTIC_CODES]));
  });
});

describe('runBundleSchema diagnostics', () => {
  it('accepts the structured members and refuses others, or members of the wrong type', () => {
    const b = sealBundle(foldRun(STRUCTURED_DIAGNOSTIC_RUNS.wrong_type));
    expect(runBundleSchema.safeParse(b).success).toBe(true);
    const withDiagnostic = (extra: Record<string, unknown>): unknown => ({
      ...b,
      diagnostics: [{ ...b.diagnostics[0]!, ...extra }],
    });
    expect(runBundleSchema.safeParse(withDiagnostic({ path: '/x' })).success).toBe(false);
    expect(runBundleSchema.safeParse(withDiagnostic({ expected: 'float' })).success).toBe(false);
    expect(runBundleSchema.safeParse(withDiagnostic({ count: -1 })).success).toBe(false);
    expect(runBundleSchema.safeParse(withDiagnostic({ parentSpanId: 'xyz' })).success).toBe(false);
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
        if (!STRUCTURED.has(d.code)) continue;
        const typed = readDiagnostic(d);
        expect(typed, JSON.stringify(d)).toBeDefined();
        expect(toBundleDiagnostic(typed!)).toEqual(d);
      }
    },
  );

  it('records spans_dropped, with the count and the cap, when a door cut the trace', () => {
    const whole = foldRun(sampleRun());
    const cut = sealBundle(foldRun(sampleRun(), { droppedSpans: { count: 1234, limit: 50000 } }));
    expect(whole.run.complete).toBe(true);
    expect(cut.run.complete).toBe(false);
    expect(runBundleSchema.safeParse(cut).success).toBe(true);
    const dropped = cut.diagnostics.filter((d) => d.code === 'spans_dropped');
    expect(dropped).toEqual([
      {
        code: 'spans_dropped',
        count: 1234,
        limit: 50000,
        message: '1234 spans of the trace were dropped at the cap of 50000 spans per trace',
        spanId: null,
        subject: null,
      },
    ]);
    expect(cut.diagnostics.map((d) => d.code)).toContain('folded_early');
    expect(readDiagnostic(dropped[0]!)).toEqual({
      code: 'spans_dropped',
      count: 1234,
      limit: 50000,
    });
    // Members that do not render the message are not read as the diagnostic.
    expect(readDiagnostic({ ...dropped[0]!, message: '1234 spans were dropped' })).toBeUndefined();
    expect(readDiagnostic({ ...dropped[0]!, limit: 10 })).toBeUndefined();
    // None dropped is no diagnostic at all: the bundle of a whole trace keeps its bytes.
    const none = sealBundle(foldRun(sampleRun(), { droppedSpans: { count: 0, limit: 50000 } }));
    expect(none.integrity.sha256).toBe(sealBundle(whole).integrity.sha256);
  });

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

  it('records only known codes, each structured one reading back from its members', () => {
    const known = new Set<string>([...TEXT_DIAGNOSTIC_CODES, ...STRUCTURED_DIAGNOSTIC_CODES]);
    const b = foldRun([...sampleRun(), ...Object.values(STRUCTURED_DIAGNOSTIC_RUNS).flat()]);
    expect(b.diagnostics.length).toBeGreaterThan(5);
    for (const d of b.diagnostics) {
      expect(known).toContain(d.code);
      if (STRUCTURED.has(d.code)) expect(toBundleDiagnostic(readDiagnostic(d)!)).toEqual(d);
      else expect(readDiagnostic(d)).toBeUndefined();
    }
  });
});
