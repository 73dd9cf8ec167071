/**
 * The workbench gate id of an AI SDK tool approval: `tool-approval:` and the SDK's `approvalId`,
 * the one id the request and its response share, so the gate can be resolved from the response
 * alone, in this process or in a later one.
 *
 * @example
 * toolApprovalGateId('ap_1'); // 'tool-approval:ap_1'
 */
export function toolApprovalGateId(approvalId: string): string {
  return `tool-approval:${approvalId}`;
}
