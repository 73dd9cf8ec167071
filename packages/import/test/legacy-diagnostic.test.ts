import { describe, expect, it } from 'vitest';
import {
  foldRun,
  readDiagnostic,
  sealBundle,
  type BundleDiagnostic,
  type RunBundle,
} from '@llm-workbench/bundle';
import { decodeOtlpJson, encodeOtlpJson } from '@llm-workbench/otlp';
import { STRUCTURED_DIAGNOSTIC_RUNS } from '../../bundle/test/diagnostic-fixtures.js';
import { spanRecordsFromBundle } from '../src/index.js';
import { legacyDiagnostic } from '../src/legacy-diagnostic.js';
import { randomRun } from './fixtures.js';

/** A diagnostic as a bundle written before version 3 gained structured members holds it. */
function withoutMembers(d: BundleDiagnostic): BundleDiagnostic {
  return { code: d.code, message: d.message, spanId: d.spanId, subject: d.subject };
}

/** The bundle as it was written before diagnostics kept their fields: messages alone. */
function asWrittenBefore(b: RunBundle): RunBundle {
  const { integrity: _, ...unsealed } = b;
  return sealBundle({ ...unsealed, diagnostics: b.diagnostics.map(withoutMembers) });
}

function replay(b: RunBundle): RunBundle {
  const r = decodeOtlpJson(JSON.stringify(encodeOtlpJson(spanRecordsFromBundle(b))));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return sealBundle(foldRun(r.spans));
}

const RUNS = [
  ...Object.entries(STRUCTURED_DIAGNOSTIC_RUNS),
  ...Array.from({ length: 120 }, (_, i) => [`random ${i + 1}`, randomRun(i + 1)] as const),
];

describe('legacyDiagnostic', () => {
  it('reads from the message alone what the structured members hold', () => {
    let structured = 0;
    for (const [, spans] of RUNS) {
      for (const d of foldRun(spans).diagnostics) {
        if (Object.keys(d).length > 4) structured++;
        expect(legacyDiagnostic(withoutMembers(d)), d.message).toEqual(readDiagnostic(d));
      }
    }
    expect(structured).toBeGreaterThan(20);
  });

  it('reads an event name that holds the words of a message whole', () => {
    const event = 'x on event y should be a string, got number';
    const d = {
      code: 'wrong_type',
      message: `k on event ${event} should be an integer, got string`,
      spanId: 'a1b2c3d4e5f60718',
      subject: 'k',
    };
    expect(legacyDiagnostic(d)).toMatchObject({ event, expected: 'integer', got: 'string' });
  });

  it('gives undefined for a message it cannot read, never a wrong diagnostic', () => {
    const d = { code: 'wrong_type', message: 'k is odd', spanId: 'a1b2c3d4e5f60718', subject: 'k' };
    expect(legacyDiagnostic(d)).toBeUndefined();
  });
});

describe('spanRecordsFromBundle with diagnostics', () => {
  it.each(Object.entries(STRUCTURED_DIAGNOSTIC_RUNS))(
    'replays a bundle carrying %s to the same hash',
    (_, spans) => {
      const original = sealBundle(foldRun(spans));
      expect(replay(original)).toEqual(original);
    },
  );

  it('replays a bundle written before diagnostics kept their fields as the fold writes it now', () => {
    for (const [name, spans] of RUNS) {
      const now = sealBundle(foldRun(spans));
      const before = asWrittenBefore(now);
      expect(replay(before).integrity.sha256, name).toBe(now.integrity.sha256);
    }
  });
});
