import type { EventTime } from '@llm-workbench/instrumentation';

/**
 * What the adapter reads of an interruption, the Agents SDK's `RunToolApprovalItem`: the raw
 * call (its `callId`, or `id` for hosted tools) and the `name` and `arguments` getters.
 *
 * @example
 * for (const item of result.interruptions) interruptionGateId(item satisfies ApprovalItemLike);
 */
export interface ApprovalItemLike {
  readonly type: string;
  readonly rawItem: unknown;
  readonly name?: string | undefined;
  readonly arguments?: string | undefined;
  readonly toolName?: string | undefined;
}

/**
 * The part of a `RunState` the adapter calls: the SDK's own `approve` and `reject`.
 *
 * @example
 * const state: ApprovalStateLike = result.state;
 */
export interface ApprovalStateLike<Item> {
  approve(item: Item, options?: { alwaysApprove?: boolean }): void;
  reject(item: Item, options?: { alwaysReject?: boolean; message?: string }): void;
}

/**
 * Options of {@link recordInterruptions}.
 *
 * @example
 * recordInterruptions(step, result, { policy: 'ops-approves-refunds' });
 */
export interface InterruptionOptions {
  /** Recorded as the gate's policy. @default none */
  policy?: string;
  /** When the run paused. @default now */
  time?: EventTime;
}

/**
 * Who decided, why and when: what {@link approveToolCall} and {@link rejectToolCall} record.
 *
 * @example
 * approveToolCall(step, state, item, { actor: 'ops@example.com', reason: 'Amount checked.' });
 */
export interface ApprovalDecision {
  /** Who decided: recorded as the gate's actor. */
  actor: string;
  /** Why: recorded as the gate's reason (not sent to the model; see `message`). */
  reason?: string;
  /** When the decision was made. @default now */
  time?: EventTime;
}

/**
 * Options of {@link approveToolCall}: the decision and the SDK's own option.
 *
 * @example
 * approveToolCall(step, state, item, { actor: 'ops@example.com', alwaysApprove: true });
 */
export interface ApproveOptions extends ApprovalDecision {
  /** The SDK's `alwaysApprove`: approve this tool for the rest of the run. @default false */
  alwaysApprove?: boolean;
}

/**
 * Options of {@link rejectToolCall}: the decision and the SDK's own options.
 *
 * @example
 * rejectToolCall(step, state, item, { actor: 'ops@example.com', reason: 'Too large.', message: 'Refund refused.' });
 */
export interface RejectOptions extends ApprovalDecision {
  /** The SDK's `alwaysReject`: reject this tool for the rest of the run. @default false */
  alwaysReject?: boolean;
  /** The SDK's `message`: the rejection text the model sees. @default the SDK's */
  message?: string;
  /**
   * Record `timed_out` instead of `rejected`, for a rejection the app made because nobody
   * answered in time. The adapter never decides that on its own. @default false
   */
  timedOut?: boolean;
}
