import { diag, DiagLogLevel, trace, type Span, type Tracer } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { Workbench, type WorkbenchScope } from '../src/index.js';
import { captureDiag, harness } from './helpers.js';

/** Calls every recording method of a scope with input a type-checked caller could not pass. */
function abuse(scope: WorkbenchScope): void {
  const bad = (value: unknown) => value as never;
  scope.requestGate(bad(null));
  scope.requestGate(bad(undefined));
  scope.requestGate(bad({ gateId: 7, subject: 'draft.md', time: 'yesterday' }));
  scope.resolveGate(bad(null));
  scope.resolveGate(bad({ gateId: 'g', decision: 42, actor: {}, time: [1] }));
  scope.recordModelIo(bad(null));
  scope.recordModelIo(bad({ provider: 1, inputTokens: '12', cost: 5, input: 12, output: {} }));
  scope.recordArtifact(bad(null));
  scope.recordArtifact(bad({ key: 1, content: 2, mediaType: 3 }));
  scope.recordArtifact(bad({ key: 'k', content: 'x', mediaType: 'text/plain', parentVersion: -2 }));
  scope.recordArtifact(bad({ key: 'k', content: 'x', mediaType: 'text/plain', parentVersion: 9 }));
  scope.recordArtifact(bad({ key: 'k', content: 'x', mediaType: 'text/plain', time: 'soon' }));
  scope.startStep(bad(null), bad(5)).end();
  scope.startStep(bad(undefined), bad(null)).fail(Object.create(null));
}

describe('never throws into user code', () => {
  it('on an Error whose message, name and stack getters throw, still marking the span failed', async () => {
    const h = harness();
    const diagnostics = captureDiag();
    const hostile = (): Error => {
      const e = new Error('x');
      for (const key of ['stack', 'name', 'message']) {
        Object.defineProperty(e, key, {
          get() {
            throw new Error(`${key} getter`);
          },
        });
      }
      return e;
    };
    const proxy = new Proxy(new Error('p'), {
      get() {
        throw new Error('get trap');
      },
      getPrototypeOf() {
        throw new Error('prototype trap');
      },
    });
    try {
      const run = h.wb.startRun({ name: 'r' });
      expect(() => run.startStep('s').fail(hostile())).not.toThrow();
      expect(() => run.startStep('p').fail(proxy)).not.toThrow();
      expect(() => run.fail(hostile())).not.toThrow();
      const thrown = hostile();
      await expect(
        h.wb.run({ name: 'r2' }, () => {
          throw thrown;
        }),
      ).rejects.toBe(thrown);
      for (const name of ['step s', 'step p', 'run r', 'run r2']) {
        expect(h.span(name).status.code).toBe(2); // SpanStatusCode.ERROR
        expect(h.span(name).ended).toBe(true);
      }
      expect(h.span('step s').status.message).toBe('[message that cannot be read]');
      expect(h.span('step s').events.map((e) => e.name)).toEqual(['exception']);
      expect(diagnostics.messages.some((m) => m.message.includes('internal_error'))).toBe(false);
    } finally {
      diagnostics.stop();
    }
  });

  it('on bad input to every method, recording what is valid', async () => {
    const h = harness();
    const diagnostics = captureDiag();
    try {
      await h.wb.run({ name: 'r' }, async (run) => {
        abuse(run);
        await run.step('s', (step) => abuse(step));
      });
      expect(h.span('run r').ended).toBe(true);
      expect(diagnostics.problems().length).toBeGreaterThan(0);
      expect(diagnostics.messages.some((m) => m.message.includes('internal_error'))).toBe(false);
    } finally {
      diagnostics.stop();
    }
  });

  it('on bad startRun options', async () => {
    const h = harness();
    const run = h.wb.startRun({
      name: 5,
      runId: '',
      workflow: { id: null, revision: undefined, definition: 'not an object' },
      attributes: 'nope',
    } as never);
    expect(run.runId).toMatch(/^run-/);
    run.end();
    expect(h.spans()).toHaveLength(1);
    expect(Object.keys(h.span('run run').attributes).sort()).toEqual([
      'workbench.run.id',
      'workbench.run.name',
    ]);
    await expect(h.wb.run(null as never, () => 1)).resolves.toBe(1);
  });

  it('after the span ended', () => {
    const h = harness();
    const run = h.wb.startRun({ name: 'r' });
    const step = run.startStep('s');
    step.end();
    run.end();
    for (const scope of [run, step]) {
      scope.requestGate({ gateId: 'g' });
      scope.resolveGate({ gateId: 'g', decision: 'approved', actor: 'a' });
      scope.recordModelIo({
        provider: 'p',
        model: 'm',
        inputTokens: 1,
        outputTokens: 1,
        durationMs: 1,
      });
      expect(
        scope.recordArtifact({ key: 'k', content: 'x', mediaType: 'text/plain' }),
      ).toBeUndefined();
      scope.end();
      scope.fail(new Error('late'));
    }
    expect(h.spans().every((s) => s.events.length === 0)).toBe(true);
  });

  it('with a non-recording tracer (no provider registered)', async () => {
    const wb = new Workbench();
    const result = await wb.run(
      { name: 'r', workflow: { id: 'w', revision: '1', definition: {} } },
      (run) => {
        abuse(run);
        return run.step('s', (step) => {
          step.recordModelIo({
            provider: 'p',
            model: 'm',
            inputTokens: 1,
            outputTokens: 1,
            durationMs: 1,
            input: 'x',
          });
          return step.recordArtifact({ key: 'k', content: 'x', mediaType: 'text/plain' });
        });
      },
    );
    // abuse() recorded three valid versions of "k" first.
    expect(result?.version).toBe(4);
  });

  it('with a tracer that throws, or hands out spans that throw', async () => {
    const throwing = (): never => {
      throw new Error('broken SDK');
    };
    const brokenSpan = new Proxy({} as Span, { get: () => throwing });
    const tracers: Tracer[] = [
      { startSpan: throwing, startActiveSpan: throwing },
      { startSpan: () => brokenSpan, startActiveSpan: throwing },
    ];
    const diagnostics = captureDiag();
    try {
      for (const tracer of tracers) {
        const wb = new Workbench({ tracer });
        const value = await wb.run(
          { name: 'r', workflow: { id: 'w', revision: '1', definition: {} } },
          (run) => {
            abuse(run);
            run.startStep('s').end();
            expect(typeof run.traceId).toBe('string');
            return 'ok';
          },
        );
        expect(value).toBe('ok');
        // Suspend and resume on a broken SDK: tokens are strings, nothing is thrown.
        expect(typeof wb.startRun({ name: 's' }).suspend()).toBe('string');
        const token = harness().wb.startRun({ name: 't' }).suspend();
        const resumed = wb.resumeRun(token);
        resumed.requestGate({ gateId: 'g' });
        expect(typeof resumed.suspend()).toBe('string');
        expect(() => wb.resumeRun(token).end()).not.toThrow();
        await expect(wb.resume(token, () => 'resumed')).resolves.toBe('resumed');
        const user = new Error('mine');
        await expect(
          wb.run({ name: 'r' }, () => {
            throw user;
          }),
        ).rejects.toBe(user);
      }
      expect(diagnostics.problems().join('\n')).toContain('broken SDK');
    } finally {
      diagnostics.stop();
    }
  });

  it('with a diag logger that throws', () => {
    let armed = false;
    const throwing = () => {
      if (armed) throw new Error('logger down');
    };
    diag.setLogger(
      { error: throwing, warn: throwing, info: throwing, debug: throwing, verbose: throwing },
      DiagLogLevel.ALL,
    );
    armed = true;
    try {
      const h = harness();
      const run = h.wb.startRun({ name: 'r' });
      abuse(run);
      run.end();
      expect(h.span('run r').ended).toBe(true);
    } finally {
      armed = false;
      diag.disable();
    }
  });

  it('leaves the global tracer provider untouched', () => {
    expect(trace.getTracerProvider().getTracer('x').startSpan('y').isRecording()).toBe(false);
  });
});
