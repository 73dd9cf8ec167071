import { describe, expect, it } from 'vitest';
import { contentPaths, redact, v3Bundle } from './fixtures/v3-bundle.js';
import { pageModule } from './helpers/page-modules.js';

const { readBundle } = await pageModule('view-model.ts');

type Json = Record<string, unknown>;

describe('readBundle (in the page)', () => {
  it('marks redacted content where it is shown, by the redactions list and index', () => {
    const full = v3Bundle();
    const events = full['events'] as Json[];
    const tool = events.findIndex((e) => e['type'] === 'tool_call');
    expect(tool).toBeGreaterThanOrEqual(0);
    const redacted = redact(full, [
      ...contentPaths(full).filter((p) => p !== '/model_io/2/output/content'),
      `/events/${tool}/arguments/content`,
    ]);
    const view = readBundle(redacted);
    // model_io[0] holds no content: not redacted, only not captured.
    expect(view.modelCalls.map((m) => [m.input.redacted, m.output.redacted])).toEqual([
      [false, false],
      [true, true],
      [true, false],
      [true, true],
    ]);
    expect(view.modelCalls[2]!.output.content).toEqual(expect.any(String));
    expect(view.toolCalls.map((t) => [t.arguments.redacted, t.result.redacted])).toEqual([
      [true, false],
    ]);
    expect(view.toolCalls[0]!.arguments.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(view.artifacts.map((a) => [a.redactedContent, a.redactedPatch])).toEqual([
      [true, false],
      [true, true],
      [false, false],
      [true, false],
    ]);
    expect(view.artifacts[1]!.patchSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('marks nothing in a bundle without redactions, or with a malformed list', () => {
    const full = v3Bundle();
    for (const value of [full, { ...full, redactions: 'all' }, { ...full, redactions: [1, {}] }]) {
      const view = readBundle(value);
      expect(view.modelCalls.some((m) => m.input.redacted || m.output.redacted)).toBe(false);
      expect(view.artifacts.some((a) => a.redactedContent || a.redactedPatch)).toBe(false);
    }
  });
});
