export { runDemoAgent, DEMO_REVIEW_WAIT_MS, DEMO_RUN_MS } from './run-demo-agent.js';
export {
  runDemoSegment,
  type DemoSegmentResult,
  type RunDemoSegmentOptions,
} from './run-demo-segment.js';
export { fakeModel, DEMO_MODELS, DEMO_PRICES, DEMO_PROVIDER } from './fake-model.js';
export { DEMO_ARTIFACT_KEY, DEMO_GATE_ID, DEMO_WORKFLOW } from './demo-workflow.js';
export type { DemoAgentResult, FakeModelResponse, RunDemoAgentOptions } from './types.js';
