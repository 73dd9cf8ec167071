import { CliError, EXIT, writeLine, writeText, type CliIo, type Command } from './io.js';

/** Commands, loaded lazily so that `workbench verify` does not load the receiver or the SDK. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  demo: {
    summary: 'run the example agent in-process and write its bundle',
    load: async () => (await import('./commands/demo.js')).demoCommand,
  },
  verify: {
    summary: 'check bundles (and signatures, a folder against its ledger) offline',
    load: async () => (await import('./commands/verify.js')).verifyCommand,
  },
  keygen: {
    summary: 'make an Ed25519 key pair for signing bundles',
    load: async () => (await import('./commands/keygen.js')).keygenCommand,
  },
  sign: {
    summary: 'sign bundles: write X.dsse.json beside X.json',
    load: async () => (await import('./commands/sign.js')).signCommand,
  },
  redact: {
    summary: 'copy a bundle without its content; it still verifies, with the same hash',
    load: async () => (await import('./commands/redact.js')).redactCommand,
  },
  show: {
    summary: 'print a readable timeline of a run',
    load: async () => (await import('./commands/show.js')).showCommand,
  },
  diff: {
    summary: 'what changed between two runs',
    load: async () => (await import('./commands/diff.js')).diffCommand,
  },
  serve: {
    summary: 'receive OTLP/HTTP traces (from a Collector) and fold them into bundles',
    load: async () => (await import('./commands/serve.js')).serveCommand,
  },
  import: {
    summary: 'fold bundles from OTLP files, Jaeger or Tempo',
    load: async () => (await import('./commands/import.js')).importCommand,
  },
  replay: {
    summary: "send a bundle's run back as OTLP to a Collector, Jaeger or Tempo",
    load: async () => (await import('./commands/replay.js')).replayCommand,
  },
  render: {
    summary: 'write a self-contained HTML report of a bundle',
    load: async () => (await import('./commands/render.js')).renderCommand,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(
    ([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`,
  );
  return [
    'Usage: workbench <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `workbench <command> --help` for its options.',
  ].join('\n');
}

/**
 * Runs the CLI and returns the exit code.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), io);
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeText(name === undefined ? io.stderr : io.stdout, usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    writeLine(io.stderr, `workbench: unknown command ${JSON.stringify(name)}`);
    writeText(io.stderr, `\n${usage()}`);
    return EXIT.usage;
  }
  try {
    const command = await entry.load();
    return await command(rest, io);
  } catch (err) {
    if (err instanceof CliError) {
      // The message is one line whatever file name it quotes; only the help spans lines.
      writeLine(io.stderr, `workbench ${name}: ${err.message}`);
      if (err.help !== undefined) writeText(io.stderr, `\n${err.help}`);
      return err.exitCode;
    }
    if (
      err instanceof TypeError &&
      (err as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
    ) {
      writeLine(io.stderr, `workbench ${name}: ${err.message}`);
      return EXIT.usage;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      writeLine(io.stderr, `workbench ${name}: ${(err as Error).message}`);
      return EXIT.usage;
    }
    writeText(io.stderr, `workbench ${name}: ${(err as Error).stack ?? String(err)}`);
    return EXIT.io;
  }
}
