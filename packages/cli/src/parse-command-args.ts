import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, writeText, type CliIo } from './io.js';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * Parses a command's arguments the way every `workbench` command does (strict `node:util`
 * parseArgs, positionals allowed unless `allowPositionals` is false, `-h`/`--help` added); when
 * help is asked for, prints the command's help and returns `undefined`, and the command returns
 * `EXIT.ok`. Unknown options throw parseArgs' own errors, which main.ts turns into usage errors.
 *
 * @example
 * const args = parseCommandArgs(argv, io, HELP, { json: { type: 'boolean' } });
 * if (args === undefined) return EXIT.ok;
 * const { values, positionals } = args;
 */
export function parseCommandArgs<const O extends OptionsConfig, const P extends boolean = true>(
  argv: string[],
  io: CliIo,
  help: string,
  options: O,
  allowPositionals: P = true as P,
):
  // Written out so that the declaration file can name it (parseArgs' result type is not exported).
  | ReturnType<
      typeof parseArgs<{ args: string[]; allowPositionals: P; options: O & typeof HELP_OPTION }>
    >
  | undefined {
  const parsed = parseArgs({
    args: argv,
    allowPositionals,
    options: { ...options, ...HELP_OPTION },
  });
  // Inside this generic function the values' type is not resolved yet; `help` is always there.
  if ((parsed.values as { help?: boolean }).help === true) {
    writeText(io.stdout, help);
    return undefined;
  }
  return parsed;
}

/**
 * The whole number an option gives, at least 1.
 *
 * @example
 * positiveInt('--timeout', '5000'); // 5000
 */
export function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new CliError(`${flag} must be a positive whole number, got ${JSON.stringify(text)}`);
  }
  return n;
}

/**
 * Request headers from repeated `--header 'Name: value'` options.
 *
 * @example
 * parseHeaders(['X-Scope-OrgID: team-a']); // { 'X-Scope-OrgID': 'team-a' }
 */
export function parseHeaders(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list) {
    const i = h.indexOf(':');
    if (i <= 0) throw new CliError(`--header must be 'Name: value', got ${JSON.stringify(h)}`);
    out[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  return out;
}
