import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  ATTR_RUN_ID,
  ATTR_RUN_NAME,
  ATTR_STEP_ID,
  ATTR_STEP_KIND,
  ATTR_WORKFLOW_DEFINITION,
  ATTR_WORKFLOW_DEFINITION_SHA256,
  ATTR_WORKFLOW_ID,
  ATTR_WORKFLOW_REVISION,
  EVENT_WORKFLOW_SNAPSHOT,
} from '@llm-workbench/semconv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION, Workbench } from '../src/index.js';
import { captureDiag, event, harness } from './helpers.js';

const workflow = {
  id: 'newsletter',
  revision: '2026-11-20.3',
  definition: {
    nodes: [{ id: 'draft' }, { id: 'review' }],
    edges: [{ from: 'draft', to: 'review' }],
  },
};

describe('Workbench', () => {
  describe('run()', () => {
    it('records the run span with its id, name and workflow snapshot', async () => {
      const h = harness();
      await h.wb.run({ runId: 'run-1', name: 'newsletter', workflow }, () => undefined);
      const run = h.span('run newsletter');
      expect(run.attributes[ATTR_RUN_ID]).toBe('run-1');
      expect(run.attributes[ATTR_RUN_NAME]).toBe('newsletter');
      expect(run.parentSpanContext).toBeUndefined();
      const snapshot = event(run, EVENT_WORKFLOW_SNAPSHOT);
      expect(snapshot.attributes?.[ATTR_WORKFLOW_ID]).toBe('newsletter');
      expect(snapshot.attributes?.[ATTR_WORKFLOW_REVISION]).toBe('2026-11-20.3');
      expect(snapshot.attributes?.[ATTR_WORKFLOW_DEFINITION]).toBe(
        JSON.stringify(workflow.definition),
      );
      expect(snapshot.attributes?.[ATTR_WORKFLOW_DEFINITION_SHA256]).toMatch(/^[0-9a-f]{64}$/);
    });

    it('records no snapshot event when no workflow is given', async () => {
      const h = harness();
      await h.wb.run({ name: 'adhoc' }, () => undefined);
      expect(h.span('run adhoc').events).toEqual([]);
    });

    it('resolves to what the callback returned, sync or async', async () => {
      const h = harness();
      await expect(h.wb.run({ name: 'a' }, () => 42)).resolves.toBe(42);
      await expect(h.wb.run({ name: 'b' }, async () => 'x')).resolves.toBe('x');
    });

    it('generates a readable, unique run id when none is given', async () => {
      const h = harness();
      const ids = new Set<string>();
      for (let i = 0; i < 50; i++) await h.wb.run({ name: 'r' }, (run) => ids.add(run.runId));
      expect(ids.size).toBe(50);
      for (const id of ids) expect(id).toMatch(/^run-\d{8}-\d{6}-[0-9a-f]{12}$/);
      expect(h.spans().map((s) => s.attributes[ATTR_RUN_ID])).toEqual([...ids]);
    });

    it('uses generateRunId when given', async () => {
      const h = harness({ generateRunId: () => 'fixed-id' });
      const id = await h.wb.run({ name: 'r' }, (run) => run.runId);
      expect(id).toBe('fixed-id');
      expect(h.span('run r').attributes[ATTR_RUN_ID]).toBe('fixed-id');
    });

    it('rethrows the callback error unchanged, with status error and an exception event', async () => {
      const h = harness();
      const boom = new Error('model exploded');
      await expect(
        h.wb.run({ name: 'failing' }, async () => {
          await Promise.resolve();
          throw boom;
        }),
      ).rejects.toBe(boom);
      const run = h.span('run failing');
      expect(run.status).toEqual({ code: SpanStatusCode.ERROR, message: 'model exploded' });
      const exception = event(run, 'exception');
      expect(exception.attributes?.['exception.message']).toBe('model exploded');
      expect(run.ended).toBe(true);
    });

    it('rethrows non-Error throws too, and records them', async () => {
      const h = harness();
      const thrown = { code: 42 };
      await expect(
        h.wb.run({ name: 'odd' }, () => {
          throw thrown; // eslint-disable-line @typescript-eslint/only-throw-error
        }),
      ).rejects.toBe(thrown);
      expect(h.span('run odd').status.code).toBe(SpanStatusCode.ERROR);
    });
  });

  describe('startRun()', () => {
    it('records the same run in explicit style, ended by end()', async () => {
      const h = harness();
      const run = h.wb.startRun({ runId: 'run-2', name: 'explicit', workflow });
      const step = run.startStep('draft', { kind: 'llm' });
      step.end();
      expect(h.spans().map((s) => s.name)).toEqual(['step draft']);
      run.end();
      run.end();
      expect(h.spans().map((s) => s.name)).toEqual(['step draft', 'run explicit']);
      expect(run.ended).toBe(true);
      expect(run.traceId).toBe(h.span('run explicit').spanContext().traceId);
      await h.provider.shutdown();
    });

    it('fail() records the error and ends the run', () => {
      const h = harness();
      const run = h.wb.startRun({ name: 'explicit' });
      run.fail(new Error('no budget'));
      run.fail(new Error('again'));
      const span = h.span('run explicit');
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no budget' });
      expect(span.events.filter((e) => e.name === 'exception')).toHaveLength(1);
    });
  });

  describe('steps', () => {
    it('are child spans named "step {stepId}" with id and kind', async () => {
      const h = harness();
      await h.wb.run({ name: 'r' }, async (run) => {
        await run.step('plan', { kind: 'llm' }, () => undefined);
        await run.step('publish', async () => Promise.resolve());
      });
      const run = h.span('run r');
      const plan = h.span('step plan');
      const publish = h.span('step publish');
      expect(plan.attributes).toEqual({ [ATTR_STEP_ID]: 'plan', [ATTR_STEP_KIND]: 'llm' });
      expect(publish.attributes).toEqual({ [ATTR_STEP_ID]: 'publish' });
      for (const step of [plan, publish]) {
        expect(step.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
        expect(step.spanContext().traceId).toBe(run.spanContext().traceId);
      }
    });

    it('nest: a step started from a step is its child', async () => {
      const h = harness();
      await h.wb.run({ name: 'r' }, (run) =>
        run.step('outer', (outer) => outer.step('inner', { kind: 'tool' }, () => undefined)),
      );
      expect(h.span('step inner').parentSpanContext?.spanId).toBe(
        h.span('step outer').spanContext().spanId,
      );
    });

    it('rethrow the callback error with the step span marked error', async () => {
      const h = harness();
      const boom = new TypeError('bad tool input');
      await expect(
        h.wb.run({ name: 'r' }, (run) =>
          run.step('tool', { kind: 'tool' }, () => {
            throw boom;
          }),
        ),
      ).rejects.toBe(boom);
      expect(h.span('step tool').status.code).toBe(SpanStatusCode.ERROR);
      expect(h.span('run r').status.code).toBe(SpanStatusCode.ERROR);
    });

    it('merge extra attributes under the workbench ones', () => {
      const h = harness();
      const run = h.wb.startRun({
        name: 'r',
        attributes: { 'app.tenant': 't1', [ATTR_RUN_ID]: 'x' },
      });
      run.startStep('s', { attributes: { 'app.k': 1, [ATTR_STEP_ID]: 'spoofed' } }).end();
      run.end();
      expect(h.span('step s').attributes).toEqual({ 'app.k': 1, [ATTR_STEP_ID]: 's' });
      expect(h.span('run r').attributes[ATTR_RUN_ID]).toBe(run.runId);
      expect(h.span('run r').attributes['app.tenant']).toBe('t1');
    });
  });

  describe('context propagation', () => {
    const manager = new AsyncLocalStorageContextManager();
    beforeEach(() => {
      context.setGlobalContextManager(manager.enable());
    });
    afterEach(() => {
      manager.disable();
      context.disable();
    });

    it('makes spans started inside run and step callbacks their children, across awaits', async () => {
      const h = harness();
      const tracer = h.provider.getTracer('app');
      await h.wb.run({ name: 'r' }, async (run) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        tracer.startSpan('in run').end();
        await run.step('s', async () => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          tracer.startSpan('in step').end();
        });
      });
      expect(h.span('in run').parentSpanContext?.spanId).toBe(h.span('run r').spanContext().spanId);
      expect(h.span('in step').parentSpanContext?.spanId).toBe(
        h.span('step s').spanContext().spanId,
      );
    });

    it('starts a run as a child of the active span, when there is one', () => {
      const h = harness();
      const tracer = h.provider.getTracer('app');
      const outer = tracer.startSpan('http request');
      const run = context.with(trace.setSpan(context.active(), outer), () =>
        h.wb.startRun({ name: 'nested' }),
      );
      run.end();
      outer.end();
      expect(h.span('run nested').parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    });

    it('runs the modelCall function with the step span active', async () => {
      const h = harness();
      const tracer = h.provider.getTracer('app');
      const run = h.wb.startRun({ name: 'r' });
      const step = run.startStep('s');
      await step.modelCall({ provider: 'p', model: 'm' }, () => {
        tracer.startSpan('http').end();
        return { inputTokens: 1, outputTokens: 1 };
      });
      step.end();
      run.end();
      expect(h.span('http').parentSpanContext?.spanId).toBe(h.span('step s').spanContext().spanId);
    });
  });

  describe('configuration', () => {
    it('gets its tracer from the provider under the package name and version', () => {
      const h = harness();
      h.wb.startRun({ name: 'r' }).end();
      expect(h.span('run r').instrumentationScope).toEqual({
        name: INSTRUMENTATION_NAME,
        version: INSTRUMENTATION_VERSION,
        schemaUrl: undefined,
      });
    });

    it('uses the global provider when given none', () => {
      const h = harness();
      trace.setGlobalTracerProvider(h.provider);
      try {
        new Workbench().startRun({ name: 'global' }).end();
        expect(h.span('run global')).toBeDefined();
      } finally {
        trace.disable();
      }
    });

    it('reports nothing when used correctly', async () => {
      const diag = captureDiag();
      try {
        const h = harness();
        await h.wb.run({ name: 'r', workflow }, (run) => run.step('s', () => undefined));
        expect(diag.problems()).toEqual([]);
      } finally {
        diag.stop();
      }
    });
  });
});
