import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import {
  foldRun,
  redactBundle,
  runBundleSchema,
  sealBundle,
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
  });

  it('accepts what the fold seals and what redaction makes of it', () => {
    const sealed = sealBundle(foldRun(contentRun()));
    expect(runBundleSchema.safeParse(sealed).success).toBe(true);
    expect(runBundleSchema.safeParse(redactBundle(sealed)).success).toBe(true);
  });
});
