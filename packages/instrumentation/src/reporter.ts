import type { DiagLogger } from '@opentelemetry/api';

/**
 * Reports what instrumentation dropped or could not do, without ever throwing: the first
 * occurrence of each code at `warn` (or `error`), later ones at `debug`, with a running count, so
 * that a misuse in a loop says so once without flooding the log.
 *
 * @example
 * const reporter = new Reporter(diag.createComponentLogger({ namespace: '@llm-workbench/instrumentation' }));
 * reporter.warn('bad_time', 'time is not a valid Date');
 */
export class Reporter {
  private readonly _counts = new Map<string, number>();

  constructor(private readonly _logger: DiagLogger) {}

  /** Reports something dropped or recorded as given. */
  warn(code: string, message: string): void {
    this._report('warn', code, message);
  }

  /** Reports a failure inside the instrumentation itself. */
  error(code: string, message: string, cause?: unknown): void {
    this._report('error', code, cause === undefined ? message : `${message}: ${describe(cause)}`);
  }

  private _report(level: 'warn' | 'error', code: string, message: string): void {
    try {
      const count = (this._counts.get(code) ?? 0) + 1;
      this._counts.set(code, count);
      if (count === 1) {
        this._logger[level](`${message} [${code}; repeats are logged at debug level]`);
      } else {
        this._logger.debug(`${message} [${code}, ${count} times]`);
      }
    } catch {
      // A broken diag logger must not break the app either.
    }
  }
}

/** A short description of a thrown value, safe for any value. */
export function describe(value: unknown): string {
  try {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    return String(value);
  } catch {
    return '[value that cannot be described]';
  }
}
