/**
 * The instrumentation scope name of the tracer this package gets from a provider.
 *
 * @example
 * provider.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
 */
export const INSTRUMENTATION_NAME = '@llm-workbench/instrumentation';

/**
 * This package's version, as in its package.json (a test keeps them equal).
 *
 * @example
 * console.log(INSTRUMENTATION_VERSION); // '0.1.0'
 */
export const INSTRUMENTATION_VERSION = '0.1.0';
