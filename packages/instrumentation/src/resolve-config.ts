import { trace } from '@opentelemetry/api';
import { ENV_CAPTURE_CONTENT } from '@llm-workbench/semconv';
import { generateRunId } from './generate-run-id.js';
import { INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from './instrumentation-scope.js';
import type { ResolvedConfig } from './internal-types.js';
import type { Reporter } from './reporter.js';
import type { EventLogger, WorkbenchOptions } from './types.js';
import { WorkbenchConfigError } from './workbench-config-error.js';

/** The defaults documented on {@link WorkbenchOptions}. */
const DEFAULTS = {
  captureContent: false,
  inlineArtifactContent: true,
  artifactDiffMaxBytes: 64 * 1024,
  artifactCacheMaxBytes: 4 * 1024 * 1024,
  generateRunId: () => generateRunId(),
  events: 'span',
} satisfies Required<
  Omit<WorkbenchOptions, 'tracer' | 'tracerProvider' | 'price' | 'logger' | 'loggerProvider'>
>;

/** The environment as far as this package reads it. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Resolves the configuration once, at construction: code options over the environment over the
 * defaults. Throws a {@link WorkbenchConfigError} quoting an invalid code option; an invalid
 * environment value is reported and ignored, since it did not come from the code being run.
 *
 * @example
 * const config = resolveConfig({ captureContent: true }, process.env, reporter);
 */
export function resolveConfig(
  options: WorkbenchOptions,
  env: Environment,
  reporter: Reporter,
): ResolvedConfig {
  if (typeof options !== 'object' || options === null) {
    throw new WorkbenchConfigError('options', `options must be an object, got ${quote(options)}`);
  }
  const given = definedOnly(options);
  const merged = { ...DEFAULTS, ...fromEnvironment(env, reporter), ...given };
  checkBoolean('captureContent', merged.captureContent);
  checkBoolean('inlineArtifactContent', merged.inlineArtifactContent);
  checkByteCount('artifactDiffMaxBytes', merged.artifactDiffMaxBytes);
  checkByteCount('artifactCacheMaxBytes', merged.artifactCacheMaxBytes);
  if (typeof merged.generateRunId !== 'function') {
    throw new WorkbenchConfigError(
      'generateRunId',
      `generateRunId must be a function, got ${quote(merged.generateRunId)}`,
    );
  }
  if (given.price !== undefined && typeof given.price !== 'function') {
    throw new WorkbenchConfigError('price', `price must be a function, got ${quote(given.price)}`);
  }
  return {
    tracer: resolveTracer(given),
    captureContent: merged.captureContent,
    inlineArtifactContent: merged.inlineArtifactContent,
    artifactDiffMaxBytes: merged.artifactDiffMaxBytes,
    artifactCacheMaxBytes: merged.artifactCacheMaxBytes,
    generateRunId: merged.generateRunId,
    price: given.price ?? null,
    eventLogger: resolveEventLogger(given, merged.events),
  };
}

function resolveEventLogger(options: WorkbenchOptions, events: unknown): EventLogger | null {
  if (events !== 'span' && events !== 'log') {
    throw new WorkbenchConfigError(
      'events',
      `events must be "span" or "log", got ${quote(events)}`,
    );
  }
  if (events === 'span') return null;
  if (options.logger !== undefined) {
    if (typeof options.logger?.emit !== 'function') {
      throw new WorkbenchConfigError('logger', `logger has no emit(): ${quote(options.logger)}`);
    }
    return options.logger;
  }
  const provider = options.loggerProvider;
  if (typeof provider?.getLogger !== 'function') {
    throw new WorkbenchConfigError(
      'loggerProvider',
      `events: "log" needs a loggerProvider (or a logger) with getLogger(), got ${quote(provider)}`,
    );
  }
  return provider.getLogger(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
}

function resolveTracer(options: WorkbenchOptions): ResolvedConfig['tracer'] {
  if (options.tracer !== undefined) {
    if (typeof options.tracer?.startSpan !== 'function') {
      throw new WorkbenchConfigError(
        'tracer',
        `tracer has no startSpan(): ${quote(options.tracer)}`,
      );
    }
    return options.tracer;
  }
  const provider = options.tracerProvider ?? trace.getTracerProvider();
  if (typeof provider?.getTracer !== 'function') {
    throw new WorkbenchConfigError(
      'tracerProvider',
      `tracerProvider has no getTracer(): ${quote(provider)}`,
    );
  }
  return provider.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
}

function fromEnvironment(env: Environment, reporter: Reporter): Partial<WorkbenchOptions> {
  const raw = env[ENV_CAPTURE_CONTENT]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return {};
  if (raw === 'true') return { captureContent: true };
  if (raw === 'false') return { captureContent: false };
  reporter.warn(
    'bad_env',
    `${ENV_CAPTURE_CONTENT} is ${quote(env[ENV_CAPTURE_CONTENT])}, expected "true" or "false"; ignored`,
  );
  return {};
}

/** Drops keys whose value is `undefined`, so that they do not override what is below them. */
function definedOnly(options: WorkbenchOptions): WorkbenchOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function checkBoolean(option: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') {
    throw new WorkbenchConfigError(option, `${option} must be a boolean, got ${quote(value)}`);
  }
}

function checkByteCount(option: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new WorkbenchConfigError(
      option,
      `${option} must be a non-negative integer number of bytes, got ${quote(value)}`,
    );
  }
}

function quote(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
