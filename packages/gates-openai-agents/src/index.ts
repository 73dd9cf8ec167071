export { approveToolCall, rejectToolCall } from './decide-tool-call.js';
export { interruptionGateId } from './interruption-gate-id.js';
export { recordInterruptions } from './record-interruptions.js';
export type {
  ApprovalDecision,
  ApprovalItemLike,
  ApprovalStateLike,
  ApproveOptions,
  InterruptionOptions,
  RejectOptions,
} from './types.js';
