export { Workbench } from './workbench.js';
export { WorkbenchRun } from './workbench-run.js';
export { WorkbenchStep } from './workbench-step.js';
export { WorkbenchScope } from './workbench-scope.js';
export { WorkbenchConfigError } from './workbench-config-error.js';
export { requestGates, type PausedGate } from './request-gates.js';
export { INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from './instrumentation-scope.js';
export {
  MAX_RESUME_TOKEN_LENGTH,
  parseResumeToken,
  RESUME_TOKEN_TYPE,
  RESUME_TOKEN_VERSION,
  type ResumeTokenData,
} from './resume-token.js';
export { MAX_DEFINITION_PARTS } from './workflow-snapshot-attributes.js';
export type {
  ArtifactInput,
  ArtifactRef,
  EventLogRecord,
  EventLogger,
  EventLoggerProvider,
  EventTime,
  GateRequest,
  GateResolution,
  GateSubject,
  GateToolSubject,
  ModelCallRequest,
  ModelCallResult,
  ModelCost,
  ModelIo,
  ModelPriceRequest,
  ModelPricer,
  ResumeRunOptions,
  StartRunOptions,
  StepKind,
  StepOptions,
  WorkbenchOptions,
  WorkflowInfo,
} from './types.js';
