export type { Receiver, ReceiverOptions } from './types.js';
export { RECEIVER_DEFAULTS } from './types.js';
export { ReceiverConfigError, startReceiver } from './start-receiver.js';
export {
  parseServeArgs,
  RECEIVER_SETTINGS,
  resolveReceiverOptions,
  type ConfigIssue,
  type ReceiverSetting,
  type ResolveResult,
} from './resolve-receiver-options.js';
export { runServeCommand, SERVE_USAGE, type ServeIo } from './run-serve-command.js';
