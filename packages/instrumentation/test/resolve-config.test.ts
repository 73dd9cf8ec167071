import { describe, expect, it } from 'vitest';
import { Workbench, WorkbenchConfigError, type WorkbenchOptions } from '../src/index.js';

describe('Workbench configuration', () => {
  it.each<[string, unknown, string]>([
    ['captureContent', 'yes', '"yes"'],
    ['inlineArtifactContent', 1, '1'],
    ['artifactDiffMaxBytes', -1, '-1'],
    ['artifactCacheMaxBytes', 1.5, '1.5'],
    ['generateRunId', 'run-1', '"run-1"'],
    ['tracer', {}, '{}'],
    ['tracerProvider', { getTracer: 1 }, '{"getTracer":1}'],
  ])('fails at construction on an invalid %s, quoting it', (option, value, quoted) => {
    let error: unknown;
    try {
      new Workbench({ [option]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(WorkbenchConfigError);
    expect((error as WorkbenchConfigError).option).toBe(option);
    expect((error as WorkbenchConfigError).message).toContain(quoted);
    expect((error as WorkbenchConfigError).name).toBe('WorkbenchConfigError');
  });

  it('treats options set to undefined as unset', () => {
    const wb = new Workbench({ captureContent: undefined } as unknown as WorkbenchOptions);
    expect(wb.captureContent).toBe(false);
  });

  it('rejects options that are not an object', () => {
    expect(() => new Workbench(null as unknown as WorkbenchOptions)).toThrow(WorkbenchConfigError);
  });
});
