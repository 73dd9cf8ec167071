export { main } from './main.js';
export { CliError, EXIT, type CliIo, type Command } from './io.js';
