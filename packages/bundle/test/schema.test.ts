import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import {
  foldRun,
  redactBundle,
  runBundleSchema,
  sealBundle,
  type GateSubject,
  type Redaction,
  type RunBundle,
} from '../src/index.js';
import { contentRun } from './fixtures.js';

describe('runBundleSchema', () => {
  it('describes the RunBundle type, member for member (checked by tsc)', () => {
    type Parsed = z.infer<typeof runBundleSchema>;
    expectTypeOf<RunBundle>().toExtend<Parsed>();
    expectTypeOf<Parsed['schemaVersion']>().toEqualTypeOf<RunBundle['schemaVersion']>();
    expectTypeOf<Parsed['artifacts'][number]>().toEqualTypeOf<RunBundle['artifacts'][number]>();
    expectTypeOf<NonNullable<Parsed['redactions']>>().toEqualTypeOf<Redaction[]>();
    type ParsedGate = Extract<Parsed['events'][number], { type: 'human_gate_requested' }>;
    expectTypeOf<NonNullable<ParsedGate['subject']>['tool']>().toEqualTypeOf<
      GateSubject['tool'] | undefined
    >();
  });

  it('accepts what the fold seals and what redaction makes of it', () => {
    const sealed = sealBundle(foldRun(contentRun()));
    expect(runBundleSchema.safeParse(sealed).success).toBe(true);
    expect(runBundleSchema.safeParse(redactBundle(sealed)).success).toBe(true);
  });
});
