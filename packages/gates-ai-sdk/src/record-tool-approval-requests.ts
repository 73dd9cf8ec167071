import { diag } from '@opentelemetry/api';
import { requestGates, type PausedGate, type WorkbenchScope } from '@llm-workbench/instrumentation';
import { toolApprovalGateId } from './tool-approval-gate-id.js';
import type { ToolApprovalRequestOptions, ToolApprovalRequestPart } from './types.js';

const logger = diag.createComponentLogger({ namespace: '@llm-workbench/gates-ai-sdk' });

/**
 * Records a pending workbench gate for each `tool-approval-request` part of an AI SDK result
 * (`generateText`'s result or its `content`, a step, or any list of parts), on `scope` (a run or
 * a step). The gate id is {@link toolApprovalGateId} of the part's `approvalId`; the subject is
 * the tool call: its name, its id and the sha256 of `JSON.stringify(input)` (the text itself only
 * with content capture on). Returns the gate ids recorded. Never throws: odd parts are skipped
 * and reported through diag.
 *
 * @example
 * const result = await generateText({ model, tools, messages });
 * recordToolApprovalRequests(step, result);
 */
export function recordToolApprovalRequests(
  scope: WorkbenchScope,
  result: { readonly content: readonly unknown[] } | readonly unknown[],
  options: ToolApprovalRequestOptions = {},
): string[] {
  return requestGates(scope, approvalGates(result), options, logger, 'recordToolApprovalRequests');
}

function* approvalGates(
  result: { readonly content: readonly unknown[] } | readonly unknown[],
): Generator<PausedGate> {
  const parts = Array.isArray(result)
    ? (result as readonly unknown[])
    : (result as { readonly content: readonly unknown[] }).content;
  if (!Array.isArray(parts)) return;
  for (const part of parts) {
    if (!isApprovalRequest(part)) continue;
    const { toolCall } = part;
    const args = argumentsText(toolCall.input);
    yield {
      gateId: toolApprovalGateId(part.approvalId),
      subject: {
        tool: {
          name: toolCall.toolName,
          callId: toolCall.toolCallId,
          ...(args !== undefined ? { arguments: args } : {}),
        },
      },
    };
  }
}

function isApprovalRequest(part: unknown): part is ToolApprovalRequestPart {
  if (typeof part !== 'object' || part === null) return false;
  const p = part as Partial<ToolApprovalRequestPart>;
  if (p.type !== 'tool-approval-request') return false;
  if (typeof p.approvalId !== 'string' || typeof p.toolCall !== 'object' || p.toolCall === null) {
    logger.warn('a tool-approval-request part without approvalId or toolCall was skipped');
    return false;
  }
  return true;
}

/** The input as the JSON text the SDK sends; undefined when it has none (or it cannot be). */
function argumentsText(input: unknown): string | undefined {
  if (input === undefined) return undefined;
  try {
    return JSON.stringify(input);
  } catch {
    logger.warn('a tool call input that JSON.stringify refuses is recorded without its hash');
    return undefined;
  }
}
