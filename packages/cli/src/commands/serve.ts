import { runServeCommand } from '@llm-workbench/receiver';
import type { Command } from '../io.js';

/**
 * `workbench serve [--host] [--port] [--out] [--data] [--token] [--sign-key FILE] …`: the
 * OTLP/HTTP receiver a Collector exports to; with `--sign-key` (or `WORKBENCH_SIGNING_KEY` /
 * `WORKBENCH_SIGNING_KEY_FILE`) it signs every bundle as role `receiver`. Options, environment
 * variables and behaviour: @llm-workbench/receiver.
 */
export const serveCommand: Command = (argv, io) => runServeCommand(argv, io);
