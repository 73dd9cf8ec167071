import type { EventTime } from '@llm-workbench/instrumentation';

/**
 * The part of an AI SDK result that asks for an approval, as `generateText` and `streamText`
 * return it in `content` (and in each step's `content`): the fields the adapter reads.
 *
 * @example
 * const part: ToolApprovalRequestPart = {
 *   type: 'tool-approval-request', approvalId: 'ap_1',
 *   toolCall: { toolName: 'send_email', toolCallId: 'call_1', input: { to: 'ops@example.com' } },
 * };
 */
export interface ToolApprovalRequestPart {
  type: 'tool-approval-request';
  approvalId: string;
  toolCall: { toolName: string; toolCallId: string; input: unknown };
}

/**
 * The part an app puts in a `tool` message to answer an approval: the AI SDK's
 * `ToolApprovalResponse`.
 *
 * @example
 * const part: ToolApprovalResponsePart = { type: 'tool-approval-response', approvalId: 'ap_1', approved: true };
 */
export interface ToolApprovalResponsePart {
  type: 'tool-approval-response';
  approvalId: string;
  approved: boolean;
  reason?: string;
}

/**
 * Options of {@link recordToolApprovalRequests}.
 *
 * @example
 * recordToolApprovalRequests(step, result, { policy: 'ops-approves-email' });
 */
export interface ToolApprovalRequestOptions {
  /** Recorded as the gate's policy. @default none */
  policy?: string;
  /** When the approvals were asked for. @default now */
  time?: EventTime;
}

/**
 * An app's answer to one approval request, with who gave it: what
 * {@link respondToToolApproval} records and turns into the SDK's response part.
 *
 * @example
 * const answer: ToolApprovalAnswer = { approvalId: 'ap_1', approved: false, actor: 'ops@example.com', reason: 'Wrong recipient.' };
 */
export interface ToolApprovalAnswer {
  /** The request's `approvalId`. */
  approvalId: string;
  /** Whether the call may run. */
  approved: boolean;
  /** Who decided: recorded as the gate's actor (the SDK's part has no such field). */
  actor: string;
  /** Why; also given to the SDK (sent to the model for a denial). */
  reason?: string;
  /** When the decision was made. @default now */
  time?: EventTime;
  /**
   * Record `timed_out` instead of `rejected` for a denial the app made because nobody answered
   * in time. The adapter never decides that on its own. @default false
   */
  timedOut?: boolean;
}
