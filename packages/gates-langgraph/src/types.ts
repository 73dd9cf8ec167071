import type { EventTime, GateResolution, GateSubject } from '@llm-workbench/instrumentation';

/**
 * What the adapter reads of a LangGraph interrupt (`Interrupt` of `@langchain/langgraph`): its
 * `id` and the `value` given to `interrupt()`.
 *
 * @example
 * const i: InterruptLike = { id: '5b1d…', value: { name: 'deploy', args: { env: 'prod' } } };
 */
export interface InterruptLike {
  readonly id?: string | undefined;
  readonly value?: unknown;
}

/**
 * Options of {@link recordInterrupts}.
 *
 * @example
 * recordInterrupts(step, result, { policy: 'ops-approves-deploys' });
 */
export interface RecordInterruptsOptions {
  /** Recorded as the gate's policy. @default none */
  policy?: string;
  /** When the graph paused. @default now */
  time?: EventTime;
  /**
   * What the gate decides on, from the interrupt's value.
   * @default a tool subject when the value is a LangChain tool call (`{ name, args, id? }`), else none
   */
  subject?: (value: unknown) => GateSubject | undefined;
}

/**
 * One interrupt answered: the value to resume it with and the decision it stands for, which only
 * the app knows (the resume value is the app's own shape).
 *
 * @example
 * const answer: InterruptAnswer = { interrupt, resume: { approved: true }, decision: 'approved', actor: 'ops@example.com' };
 */
export interface InterruptAnswer {
  /** The interrupt, or its id. */
  interrupt: InterruptLike | string;
  /** What `interrupt()` returns in the node when the graph resumes. */
  resume: unknown;
  /** The decision: `approved`, `rejected`, `changes_requested`, or `timed_out` when the app says so. */
  decision: GateResolution['decision'];
  /** Who decided. */
  actor: string;
  /** Why. */
  reason?: string;
  /** When the decision was made. @default now */
  time?: EventTime;
}
