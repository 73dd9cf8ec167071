import { describe, expect, it } from 'vitest';
import * as sc from '@llm-workbench/semconv';
import {
  cutUtf8,
  foldRun,
  sealBundle,
  serializeBundle,
  utf8Length,
  type AttributeValue,
  type SpanRecord,
} from '../src/index.js';
import { attrs, ev, span } from './fixtures.js';

const MB = 'é'.repeat(512 * 1024); // 1 MiB of UTF-8, two bytes a character

/** What Tempo keeps of a string attribute: its first 2048 bytes. */
function asTempo(v: string): string {
  return Buffer.from(v, 'utf8').subarray(0, 2048).toString('utf8');
}

function run(long: (v: string) => string): SpanRecord[] {
  const s = (v: string): AttributeValue => long(v);
  return [
    span({
      spanId: '1000000000000001',
      name: 'run',
      attributes: attrs({ [sc.ATTR_RUN_ID]: s(`r${MB}`), [sc.ATTR_RUN_NAME]: s(`n${MB}`) }),
    }),
    span({
      spanId: '2000000000000002',
      parentSpanId: '1000000000000001',
      name: `step ${MB}`,
      attributes: attrs({ [sc.ATTR_STEP_ID]: s(`s${MB}`) }),
      events: [
        ev(`odd ${MB}`, 0n, {}),
        ...Array.from({ length: 8 }, (_, i) =>
          ev(sc.EVENT_GATE_RESOLVED, BigInt(i) * 1000n, {
            [sc.ATTR_GATE_ID]: s(`g${i}${MB}`),
            [sc.ATTR_GATE_DECISION]: 'approved',
            [sc.ATTR_GATE_ACTOR]: s(`a${MB}`),
            [sc.ATTR_GATE_REASON]: s(`why ${MB}`),
          }),
        ),
      ],
    }),
  ];
}

describe('identifier limits', () => {
  it('cuts run, step, gate and artifact identifiers, and flags each', () => {
    const b = sealBundle(foldRun(run((v) => v)));
    const text = serializeBundle(b);
    expect(text.length).toBeLessThan(64 * 1024);
    expect(utf8Length(b.run.runId!)).toBeLessThanOrEqual(sc.IDENTIFIER_LIMIT_BYTES);
    expect(utf8Length(b.run.name)).toBeLessThanOrEqual(sc.INLINE_LIMIT_BYTES);
    expect(b.steps[0]!.stepId).toBe(cutUtf8(`s${MB}`, sc.IDENTIFIER_LIMIT_BYTES));
    expect(utf8Length(b.steps[0]!.name)).toBeLessThanOrEqual(sc.INLINE_LIMIT_BYTES);
    const gate = b.events.find((e) => e.type === 'human_gate_resolved');
    expect(gate).toMatchObject({
      actor: cutUtf8(`a${MB}`, sc.IDENTIFIER_LIMIT_BYTES),
      reason: cutUtf8(`why ${MB}`, sc.INLINE_LIMIT_BYTES),
      stepId: b.steps[0]!.stepId,
    });
    const flagged = b.diagnostics
      .filter((d) => d.code === 'identifier_truncated')
      .map((d) => d.subject)
      .sort();
    expect(flagged).toEqual(
      [
        sc.ATTR_GATE_ACTOR,
        sc.ATTR_GATE_ID,
        sc.ATTR_GATE_REASON,
        sc.ATTR_RUN_ID,
        sc.ATTR_RUN_NAME,
        sc.ATTR_STEP_ID,
        'event.name',
        'span.name',
      ].sort(),
    );
    expect(b.diagnostics.find((d) => d.subject === sc.ATTR_GATE_ACTOR)).toEqual({
      code: 'identifier_truncated',
      message: `${sc.ATTR_GATE_ACTOR} on event ${sc.EVENT_GATE_RESOLVED} is longer than 256 bytes; its first 256 bytes are kept`,
      spanId: '2000000000000002',
      subject: sc.ATTR_GATE_ACTOR,
      event: sc.EVENT_GATE_RESOLVED,
    });
  });

  it('gives the same bytes for values Tempo truncated at 2048 bytes as for the whole values', () => {
    expect(serializeBundle(sealBundle(foldRun(run(asTempo))))).toBe(
      serializeBundle(sealBundle(foldRun(run((v) => v)))),
    );
  });

  it('never cuts inside a character', () => {
    expect(cutUtf8('aé', 2)).toBe('a');
    expect(cutUtf8('a😀b', 4)).toBe('a');
    expect(cutUtf8('a😀b', 5)).toBe('a😀');
    expect(cutUtf8('short', 256)).toBe('short');
  });

  it('flags an event time a bundle cannot write, instead of a silent null', () => {
    const b = foldRun([
      span({
        spanId: '1000000000000001',
        attributes: attrs({ [sc.ATTR_RUN_ID]: 'r1' }),
        events: [{ name: 'later', timeUnixNano: 10n ** 30n, attributes: attrs({}) }],
      }),
    ]);
    expect(b.events.find((e) => e.type === 'unknown')?.time).toBeNull();
    expect(b.diagnostics).toContainEqual({
      code: 'time_out_of_range',
      message:
        'the event time lies outside years 0001-9999, which a bundle time cannot write; kept as null',
      spanId: '1000000000000001',
      subject: 'later',
    });
  });
});
