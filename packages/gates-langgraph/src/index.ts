export { interruptGateId } from './interrupt-gate-id.js';
export { recordInterrupts } from './record-interrupts.js';
export { resumeInterrupts } from './resume-interrupts.js';
export type { InterruptAnswer, InterruptLike, RecordInterruptsOptions } from './types.js';
