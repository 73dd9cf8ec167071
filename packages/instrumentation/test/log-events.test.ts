import { trace } from '@opentelemetry/api';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  EVENT_ARTIFACT,
  EVENT_GATE_REQUESTED,
  EVENT_GATE_RESOLVED,
  EVENT_MODEL_IO,
  EVENT_PREFIX,
  EVENT_WORKFLOW_SNAPSHOT,
} from '@llm-workbench/semconv';
import { describe, expect, it } from 'vitest';
import {
  Workbench,
  WorkbenchConfigError,
  type EventLogger,
  type WorkbenchOptions,
} from '../src/index.js';
import { captureDiag, harness, nanos } from './helpers.js';

const T0 = Date.UTC(2026, 10, 26, 10, 0, 0);

/** A small run with every workbench event, all at explicit times. */
function record(wb: Workbench): void {
  const run = wb.startRun({
    name: 'r',
    runId: 'run-1',
    startTime: T0,
    workflow: { id: 'w', revision: '1', definition: { nodes: [] } },
  });
  const step = run.startStep('draft', { kind: 'llm', startTime: T0 + 1 });
  step.recordModelIo({
    provider: 'openai',
    model: 'gpt-4o',
    inputTokens: 10,
    outputTokens: 5,
    durationMs: 7,
    time: T0 + 2,
  });
  step.recordArtifact({ key: 'a.md', content: 'hi', mediaType: 'text/markdown', time: T0 + 3 });
  step.requestGate({ gateId: 'g', time: T0 + 4 });
  step.resolveGate({ gateId: 'g', decision: 'approved', actor: 'ed', time: T0 + 5 });
  step.end(T0 + 6);
  run.end(T0 + 7);
}

function logHarness(options: Omit<WorkbenchOptions, 'tracer' | 'tracerProvider'> = {}) {
  const exporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  return { exporter, h: harness({ events: 'log', loggerProvider, ...options }) };
}

describe("Workbench's events option", () => {
  it('records every workbench event as a log record of its span, at the span event time', () => {
    const reference = harness();
    record(reference.wb);
    const { exporter, h } = logHarness();
    record(h.wb);

    for (const span of h.spans())
      expect(span.events.filter((e) => e.name.startsWith(EVENT_PREFIX))).toEqual([]);
    const logs = exporter.getFinishedLogRecords();
    expect(logs.map((l) => l.eventName)).toEqual([
      EVENT_WORKFLOW_SNAPSHOT,
      EVENT_MODEL_IO,
      EVENT_ARTIFACT,
      EVENT_GATE_REQUESTED,
      EVENT_GATE_RESOLVED,
    ]);
    const expected = reference.spans().flatMap((s) =>
      s.events.map((e) => ({
        spanName: s.name,
        name: e.name,
        time: nanos(e.time),
        attributes: e.attributes,
      })),
    );
    const got = logs.map((l) => {
      const span = h.spans().find((s) => s.spanContext().spanId === l.spanContext?.spanId);
      expect(l.spanContext?.traceId).toBe(span?.spanContext().traceId);
      expect(l.instrumentationScope.name).toBe('@llm-workbench/instrumentation');
      return {
        spanName: span?.name,
        name: l.eventName,
        time: nanos(l.hrTime),
        attributes: l.attributes,
      };
    });
    expect(got).toEqual(expect.arrayContaining(expected));
    expect(got).toHaveLength(expected.length);
  });

  it('refuses events: "log" without a logger or provider, and unknown modes, at construction', () => {
    const tracerProvider = trace.getTracerProvider();
    expect(() => new Workbench({ tracerProvider, events: 'log' })).toThrow(WorkbenchConfigError);
    expect(() => new Workbench({ tracerProvider, events: 'logs' as unknown as 'log' })).toThrow(
      /events must be "span" or "log", got "logs"/,
    );
  });

  it('never throws into user code when the logger throws, and says so through diag', () => {
    const logger: EventLogger = {
      emit: () => {
        throw new Error('boom');
      },
    };
    const diag = captureDiag();
    try {
      const h = harness({ events: 'log', logger });
      expect(() => record(h.wb)).not.toThrow();
      expect(h.spans()).toHaveLength(2);
      expect(diag.problems().join('\n')).toMatch(/emit\(\) threw/);
    } finally {
      diag.stop();
    }
  });
});
