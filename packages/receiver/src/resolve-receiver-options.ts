import {
  loadSigningKey,
  SIGNING_KEY_ENV,
  SIGNING_KEY_FILE_ENV,
  type SigningKey,
} from '@llm-workbench/evidence';
import { RECEIVER_DEFAULTS, type ReceiverOptions } from './types.js';

/** A configuration problem, as data. */
export interface ConfigIssue {
  readonly code: 'unknown_flag' | 'missing_value' | 'invalid_value';
  /** The flag or environment variable at fault, e.g. `--port` or `WORKBENCH_PORT`. */
  readonly path: string;
  readonly message: string;
}

/** The outcome of resolving options. */
export type ResolveResult =
  { ok: true; options: ReceiverOptions } | { ok: false; issues: ConfigIssue[] };

type Kind = 'string' | 'port' | 'ms' | 'count' | 'bytes' | 'bool' | 'secret';

interface Setting {
  readonly key: keyof typeof RECEIVER_DEFAULTS;
  readonly flag: string;
  readonly env: string;
  readonly kind: Kind;
}

/** Every setting: flag, environment variable, type. Flags win over the environment. */
export const RECEIVER_SETTINGS: readonly Setting[] = [
  { key: 'host', flag: 'host', env: 'WORKBENCH_HOST', kind: 'string' },
  { key: 'port', flag: 'port', env: 'WORKBENCH_PORT', kind: 'port' },
  { key: 'grpcPort', flag: 'grpc-port', env: 'WORKBENCH_GRPC_PORT', kind: 'port' },
  { key: 'outDir', flag: 'out', env: 'WORKBENCH_OUT', kind: 'string' },
  { key: 'dataDir', flag: 'data', env: 'WORKBENCH_DATA', kind: 'string' },
  { key: 'token', flag: 'token', env: 'WORKBENCH_TOKEN', kind: 'secret' },
  { key: 'quietMs', flag: 'quiet-ms', env: 'WORKBENCH_QUIET_MS', kind: 'ms' },
  { key: 'ttlMs', flag: 'ttl-ms', env: 'WORKBENCH_TTL_MS', kind: 'ms' },
  { key: 'lateWindowMs', flag: 'late-window-ms', env: 'WORKBENCH_LATE_WINDOW_MS', kind: 'ms' },
  { key: 'runTtlMs', flag: 'run-ttl-ms', env: 'WORKBENCH_RUN_TTL_MS', kind: 'ms' },
  { key: 'maxOpenRuns', flag: 'max-open-runs', env: 'WORKBENCH_MAX_OPEN_RUNS', kind: 'count' },
  {
    key: 'maxOpenRunBytes',
    flag: 'max-open-run-bytes',
    env: 'WORKBENCH_MAX_OPEN_RUN_BYTES',
    kind: 'bytes',
  },
  { key: 'maxBodyBytes', flag: 'max-body-bytes', env: 'WORKBENCH_MAX_BODY_BYTES', kind: 'bytes' },
  {
    key: 'maxOpenTraces',
    flag: 'max-open-traces',
    env: 'WORKBENCH_MAX_OPEN_TRACES',
    kind: 'count',
  },
  {
    key: 'maxSpansPerTrace',
    flag: 'max-spans-per-trace',
    env: 'WORKBENCH_MAX_SPANS_PER_TRACE',
    kind: 'count',
  },
  {
    key: 'maxBufferedBytes',
    flag: 'max-buffered-bytes',
    env: 'WORKBENCH_MAX_BUFFERED_BYTES',
    kind: 'bytes',
  },
  {
    key: 'maxInflightRequests',
    flag: 'max-inflight',
    env: 'WORKBENCH_MAX_INFLIGHT',
    kind: 'count',
  },
  {
    key: 'bodyIdleTimeoutMs',
    flag: 'body-idle-timeout-ms',
    env: 'WORKBENCH_BODY_IDLE_TIMEOUT_MS',
    kind: 'ms',
  },
  { key: 'minBodyRate', flag: 'min-body-rate', env: 'WORKBENCH_MIN_BODY_RATE', kind: 'bytes' },
  {
    key: 'maxConnections',
    flag: 'max-connections',
    env: 'WORKBENCH_MAX_CONNECTIONS',
    kind: 'count',
  },
  {
    key: 'shutdownTimeoutMs',
    flag: 'shutdown-timeout-ms',
    env: 'WORKBENCH_SHUTDOWN_TIMEOUT_MS',
    kind: 'ms',
  },
  { key: 'segmentBytes', flag: 'segment-bytes', env: 'WORKBENCH_SEGMENT_BYTES', kind: 'bytes' },
  { key: 'fsync', flag: 'fsync', env: 'WORKBENCH_FSYNC', kind: 'bool' },
  { key: 'ledger', flag: 'ledger', env: 'WORKBENCH_LEDGER', kind: 'bool' },
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

function parseValue(kind: Kind, raw: string): string | number | boolean | null | undefined {
  const text = raw.trim();
  switch (kind) {
    case 'string':
      return text === '' ? undefined : text;
    case 'secret':
      return text === '' ? null : raw;
    case 'port': {
      const n = /^\d+$/.test(text) ? Number(text) : NaN;
      return n >= 0 && n <= 65535 ? n : undefined;
    }
    case 'ms':
    case 'count': {
      const n = /^\d+$/.test(text) ? Number(text) : NaN;
      return Number.isSafeInteger(n) && n >= (kind === 'count' ? 1 : 0) ? n : undefined;
    }
    case 'bytes': {
      const m = /^(\d+)\s*([a-z]*)$/i.exec(text);
      const unit = m === null ? undefined : UNITS[(m[2] ?? '').toLowerCase()];
      if (m === null || unit === undefined) return undefined;
      const n = Number(m[1]) * unit;
      return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
    }
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(text)) return true;
      if (/^(0|false|no|off)$/i.test(text)) return false;
      return undefined;
  }
}

const EXPECTED: Record<Kind, string> = {
  string: 'a non-empty string',
  secret: 'a string',
  port: 'an integer from 0 to 65535',
  ms: 'a whole number of milliseconds',
  count: 'a positive integer',
  bytes: 'a positive byte size such as 16777216, 16MiB or 512k',
  bool: 'true or false',
};

/**
 * Parses `workbench serve` arguments (`--port 4319`, `--port=4319`, `--no-fsync`) into flag
 * values, without applying them.
 *
 * @example
 * parseServeArgs(['--port', '0', '--out', 'bundles']); // { ok: true, flags: { port: '0', out: 'bundles' } }
 */
export function parseServeArgs(
  argv: readonly string[],
): { ok: true; flags: Record<string, string> } | { ok: false; issues: ConfigIssue[] } {
  const flags: Record<string, string> = Object.create(null) as Record<string, string>;
  const issues: ConfigIssue[] = [];
  const known = new Map<string, { readonly kind: Kind }>(
    RECEIVER_SETTINGS.map((s) => [s.flag, s] as const),
  );
  known.set(SIGN_KEY_FLAG, { kind: 'string' });
  known.set(S3_ENDPOINT_FLAG, { kind: 'string' });
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    if (m === null) {
      issues.push({
        code: 'unknown_flag',
        path: arg,
        message: `unexpected argument ${JSON.stringify(arg)}`,
      });
      continue;
    }
    let name = m[1] as string;
    let value = m[2];
    if (
      name.startsWith('no-') &&
      known.get(name.slice(3))?.kind === 'bool' &&
      value === undefined
    ) {
      name = name.slice(3);
      value = 'false';
    }
    const setting = known.get(name);
    if (setting === undefined) {
      issues.push({ code: 'unknown_flag', path: `--${name}`, message: `unknown flag --${name}` });
      continue;
    }
    if (value === undefined) {
      const next = argv[i + 1];
      if (setting.kind === 'bool' && (next === undefined || next.startsWith('--'))) value = 'true';
      else if (next === undefined) {
        issues.push({
          code: 'missing_value',
          path: `--${name}`,
          message: `--${name} needs a value`,
        });
        continue;
      } else {
        value = next;
        i++;
      }
    }
    flags[name] = value;
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, flags };
}

/**
 * Resolves receiver options from flag values (as `parseServeArgs` returns them) over
 * `WORKBENCH_*` environment variables over the defaults, and validates them. A bad value is
 * quoted in its issue, except the token's, which is never repeated.
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
    const value = parseValue(s.kind, raw);
    if (value === undefined) {
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
