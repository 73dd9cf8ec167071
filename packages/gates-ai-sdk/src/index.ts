export { recordToolApprovalRequests } from './record-tool-approval-requests.js';
export { recordToolApprovalResponses, respondToToolApproval } from './respond-to-tool-approval.js';
export { toolApprovalGateId } from './tool-approval-gate-id.js';
export type {
  ToolApprovalAnswer,
  ToolApprovalRequestOptions,
  ToolApprovalRequestPart,
  ToolApprovalResponsePart,
} from './types.js';
