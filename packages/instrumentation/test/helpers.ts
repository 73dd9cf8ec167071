import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type TimedEvent,
} from '@opentelemetry/sdk-trace-base';
import { Workbench, type WorkbenchOptions } from '../src/index.js';

/** A real SDK pipeline in memory, and a workbench recording on it. */
export interface Harness {
  readonly wb: Workbench;
  readonly provider: BasicTracerProvider;
  readonly exporter: InMemorySpanExporter;
  /** Finished spans, in end order. */
  spans(): ReadableSpan[];
  /** The finished span with this name; fails when there is not exactly one. */
  span(name: string): ReadableSpan;
}

export function harness(
  options: Omit<WorkbenchOptions, 'tracer' | 'tracerProvider'> = {},
): Harness {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const wb = new Workbench({ ...options, tracerProvider: provider });
  return {
    wb,
    provider,
    exporter,
    spans: () => exporter.getFinishedSpans(),
    span(name) {
      const found = exporter.getFinishedSpans().filter((s) => s.name === name);
      if (found.length !== 1)
        throw new Error(`expected one span named ${name}, found ${found.length}`);
      return found[0]!;
    },
  };
}

/** The events of a span with this name. */
export function events(span: ReadableSpan, name: string): TimedEvent[] {
  return span.events.filter((e) => e.name === name);
}

/** The one event of a span with this name; fails when there is not exactly one. */
export function event(span: ReadableSpan, name: string): TimedEvent {
  const found = events(span, name);
  if (found.length !== 1) throw new Error(`expected one ${name} event, found ${found.length}`);
  return found[0]!;
}

/** Everything a span recorded, as one string: to assert that something appears nowhere. */
export function everything(spans: readonly ReadableSpan[]): string {
  return JSON.stringify(
    spans.map((s) => ({
      name: s.name,
      attributes: s.attributes,
      events: s.events,
      status: s.status,
    })),
  );
}

/** Diag messages logged while capturing. */
export interface DiagCapture {
  readonly messages: { level: string; message: string }[];
  /** Messages at warn or error level. */
  problems(): string[];
  stop(): void;
}

/** Captures the global diag logger's output (at every level) until `stop()`. */
export function captureDiag(): DiagCapture {
  const messages: { level: string; message: string }[] = [];
  const log =
    (level: string) =>
    (message: string, ...args: unknown[]) => {
      messages.push({ level, message: [message, ...args.map(String)].join(' ') });
    };
  const logger: DiagLogger = {
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    verbose: log('verbose'),
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  return {
    messages,
    problems: () =>
      messages.filter((m) => m.level === 'warn' || m.level === 'error').map((m) => m.message),
    stop: () => diag.disable(),
  };
}

/** An HrTime as nanoseconds, exact. */
export function nanos(time: [number, number]): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}
