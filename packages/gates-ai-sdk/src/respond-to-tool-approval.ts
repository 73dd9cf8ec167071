import { diag } from '@opentelemetry/api';
import type { WorkbenchScope } from '@llm-workbench/instrumentation';
import { toolApprovalGateId } from './tool-approval-gate-id.js';
import type { ToolApprovalAnswer, ToolApprovalResponsePart } from './types.js';

const logger = diag.createComponentLogger({ namespace: '@llm-workbench/gates-ai-sdk' });

/**
 * Records an app's answer to an AI SDK tool approval as the resolution of its workbench gate
 * (`approved`, `rejected`, or `timed_out` when the app says so; with the actor, reason and time
 * given), and returns the SDK's `tool-approval-response` part to send back in a `tool` message.
 * The part is returned even if recording fails (reported through diag): the app's flow never
 * depends on the recording.
 *
 * @example
 * messages.push(...result.response.messages, {
 *   role: 'tool',
 *   content: [respondToToolApproval(step, { approvalId, approved: true, actor: 'ops@example.com' })],
 * });
 */
export function respondToToolApproval(
  scope: WorkbenchScope,
  answer: ToolApprovalAnswer,
): ToolApprovalResponsePart {
  const part: ToolApprovalResponsePart = {
    type: 'tool-approval-response',
    approvalId: answer.approvalId,
    approved: answer.approved,
    ...(answer.reason !== undefined ? { reason: answer.reason } : {}),
  };
  try {
    scope.resolveGate({
      gateId: toolApprovalGateId(answer.approvalId),
      decision: answer.approved ? 'approved' : answer.timedOut === true ? 'timed_out' : 'rejected',
      actor: answer.actor,
      ...(answer.reason !== undefined ? { reason: answer.reason } : {}),
      ...(answer.time !== undefined ? { time: answer.time } : {}),
    });
  } catch (err) {
    logger.error('respondToToolApproval could not record the decision', err);
  }
  return part;
}

/**
 * Records approval responses the app already holds as the SDK's parts (say, from a chat UI's
 * `addToolApprovalResponse`, arriving in the request's last message): one gate resolution each,
 * with the actor the app vouches for. Pass only the new parts or message: parts recorded before
 * would be recorded again (and the bundle then flags the gate as resolved twice). Returns how many
 * were recorded.
 *
 * @example
 * recordToolApprovalResponses(step, messages.at(-1), { actor: session.user.email });
 */
export function recordToolApprovalResponses(
  scope: WorkbenchScope,
  from: { readonly content: unknown } | readonly unknown[] | undefined,
  by: Pick<ToolApprovalAnswer, 'actor' | 'time'>,
): number {
  let n = 0;
  try {
    const parts: unknown =
      from === undefined ? [] : Array.isArray(from) ? from : (from as { content: unknown }).content;
    if (!Array.isArray(parts)) return 0;
    for (const p of parts as unknown[]) {
      if (typeof p !== 'object' || p === null) continue;
      const part = p as Partial<ToolApprovalResponsePart>;
      if (part.type !== 'tool-approval-response') continue;
      if (typeof part.approvalId !== 'string' || typeof part.approved !== 'boolean') {
        logger.warn('a tool-approval-response part without approvalId or approved was skipped');
        continue;
      }
      respondToToolApproval(scope, {
        approvalId: part.approvalId,
        approved: part.approved,
        actor: by.actor,
        ...(typeof part.reason === 'string' ? { reason: part.reason } : {}),
        ...(by.time !== undefined ? { time: by.time } : {}),
      });
      n++;
    }
  } catch (err) {
    logger.error('recordToolApprovalResponses failed', err);
  }
  return n;
}
