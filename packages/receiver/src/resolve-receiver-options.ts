import { parseArgs } from 'node:util';
import {
  loadSigningKey,
  SigningKey,
  SIGNING_KEY_ENV,
  SIGNING_KEY_FILE_ENV,
} from '@llm-workbench/evidence';
import { z } from 'zod';
import { RECEIVER_DEFAULTS, type ReceiverOptions } from './types.js';

/** A configuration problem, as data. */
export interface ConfigIssue {
  readonly code: 'unknown_flag' | 'missing_value' | 'invalid_value';
  /** The flag, environment variable or option at fault, e.g. `--port`, `WORKBENCH_PORT`, `port`. */
  readonly path: string;
  readonly message: string;
}

/** The outcome of resolving options. */
export type ResolveResult =
  { ok: true; options: ReceiverOptions } | { ok: false; issues: ConfigIssue[] };

type Kind = 'string' | 'port' | 'ms' | 'count' | 'bytes' | 'bool' | 'secret';

/** One receiver setting: its option, flag, environment variable and type. */
export interface ReceiverSetting {
  readonly key: keyof typeof RECEIVER_DEFAULTS;
  readonly flag: string;
  readonly env: string;
  readonly kind: Kind;
  /** The value's name in the usage text, e.g. `PORT`. */
  readonly arg: string;
  /** Said after the default, in the usage text and the README, e.g. `7 days`. */
  readonly note?: string;
}

/**
 * Every setting: flag, environment variable, type; defaults are {@link RECEIVER_DEFAULTS}. Flags
 * win over the environment. The usage text of `workbench serve` and the receiver README's
 * configuration table are written from this table and those defaults (a test holds the README to
 * them).
 */
export const RECEIVER_SETTINGS: readonly ReceiverSetting[] = [
  { key: 'host', flag: 'host', env: 'WORKBENCH_HOST', kind: 'string', arg: 'HOST' },
  { key: 'port', flag: 'port', env: 'WORKBENCH_PORT', kind: 'port', arg: 'PORT' },
  {
    key: 'grpcPort',
    flag: 'grpc-port',
    env: 'WORKBENCH_GRPC_PORT',
    kind: 'port',
    arg: 'PORT',
    note: 'OTLP/gRPC off',
  },
  {
    key: 'outDir',
    flag: 'out',
    env: 'WORKBENCH_OUT',
    kind: 'string',
    arg: 'DIR',
    note: 'or s3://BUCKET/PREFIX',
  },
  { key: 'dataDir', flag: 'data', env: 'WORKBENCH_DATA', kind: 'string', arg: 'DIR' },
  {
    key: 'token',
    flag: 'token',
    env: 'WORKBENCH_TOKEN',
    kind: 'secret',
    arg: 'TOKEN',
    note: 'no auth',
  },
  { key: 'quietMs', flag: 'quiet-ms', env: 'WORKBENCH_QUIET_MS', kind: 'ms', arg: 'MS' },
  { key: 'ttlMs', flag: 'ttl-ms', env: 'WORKBENCH_TTL_MS', kind: 'ms', arg: 'MS' },
  {
    key: 'lateWindowMs',
    flag: 'late-window-ms',
    env: 'WORKBENCH_LATE_WINDOW_MS',
    kind: 'ms',
    arg: 'MS',
  },
  {
    key: 'runTtlMs',
    flag: 'run-ttl-ms',
    env: 'WORKBENCH_RUN_TTL_MS',
    kind: 'ms',
    arg: 'MS',
    note: '7 days',
  },
  {
    key: 'maxOpenRuns',
    flag: 'max-open-runs',
    env: 'WORKBENCH_MAX_OPEN_RUNS',
    kind: 'count',
    arg: 'N',
  },
  {
    key: 'maxOpenRunBytes',
    flag: 'max-open-run-bytes',
    env: 'WORKBENCH_MAX_OPEN_RUN_BYTES',
    kind: 'bytes',
    arg: 'N',
  },
  {
    key: 'maxBodyBytes',
    flag: 'max-body-bytes',
    env: 'WORKBENCH_MAX_BODY_BYTES',
    kind: 'bytes',
    arg: 'N',
  },
  {
    key: 'maxOpenTraces',
    flag: 'max-open-traces',
    env: 'WORKBENCH_MAX_OPEN_TRACES',
    kind: 'count',
    arg: 'N',
  },
  {
    key: 'maxSpansPerTrace',
    flag: 'max-spans-per-trace',
    env: 'WORKBENCH_MAX_SPANS_PER_TRACE',
    kind: 'count',
    arg: 'N',
  },
  {
    key: 'maxBufferedBytes',
    flag: 'max-buffered-bytes',
    env: 'WORKBENCH_MAX_BUFFERED_BYTES',
    kind: 'bytes',
    arg: 'N',
  },
  {
    key: 'maxInflightRequests',
    flag: 'max-inflight',
    env: 'WORKBENCH_MAX_INFLIGHT',
    kind: 'count',
    arg: 'N',
  },
  {
    key: 'bodyIdleTimeoutMs',
    flag: 'body-idle-timeout-ms',
    env: 'WORKBENCH_BODY_IDLE_TIMEOUT_MS',
    kind: 'ms',
    arg: 'MS',
  },
  {
    key: 'minBodyRate',
    flag: 'min-body-rate',
    env: 'WORKBENCH_MIN_BODY_RATE',
    kind: 'bytes',
    arg: 'N',
    note: 'bytes/s',
  },
  {
    key: 'maxConnections',
    flag: 'max-connections',
    env: 'WORKBENCH_MAX_CONNECTIONS',
    kind: 'count',
    arg: 'N',
  },
  {
    key: 'shutdownTimeoutMs',
    flag: 'shutdown-timeout-ms',
    env: 'WORKBENCH_SHUTDOWN_TIMEOUT_MS',
    kind: 'ms',
    arg: 'MS',
  },
  {
    key: 'segmentBytes',
    flag: 'segment-bytes',
    env: 'WORKBENCH_SEGMENT_BYTES',
    kind: 'bytes',
    arg: 'N',
  },
  { key: 'fsync', flag: 'fsync', env: 'WORKBENCH_FSYNC', kind: 'bool', arg: '' },
  {
    key: 'ledger',
    flag: 'ledger',
    env: 'WORKBENCH_LEDGER',
    kind: 'bool',
    arg: '',
    note: 'ledger.jsonl in --out',
  },
];

/**
 * `--sign-key FILE`: the receiver's signing key (PKCS#8 PEM). Not in the table above: it becomes
 * a key, not a value, and its environment variables are evidence's `WORKBENCH_SIGNING_KEY` (the
 * PEM itself) and `WORKBENCH_SIGNING_KEY_FILE` (a path).
 */
export const SIGN_KEY_FLAG = 'sign-key';

/**
 * `--s3-endpoint URL`: the S3 endpoint when `--out` is `s3://bucket/prefix` (an S3-compatible
 * server such as SeaweedFS). Not in the table above: the S3 client resolves it with the standard
 * AWS environment (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`), which the flag overrides.
 */
export const S3_ENDPOINT_FLAG = 's3-endpoint';

const UNITS: Record<string, number> = {
  '': 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

const EXPECTED: Record<Kind, string> = {
  string: 'a non-empty string',
  secret: 'a non-empty string',
  port: 'an integer from 0 to 65535',
  ms: 'a whole number of milliseconds',
  count: 'a positive integer',
  bytes: 'a positive byte size such as 16777216, 16MiB or 512k',
  bool: 'true or false',
};

const wholeNumber = z.number().int().max(Number.MAX_SAFE_INTEGER);

/** What a value of each kind must be: the one check, for options given in code and as text. */
const VALUE: Record<Kind, z.ZodType> = {
  string: z.string().min(1),
  secret: z.string().min(1),
  port: z.number().int().min(0).max(65535),
  ms: wholeNumber.min(0),
  count: wholeNumber.min(1),
  bytes: wholeNumber.min(1),
  bool: z.boolean(),
};

/** Text (a flag's or a variable's) as a value of its kind, for {@link VALUE} to check. */
function fromText(kind: Kind, raw: string): unknown {
  const text = raw.trim();
  switch (kind) {
    case 'string':
      return text;
    case 'secret':
      // An empty token means none; a token is kept as given (spaces may be part of it).
      return text === '' ? null : raw;
    case 'port':
    case 'ms':
    case 'count':
      return /^\d+$/.test(text) ? Number(text) : text;
    case 'bytes': {
      const m = /^(\d+)\s*([a-z]*)$/i.exec(text);
      const unit = m === null ? undefined : UNITS[(m[2] ?? '').toLowerCase()];
      return m === null || unit === undefined ? text : Number(m[1]) * unit;
    }
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(text)) return true;
      if (/^(0|false|no|off)$/i.test(text)) return false;
      return text;
  }
}

function settingSchema(s: ReceiverSetting): z.ZodType {
  return RECEIVER_DEFAULTS[s.key] === null ? VALUE[s.kind].nullable() : VALUE[s.kind];
}

/**
 * The schema of {@link ReceiverOptions} with every setting present (defaults applied): what
 * `startReceiver` checks its options against, and what flag and variable values are checked
 * against once read as their kind.
 */
export const receiverOptionsSchema = z.looseObject({
  ...Object.fromEntries(RECEIVER_SETTINGS.map((s) => [s.key, settingSchema(s)] as const)),
  // Never quoted: a wrong value may be the key's PEM text. (SigningKey's constructor is private,
  // which z.instanceof's typing does not take.)
  signingKey: z.custom((v) => v instanceof SigningKey).optional(),
  sink: z.custom((v) => typeof v === 'object' && v !== null).optional(),
  log: z.custom((v) => typeof v === 'function').optional(),
});

/**
 * Checks options (defaults applied) against {@link receiverOptionsSchema}: the issues, each
 * naming the option and quoting the bad value, except a token's or a key's, never repeated.
 *
 * @example
 * checkReceiverOptions({ ...RECEIVER_DEFAULTS, port: 70000 }); // [{ code: 'invalid_value', path: 'port', … }]
 */
export function checkReceiverOptions(options: Readonly<Record<string, unknown>>): ConfigIssue[] {
  const result = receiverOptionsSchema.safeParse(options);
  if (result.success) return [];
  const issues: ConfigIssue[] = [];
  for (const issue of result.error.issues) {
    const key = String(issue.path[0]);
    if (issues.some((i) => i.path === key)) continue;
    const setting = RECEIVER_SETTINGS.find((s) => s.key === key);
    const message =
      setting === undefined
        ? key === 'signingKey'
          ? 'signingKey must be a SigningKey (loadSigningKey from @llm-workbench/evidence)'
          : `${key} is not usable`
        : `${key} must be ${expected(setting)}${setting.kind === 'secret' ? '' : `, got ${quote(options[key])}`}`;
    issues.push({ code: 'invalid_value', path: key, message });
  }
  return issues;
}

function expected(s: ReceiverSetting): string {
  return RECEIVER_DEFAULTS[s.key] === null ? `${EXPECTED[s.kind]} or null` : EXPECTED[s.kind];
}

function quote(value: unknown): string {
  return typeof value === 'function' ? 'a function' : (JSON.stringify(value) ?? String(value));
}

/**
 * Parses `workbench serve` arguments (`--port 4319`, `--port=4319`, `--no-fsync`) with
 * `node:util`'s `parseArgs` into flag values as text, without applying them.
 *
 * @example
 * parseServeArgs(['--port', '0', '--out', 'bundles']); // { ok: true, flags: { port: '0', out: 'bundles' } }
 */
export function parseServeArgs(
  argv: readonly string[],
): { ok: true; flags: Record<string, string> } | { ok: false; issues: ConfigIssue[] } {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    [SIGN_KEY_FLAG]: { type: 'string' },
    [S3_ENDPOINT_FLAG]: { type: 'string' },
  };
  for (const s of RECEIVER_SETTINGS) {
    options[s.flag] = { type: s.kind === 'bool' ? 'boolean' : 'string' };
    // parseArgs's own allowNegative needs Node 20.16; the engines floor is 20.15.
    if (s.kind === 'bool') options[`no-${s.flag}`] = { type: 'boolean' };
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    return { ok: false, issues: [argvIssue(err)] };
  }
  const flags: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (typeof value === 'string') flags[name] = value;
    else if (name.startsWith('no-') && options[name.slice(3)]?.type === 'boolean')
      flags[name.slice(3)] = String(!value);
    else flags[name] = String(value);
  }
  return { ok: true, flags };
}

function argvIssue(err: unknown): ConfigIssue {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown }).code;
  // Node's messages quote the argument at fault: "Unknown option '--bogus'", "Option '--port
  // <value>' argument missing", "Unexpected argument 'stray'".
  const flag = /'([^' ]+)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return { code: 'missing_value', path: flag, message: `${flag} needs a value` };
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
    return { code: 'unknown_flag', path: flag, message: `unexpected argument "${flag}"` };
  return { code: 'unknown_flag', path: flag, message: `unknown flag ${flag}` };
}

/**
 * Resolves receiver options from flag values (as `parseServeArgs` returns them) over
 * `WORKBENCH_*` environment variables over {@link RECEIVER_DEFAULTS}, and checks each against
 * {@link receiverOptionsSchema}. A bad value is quoted in its issue, except the token's, which is
 * never repeated.
 *
 * @example
 * const parsed = parseServeArgs(process.argv.slice(3));
 * const resolved = parsed.ok ? resolveReceiverOptions(parsed.flags, process.env) : parsed;
 */
export function resolveReceiverOptions(
  flags: Readonly<Record<string, string | undefined>>,
  env: Readonly<Record<string, string | undefined>>,
): ResolveResult {
  const issues: ConfigIssue[] = [];
  const options: Record<string, unknown> = { ...RECEIVER_DEFAULTS };
  for (const s of RECEIVER_SETTINGS) {
    const fromFlag = flags[s.flag];
    const raw = fromFlag ?? env[s.env];
    if (raw === undefined) continue;
    const path = fromFlag !== undefined ? `--${s.flag}` : s.env;
    const value = fromText(s.kind, raw);
    if (!settingSchema(s).safeParse(value).success) {
      const shown = s.kind === 'secret' ? '(hidden)' : JSON.stringify(raw);
      issues.push({
        code: 'invalid_value',
        path,
        message: `${path} must be ${EXPECTED[s.kind]}, got ${shown}`,
      });
      continue;
    }
    options[s.key] = value;
  }
  const key = resolveSigningKey(flags[SIGN_KEY_FLAG], env, issues);
  if (key !== undefined) options['signingKey'] = key;
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, options: options as unknown as ReceiverOptions };
}

/**
 * The signing key from `--sign-key FILE`, else `WORKBENCH_SIGNING_KEY`, else
 * `WORKBENCH_SIGNING_KEY_FILE`. A key that cannot be used is an issue naming where it came from,
 * never its text.
 */
function resolveSigningKey(
  file: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  issues: ConfigIssue[],
): SigningKey | undefined {
  try {
    return loadSigningKey({ file, env });
  } catch (err) {
    const path =
      file !== undefined
        ? `--${SIGN_KEY_FLAG}`
        : env[SIGNING_KEY_ENV] !== undefined && env[SIGNING_KEY_ENV] !== ''
          ? SIGNING_KEY_ENV
          : SIGNING_KEY_FILE_ENV;
    const reason =
      err instanceof Error && err.name === 'KeyError' ? err.message : 'not a usable key';
    // KeyError messages name the source (the file or the variable), never the key.
    const message = file !== undefined ? `--${SIGN_KEY_FLAG}: ${reason}` : reason;
    issues.push({ code: 'invalid_value', path, message });
    return undefined;
  }
}

/** A default as shown: byte sizes in binary units, none for null. */
function shownDefault(s: ReceiverSetting): string | null {
  const value = RECEIVER_DEFAULTS[s.key];
  if (value === null) return null;
  if (s.kind === 'bytes' && typeof value === 'number') {
    for (const [unit, size] of [
      ['GiB', 1024 ** 3],
      ['MiB', 1024 ** 2],
      ['KiB', 1024],
    ] as const)
      if (value % size === 0) return `${value / size}${unit}`;
  }
  return String(value);
}

/** A setting's flag as written in help and docs: `--port` or `--[no-]fsync`. */
function flagText(s: ReceiverSetting): string {
  return s.kind === 'bool' ? `--[no-]${s.flag}` : `--${s.flag}`;
}

/**
 * The settings as the lines of `workbench serve --help`: flag, variable, default and note.
 *
 * @example
 * receiverSettingsUsage().split('\n')[0]; // '  --host HOST   WORKBENCH_HOST   default 127.0.0.1'
 */
export function receiverSettingsUsage(): string {
  return RECEIVER_SETTINGS.map((s) => {
    const flag = `${flagText(s)}${s.arg === '' ? '' : ` ${s.arg}`}`.padEnd(28);
    const shown = shownDefault(s) ?? 'none';
    return `  ${flag}${s.env.padEnd(31)}default ${shown}${s.note === undefined ? '' : ` (${s.note})`}`;
  }).join('\n');
}

/**
 * The first four cells of each setting's row in the receiver README's configuration table:
 * option, flag, variable, default.
 *
 * @example
 * receiverSettingsTableCells()[0]; // ['`host`', '`--host`', '`WORKBENCH_HOST`', '`127.0.0.1`']
 */
export function receiverSettingsTableCells(): string[][] {
  return RECEIVER_SETTINGS.map((s) => {
    const shown = shownDefault(s);
    return [
      `\`${s.key}\``,
      `\`${flagText(s)}\``,
      `\`${s.env}\``,
      `${shown === null ? 'none' : `\`${shown}\``}${s.note === undefined ? '' : ` (${s.note})`}`,
    ];
  });
}
