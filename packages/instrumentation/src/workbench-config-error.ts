/**
 * Thrown by the `Workbench` constructor, and only there, when a code option is invalid. The
 * message quotes the bad value. Nothing else in this package throws into user code.
 *
 * @example
 * try {
 *   new Workbench({ artifactDiffMaxBytes: -1 });
 * } catch (err) {
 *   if (err instanceof WorkbenchConfigError) console.error(err.option, err.message);
 * }
 */
export class WorkbenchConfigError extends Error {
  override readonly name = 'WorkbenchConfigError';

  constructor(
    /** The option that was invalid. */
    readonly option: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
