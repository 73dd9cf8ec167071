import { SpanIssue } from './span-fields.js';
import type { DecodeIssue } from './types.js';

/**
 * The issues of one span or log record as a walk finds them, each with its path in the request;
 * the path is made only when there is an issue (most spans have none).
 */
export class Issues {
  /** The issues found, or null while there are none. */
  list: DecodeIssue[] | null = null;

  /**
   * @param path The record's path, or its scope's path when `k` (the span's index there) is given.
   * @param resourceIssue An issue of the resource, which every span or record of it carries.
   */
  constructor(
    private readonly path: string,
    resourceIssue: SpanIssue | null,
    private readonly k = -1,
  ) {
    if (resourceIssue !== null)
      this.fail(resourceIssue.code, resourceIssue.where, resourceIssue.message);
  }

  fail(code: DecodeIssue['code'], where: string, message: string): void {
    const path = this.k < 0 ? this.path : `${this.path}.spans[${this.k}]`;
    (this.list ??= []).push({ code, path: `${path}.${where}`, message });
  }

  /** Records a {@link SpanIssue} a walk threw; any other error is a bug and is thrown on. */
  caught(err: unknown): void {
    if (!(err instanceof SpanIssue)) throw err;
    this.fail(err.code, err.where, err.message);
  }
}

/**
 * An issue found under a path written as empty (a walk makes paths only for issues), placed under
 * `prefix`; any other error as it is.
 *
 * @example
 * try { walk(value, '') } catch (err) { throw within(err, `events[${i}].attributes`) }
 */
export function within(err: unknown, prefix: string): unknown {
  return err instanceof SpanIssue ? new SpanIssue(err.code, prefix + err.where, err.message) : err;
}
