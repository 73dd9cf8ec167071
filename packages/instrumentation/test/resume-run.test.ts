import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import * as sc from '@llm-workbench/semconv';
import { parseResumeToken, RESUME_TOKEN_TYPE } from '../src/index.js';
import { event, harness } from './helpers.js';

const workflow = { id: 'wf', revision: '3', definition: { nodes: [{ id: 'review' }], edges: [] } };

function captureDiag(): string[] {
  const lines: string[] = [];
  const push = (...args: unknown[]): void => void lines.push(args.map(String).join(' '));
  const logger: DiagLogger = {
    error: push,
    warn: push,
    info: push,
    debug: () => {},
    verbose: () => {},
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return lines;
}

afterEach(() => diag.disable());

describe('WorkbenchRun.suspend', () => {
  it('ends the run span as segment 1, suspended, and returns a token of the run', async () => {
    const h = harness();
    const run = h.wb.startRun({ name: 'newsletter', runId: 'run-7', workflow });
    await run.step('draft', (step) =>
      step.recordArtifact({ key: 'draft.md', content: '# v1\n', mediaType: 'text/markdown' }),
    );
    await run.step('review', { kind: 'human' }, (step) => step.requestGate({ gateId: 'review' }));
    const token = run.suspend();
    expect(run.ended).toBe(true);
    const span = h.span('run newsletter');
    expect(span.attributes[sc.ATTR_RUN_SEGMENT]).toBe(1);
    expect(span.attributes[sc.ATTR_RUN_SEGMENT_STATE]).toBe('suspended');
    const read = parseResumeToken(token);
    expect(read).toEqual({
      ok: true,
      token: {
        runId: 'run-7',
        name: 'newsletter',
        segment: 2,
        previous: { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId },
        openGates: ['review'],
        artifacts: [['draft.md', 1]],
        workflow: { id: 'wf', revision: '3' },
      },
    });
    expect(JSON.parse(token)).toMatchObject({ type: RESUME_TOKEN_TYPE, v: 1 });
    expect(token).not.toContain('# v1'); // no content in a token
  });

  it('leaves a run that is never suspended without segment attributes', () => {
    const h = harness();
    h.wb.startRun({ name: 'plain' }).end();
    const attrs = h.span('run plain').attributes;
    expect(attrs[sc.ATTR_RUN_SEGMENT]).toBeUndefined();
    expect(attrs[sc.ATTR_RUN_SEGMENT_STATE]).toBeUndefined();
  });

  it('returns an empty token and reports it when the run has ended', () => {
    const lines = captureDiag();
    const h = harness();
    const run = h.wb.startRun({ name: 'done' });
    run.end();
    expect(run.suspend()).toBe('');
    expect(lines.join('\n')).toContain('suspend_after_end');
  });

  it('keeps a token readable when huge artifact keys would make it too long', () => {
    const h = harness();
    const run = h.wb.startRun({ name: 'big' });
    run.requestGate({ gateId: 'review' });
    for (let i = 0; i < 3; i++) {
      run.recordArtifact({
        key: `${i}${'k'.repeat(600_000)}`,
        content: 'x',
        mediaType: 'text/plain',
      });
    }
    const read = parseResumeToken(run.suspend());
    expect(read.ok && read.token.artifacts).toEqual([]);
    expect(read.ok && read.token.openGates).toEqual(['review']);
  });

  it('lets wb.run end quietly around a run suspended inside it', async () => {
    const h = harness();
    let token = '';
    await h.wb.run({ name: 'cb' }, (run) => {
      token = run.suspend();
    });
    expect(parseResumeToken(token).ok).toBe(true);
    expect(h.span('run cb').attributes[sc.ATTR_RUN_SEGMENT_STATE]).toBe('suspended');
  });
});

describe('Workbench.resumeRun', () => {
  it('starts the next segment in a new trace, linked to the previous run span', async () => {
    const first = harness();
    const run1 = first.wb.startRun({ name: 'newsletter', runId: 'run-8', workflow });
    await run1.step('review', (step) => step.requestGate({ gateId: 'review' }));
    const token = run1.suspend();
    const seg1 = first.span('run newsletter').spanContext();

    // Another process: another provider, another workbench.
    const second = harness();
    const run2 = second.wb.resumeRun(token);
    expect(run2.segment).toBe(2);
    expect(run2.runId).toBe('run-8');
    expect(run2.openGates).toEqual(['review']);
    const ref = await run2.step('review', (step) => {
      step.resolveGate({ gateId: 'review', decision: 'approved', actor: 'ed@example.com' });
      return step.recordArtifact({ key: 'draft.md', content: 'x', mediaType: 'text/plain' });
    });
    expect(run2.openGates).toEqual([]);
    const token2 = run2.suspend();

    const third = harness();
    const run3 = third.wb.resumeRun(token2);
    expect(run3.segment).toBe(3);
    run3.end();

    const span2 = second.span('run newsletter');
    expect(span2.spanContext().traceId).not.toBe(seg1.traceId);
    expect(span2.parentSpanContext).toBeUndefined();
    expect(span2.attributes).toMatchObject({
      [sc.ATTR_RUN_ID]: 'run-8',
      [sc.ATTR_RUN_NAME]: 'newsletter',
      [sc.ATTR_RUN_SEGMENT]: 2,
      [sc.ATTR_RUN_SEGMENT_STATE]: 'suspended',
    });
    expect(span2.links).toEqual([
      expect.objectContaining({
        context: expect.objectContaining({ traceId: seg1.traceId, spanId: seg1.spanId }),
        attributes: { [sc.ATTR_LINK_KIND]: sc.LINK_KIND_PREVIOUS_SEGMENT },
      }),
    ]);
    // No second workflow snapshot: segment 1 carries it.
    expect(span2.events.map((e) => e.name)).not.toContain(sc.EVENT_WORKFLOW_SNAPSHOT);
    expect(ref?.version).toBe(1 + 0); // 'draft.md' had no version in segment 1 of this run
    const span3 = third.span('run newsletter');
    expect(span3.attributes[sc.ATTR_RUN_SEGMENT]).toBe(3);
    expect(span3.attributes[sc.ATTR_RUN_SEGMENT_STATE]).toBe('ended');
    expect(span3.links[0]?.context.spanId).toBe(span2.spanContext().spanId);
  });

  it('continues artifact versions across segments', async () => {
    const a = harness();
    const run1 = a.wb.startRun({ name: 'n' });
    run1.recordArtifact({ key: 'draft.md', content: 'v1', mediaType: 'text/plain' });
    run1.recordArtifact({ key: 'draft.md', content: 'v2', mediaType: 'text/plain' });
    const b = harness();
    const run2 = b.wb.resumeRun(run1.suspend());
    const ref = run2.recordArtifact({ key: 'draft.md', content: 'v3', mediaType: 'text/plain' });
    run2.end();
    expect(ref?.version).toBe(3);
    const e = event(b.span('run n'), sc.EVENT_ARTIFACT);
    expect(e.attributes?.[sc.ATTR_ARTIFACT_VERSION]).toBe(3);
    expect(e.attributes?.[sc.ATTR_ARTIFACT_PARENT_VERSION]).toBe(2);
  });

  it('is a root span even when resumed inside another active span', async () => {
    const h = harness();
    const token = h.wb.startRun({ name: 'outer-run' }).suspend();
    await h.wb.run({ name: 'host' }, () => {
      h.wb.resumeRun(token).end();
    });
    const resumed = h.spans().filter((s) => s.name === 'run outer-run')[1]!;
    expect(resumed.parentSpanContext).toBeUndefined();
    expect(resumed.spanContext().traceId).not.toBe(h.span('run host').spanContext().traceId);
  });

  it('starts a fresh run that says so for a token it cannot read, and never throws', () => {
    const lines = captureDiag();
    const h = harness();
    for (const bad of [
      '',
      'not json',
      '{}',
      '[]',
      '{"type":"llm-workbench.resume","v":9}',
      'x'.repeat(2_000_000),
    ]) {
      const run = h.wb.resumeRun(bad);
      expect(run.segment).toBe(1);
      run.end();
    }
    const run = h.wb.resumeRun(null as unknown as string);
    run.end();
    expect(lines.join('\n')).toContain('bad_resume_token');
    const fresh = h.spans()[0]!;
    expect(fresh.events[0]).toMatchObject({
      name: 'exception',
      attributes: { 'exception.type': 'WorkbenchResumeError' },
    });
    expect(fresh.attributes[sc.ATTR_RUN_SEGMENT]).toBeUndefined();
  });

  it('refuses tokens with bad members, each with its reason', () => {
    const good = JSON.parse(harness().wb.startRun({ name: 'n' }).suspend()) as Record<
      string,
      unknown
    >;
    const bad = (patch: Record<string, unknown>): string => {
      const read = parseResumeToken(JSON.stringify({ ...good, ...patch }));
      return read.ok ? 'ok' : read.reason;
    };
    expect(bad({})).toBe('ok');
    expect(bad({ segment: 1 })).toMatch(/segment/);
    expect(bad({ previous: { traceId: 'x', spanId: 'y' } })).toMatch(/previous/);
    expect(bad({ openGates: [1] })).toMatch(/openGates/);
    expect(bad({ artifacts: [['k', 0]] })).toMatch(/artifacts/);
    expect(bad({ workflow: 3 })).toMatch(/workflow/);
    expect(bad({ runId: '' })).toMatch(/runId/);
    const proto = parseResumeToken(JSON.stringify({ ...good, artifacts: [['__proto__', 2]] }));
    expect(proto.ok && proto.token.artifacts).toEqual([['__proto__', 2]]);
  });
});
