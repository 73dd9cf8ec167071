import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  attributesFrom,
  foldRun,
  sealBundle,
  serializeBundle,
  type SpanRecord,
} from '@llm-workbench/bundle';
import * as sc from '@llm-workbench/semconv';
import { keygen } from './evidence-fixtures.js';
import { runCli } from './run-cli.js';

/**
 * What a hostile bundle or file name holds: an erase-line and carriage return that would make a
 * rejected gate read as approved, OSC 0 (window title) and OSC 52 (clipboard), a one-byte C1 CSI,
 * NUL, DEL, a forged line, and the bidi controls that display text reversed.
 */
const CORPUS = [
  '\u001b[2K\rapproved by editor@example.com',
  '\u001b]0;pwned\u0007',
  '\u001b]52;c;cm0gLXJmIH4=\u0007',
  '\u009b31m',
  'nul\u0000del\u007f',
  'forged\nOK    line',
  'moc.elpmaxe@\u202eevil',
  '\u2066isolate\u2069 \u200e\u200f\u061c \u202a\u202b\u202c\u202d',
].join('|');

/** Any raw control byte (but the line feed between lines) or bidi control. */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const T = 'abcdef0123456789abcdef0123456789';
const a = (o: Record<string, string | number>) => attributesFrom(Object.entries(o));

function spans(actor: string): SpanRecord[] {
  const base = {
    traceId: T,
    kind: 'internal' as const,
    status: { code: 'ok' as const },
    resource: a({ 'service.name': CORPUS }),
    scope: { name: 't' },
  };
  return [
    {
      ...base,
      spanId: '1000000000000001',
      name: 'run',
      startTimeUnixNano: 1_000_000_000_000n,
      endTimeUnixNano: 1_010_000_000_000n,
      attributes: a({ [sc.ATTR_RUN_ID]: CORPUS, [sc.ATTR_RUN_NAME]: CORPUS }),
      events: [],
    },
    {
      ...base,
      spanId: '2000000000000002',
      parentSpanId: '1000000000000001',
      name: 'step',
      startTimeUnixNano: 1_001_000_000_000n,
      endTimeUnixNano: 1_005_000_000_000n,
      attributes: a({ [sc.ATTR_STEP_ID]: CORPUS, [sc.ATTR_STEP_KIND]: 'human' }),
      events: [
        {
          name: sc.EVENT_GATE_REQUESTED,
          timeUnixNano: 1_001_000_000_000n,
          attributes: a({ [sc.ATTR_GATE_ID]: CORPUS }),
        },
        {
          name: sc.EVENT_GATE_RESOLVED,
          timeUnixNano: 1_004_000_000_000n,
          attributes: a({
            [sc.ATTR_GATE_ID]: CORPUS,
            [sc.ATTR_GATE_DECISION]: 'rejected',
            [sc.ATTR_GATE_ACTOR]: actor,
            [sc.ATTR_GATE_REASON]: CORPUS,
          }),
        },
        { name: CORPUS, timeUnixNano: 1_004_500_000_000n, attributes: a({}) },
      ],
    },
  ];
}

/** A folder holding a bundle under a hostile name (a CR and an erase-line in it) and a plain one. */
function setup(): { dir: string; evil: string; plain: string; text: string } {
  const dir = mkdtempSync(join(tmpdir(), 'wb-inject-'));
  const text = serializeBundle(sealBundle(foldRun(spans(`zoe${CORPUS}`))));
  const evil = join(dir, 'x\r\u001b[K\u202eOK.json');
  const plain = join(dir, 'plain.json');
  writeFileSync(evil, text);
  writeFileSync(plain, serializeBundle(sealBundle(foldRun(spans('zoe')))));
  return { dir, evil, plain, text };
}

function expectSafe(r: { stdout: string; stderr: string }): void {
  expect(r.stdout).not.toMatch(RAW);
  expect(r.stderr).not.toMatch(RAW);
}

describe('terminal output', () => {
  it('show escapes every control and bidi character of the bundle and its file name', async () => {
    const f = setup();
    const r = await runCli(['show', f.evil]);
    expect(r.code).toBe(0);
    expectSafe(r);
    expect(r.stdout).toContain('\\u001b[2K\\u000dapproved by editor@example.com');
    expect(r.stdout).toContain('\\u001b]52;c;');
    expect(r.stdout).toContain('\\u009b31m');
    expect(r.stdout).toContain('\\u202eevil');
    // A line feed in a value is no line of its own.
    expect(r.stdout).not.toMatch(/^OK {4}line/m);
    expect(r.stdout).toContain('forged\\u000aOK    line');
    // The gate still reads as rejected.
    expect(r.stdout).toMatch(/rejected by zoe\\u001b/);
    const json = await runCli(['show', f.evil, '--json']);
    expectSafe(json);
    // Escapes inside JSON strings are the same strings.
    expect((JSON.parse(json.stdout) as { run: { name: string } }).run.name).toBe(CORPUS);
  });

  it('diff escapes the values it compares and the file names it heads its columns with', async () => {
    const f = setup();
    const r = await runCli(['diff', f.plain, f.evil]);
    expect(r.code).toBe(1);
    expectSafe(r);
    expect(r.stdout).toContain('x\\u000d\\u001b[K\\u202eOK.json');
    expectSafe(await runCli(['diff', f.plain, f.evil, '--json']));
  });

  it('verify escapes a file name on its OK and FAIL lines, in text and JSON', async () => {
    const f = setup();
    const ok = await runCli(['verify', f.evil]);
    expect(ok.code).toBe(0);
    expectSafe(ok);
    expect(ok.stdout).toMatch(/^OK {4}[0-9a-f]{64} {2}.*x\\u000d\\u001b\[K\\u202eOK\.json$/m);
    writeFileSync(f.evil, f.text.replace('"zoe', '"eve'));
    const bad = await runCli(['verify', f.evil]);
    expect(bad.code).toBe(1);
    expectSafe(bad);
    expect(bad.stdout).toMatch(/^FAIL {2}.*x\\u000d\\u001b\[K\\u202eOK\.json: hash_mismatch/m);
    expectSafe(await runCli(['verify', f.evil, '--json']));
    const folder = await runCli(['verify', f.dir]);
    expectSafe(folder);
    const missing = await runCli(['verify', join(f.dir, 'gone\n\u001b[1A\u009bOK.json')]);
    expect(missing.code).toBe(3);
    expectSafe(missing);
  });

  it('sign, redact and render escape the file names and messages they print', async () => {
    const f = setup();
    const { key } = await keygen(f.dir, 'k');
    const signed = await runCli(['sign', f.evil, '--key', key]);
    expect(signed.code).toBe(0);
    expectSafe(signed);
    expect(signed.stdout).toContain('\\u202eOK.dsse.json');
    const out = join(f.dir, 'y\u001b]0;t\u0007.json');
    const redacted = await runCli(['redact', f.evil, '-o', out]);
    expect(redacted.code).toBe(0);
    expectSafe(redacted);
    const rendered = await runCli(['render', f.evil, '-o', join(f.dir, 'r\r\u001b[K.html')]);
    expect(rendered.code).toBe(0);
    expectSafe(rendered);
    expect(rendered.stderr).toContain('r\\u000d\\u001b[K.html');
    const usage = await runCli(['render', '--nope\u001b[2J']);
    expectSafe(usage);
  });

  it('import escapes the file names and line messages it reports', async () => {
    const f = setup();
    const dir = join(f.dir, 'in');
    mkdirSync(dir);
    const file = join(dir, 'traces\r\u001b[2K\u202e.jsonl');
    writeFileSync(file, `{"resourceSpans":[]}\nnot json \u001b]0;x\u0007\n`);
    const r = await runCli(['import', 'otlp', file, '--out', join(f.dir, 'out')]);
    expect(r.code).toBe(1);
    expectSafe(r);
    expect(r.stderr).toContain('traces\\u000d\\u001b[2K\\u202e.jsonl:2: not_json');
  });

  it('serve escapes what it prints, a quoted bad value included', async () => {
    const r = await runCli(['serve', '--port', '1\u001b]0;x\u0007\u202e']);
    expect(r.code).toBe(2);
    expectSafe(r);
    expect(r.stderr).toContain('\\u001b]0;x\\u0007\\u202e');
  });
});
