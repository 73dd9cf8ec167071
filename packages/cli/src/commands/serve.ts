import { runServeCommand } from '@llm-workbench/receiver';
import type { Command } from '../io.js';

/**
 * `workbench serve [--host] [--port] [--out] [--data] [--token] …`: the OTLP/HTTP receiver a
 * Collector exports to. Options, environment variables and behaviour: @llm-workbench/receiver.
 */
export const serveCommand: Command = (argv, io) => runServeCommand(argv, io);
