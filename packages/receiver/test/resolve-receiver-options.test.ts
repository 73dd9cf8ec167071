import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import {
  parseServeArgs,
  RECEIVER_DEFAULTS,
  RECEIVER_SETTINGS,
  resolveReceiverOptions,
  runServeCommand,
  SERVE_USAGE,
} from '../src/index.js';
import {
  checkReceiverOptions,
  receiverSettingsTableCells,
  receiverSettingsUsage,
} from '../src/resolve-receiver-options.js';

describe('resolveReceiverOptions', () => {
  it('uses the defaults when nothing is set', () => {
    expect(resolveReceiverOptions({}, {})).toEqual({ ok: true, options: { ...RECEIVER_DEFAULTS } });
  });

  it('reads WORKBENCH_* variables, and flags win over them', () => {
    const parsed = parseServeArgs([
      '--port',
      '9000',
      '--out=o',
      '--no-fsync',
      '--max-body-bytes',
      '4MiB',
    ]);
    if (!parsed.ok) throw new Error('parse failed');
    const result = resolveReceiverOptions(parsed.flags, {
      WORKBENCH_PORT: '1234',
      WORKBENCH_DATA: 'd',
      WORKBENCH_TOKEN: 't0k',
      WORKBENCH_QUIET_MS: '250',
    });
    expect(result).toMatchObject({
      ok: true,
      options: {
        port: 9000,
        outDir: 'o',
        dataDir: 'd',
        token: 't0k',
        quietMs: 250,
        fsync: false,
        maxBodyBytes: 4 * 1024 * 1024,
      },
    });
  });

  it('quotes a bad value, but never the token', () => {
    const result = resolveReceiverOptions({ port: '70000' }, { WORKBENCH_QUIET_MS: 'soon' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.map((i) => i.path)).toEqual(['--port', 'WORKBENCH_QUIET_MS']);
      expect(result.issues[0]?.message).toContain('"70000"');
      expect(result.issues[1]?.message).toContain('"soon"');
    }
  });

  it('reports unknown flags, stray arguments and missing values', () => {
    expect(parseServeArgs(['--bogus', '1'])).toMatchObject({
      ok: false,
      issues: [{ code: 'unknown_flag', path: '--bogus' }],
    });
    expect(parseServeArgs(['stray'])).toMatchObject({
      ok: false,
      issues: [{ code: 'unknown_flag', path: 'stray' }],
    });
    expect(parseServeArgs(['--port'])).toMatchObject({
      ok: false,
      issues: [{ code: 'missing_value', path: '--port' }],
    });
  });

  it('reads --no-X as false and --X as true for switches, the last one winning', () => {
    expect(parseServeArgs(['--no-fsync', '--ledger'])).toEqual({
      ok: true,
      flags: { fsync: 'false', ledger: 'true' },
    });
  });

  it('checks values given as text with the same schema as options given in code', () => {
    for (const [flag, text, key, value] of [
      ['max-open-runs', '0', 'maxOpenRuns', 0],
      ['run-ttl-ms', '-1', 'runTtlMs', -1],
      ['grpc-port', '65536', 'grpcPort', 65536],
      ['host', ' ', 'host', ''],
    ] as const) {
      const fromText = resolveReceiverOptions({ [flag]: text }, {});
      expect(fromText.ok, flag).toBe(false);
      const inCode = checkReceiverOptions({ ...RECEIVER_DEFAULTS, [key]: value });
      expect(inCode.map((i) => i.path)).toEqual([key]);
      expect(inCode[0]?.message).toContain(JSON.stringify(value));
    }
    expect(checkReceiverOptions({ ...RECEIVER_DEFAULTS })).toEqual([]);
  });

  it('never quotes a token given in code', () => {
    const issues = checkReceiverOptions({ ...RECEIVER_DEFAULTS, token: '' });
    expect(issues.map((i) => i.path)).toEqual(['token']);
    expect(issues[0]?.message).not.toContain('""');
  });
});

describe('RECEIVER_SETTINGS', () => {
  it('is the table the README shows: option, flag, variable and default of every setting', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const rows = readme
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split(' | ').map((cell) => cell.replace(/^\| /, '')));
    const keys = new Set(RECEIVER_SETTINGS.map((s) => `\`${s.key}\``));
    const shown = rows.filter((cells) => keys.has(cells[0] ?? '')).map((c) => c.slice(0, 4));
    expect(shown).toEqual(receiverSettingsTableCells());
  });

  it('is the table the usage text shows', () => {
    for (const s of RECEIVER_SETTINGS) {
      expect(SERVE_USAGE).toMatch(new RegExp(`--(\\[no-\\])?${s.flag}\\b.*${s.env} +default `));
    }
    expect(SERVE_USAGE).toContain(receiverSettingsUsage());
  });
});

describe('runServeCommand', () => {
  function io(stop: Promise<unknown> = Promise.resolve()): {
    out: string[];
    err: string[];
    io: Parameters<typeof runServeCommand>[1];
  } {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: {
        stdout: { write: (t: string) => out.push(t) },
        stderr: { write: (t: string) => err.push(t) },
        env: {},
        stop,
      },
    };
  }

  it('exits 2 with the reason for bad options', async () => {
    const t = io();
    expect(await runServeCommand(['--port', 'x'], t.io)).toBe(2);
    expect(t.err.join('')).toContain('--port must be an integer from 0 to 65535, got "x"');
  });

  it('prints usage for --help', async () => {
    const t = io();
    expect(await runServeCommand(['--help'], t.io)).toBe(0);
    expect(t.out.join('')).toContain('WORKBENCH_TOKEN');
  });

  it('serves until told to stop, then exits 0', async () => {
    const { tempDir } = await import('./helpers.js');
    let stop!: () => void;
    const t = io(new Promise<void>((r) => (stop = r)));
    const running = runServeCommand(
      ['--port', '0', '--data', tempDir(), '--out', tempDir(), '--token', 'hidden-value'],
      t.io,
    );
    const url = await waitUntil(
      () => /at (http:\/\/\S+)\/v1\/traces/.exec(t.out.join(''))?.[1],
      'the receiver to start',
    );
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    stop();
    expect(await running).toBe(0);
    expect([...t.out, ...t.err].join('')).not.toContain('hidden-value');
  });
});

describe('runServeCommand start failures', () => {
  it('exits 3 with the reason when the port is taken', async () => {
    const { tempDir } = await import('./helpers.js');
    const { startReceiver } = await import('../src/index.js');
    const first = await startReceiver({ port: 0, dataDir: tempDir(), outDir: tempDir() });
    try {
      const err: string[] = [];
      const code = await runServeCommand(
        ['--port', new URL(first.url).port, '--data', tempDir(), '--out', tempDir()],
        {
          stdout: { write: () => true },
          stderr: { write: (t: string) => err.push(t) },
          env: {},
          stop: Promise.resolve(),
        },
      );
      expect(code).toBe(3);
      expect(err.join('')).toMatch(/cannot start: .*EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
