import { context, trace } from '@opentelemetry/api';
import type { WorkbenchScope } from './workbench-scope.js';

/**
 * Runs `fn` with the scope's span active, ends the scope when `fn` settles, and on a throw
 * records the error on the span and rethrows it unchanged.
 *
 * @example
 * const result = await inScope(run.startStep('draft'), async (step) => draft(step));
 */
export async function inScope<S extends WorkbenchScope, T>(
  scope: S,
  fn: (scope: S) => T | Promise<T>,
): Promise<T> {
  let result: T;
  try {
    result = await context.with(trace.setSpan(context.active(), scope.span), fn, undefined, scope);
  } catch (error) {
    scope.fail(error);
    throw error;
  }
  scope.end();
  return result;
}
