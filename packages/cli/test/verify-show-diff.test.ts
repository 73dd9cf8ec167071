import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  foldRun,
  sealBundle,
  serializeBundle,
  attributesFrom,
  type SpanRecord,
} from '@llm-workbench/bundle';
import * as sc from '@llm-workbench/semconv';
import { runCli } from './run-cli.js';

const T = 'abcdef0123456789abcdef0123456789';
const a = (o: Record<string, string | number>) => attributesFrom(Object.entries(o));

function spans(decision = 'approved'): SpanRecord[] {
  const base = {
    traceId: T,
    kind: 'internal' as const,
    status: { code: 'ok' as const },
    resource: a({ 'service.name': 'svc' }),
    scope: { name: 't' },
  };
  return [
    {
      ...base,
      spanId: '1000000000000001',
      name: 'run',
      startTimeUnixNano: 1_000_000_000_000n,
      endTimeUnixNano: 1_010_000_000_000n,
      attributes: a({ [sc.ATTR_RUN_ID]: 'r1', [sc.ATTR_RUN_NAME]: 'demo' }),
      events: [
        {
          name: sc.EVENT_WORKFLOW_SNAPSHOT,
          timeUnixNano: 1_000_000_000_000n,
          attributes: a({
            [sc.ATTR_WORKFLOW_ID]: 'wf',
            [sc.ATTR_WORKFLOW_REVISION]: '2',
            [sc.ATTR_WORKFLOW_DEFINITION]: '{"nodes":[]}',
          }),
        },
      ],
    },
    {
      ...base,
      spanId: '2000000000000002',
      parentSpanId: '1000000000000001',
      name: 'step review',
      startTimeUnixNano: 1_001_000_000_000n,
      endTimeUnixNano: 1_005_000_000_000n,
      attributes: a({ [sc.ATTR_STEP_ID]: 'review', [sc.ATTR_STEP_KIND]: 'human' }),
      events: [
        {
          name: sc.EVENT_GATE_REQUESTED,
          timeUnixNano: 1_001_000_000_000n,
          attributes: a({ [sc.ATTR_GATE_ID]: 'review' }),
        },
        {
          name: sc.EVENT_GATE_RESOLVED,
          timeUnixNano: 1_004_500_000_000n,
          attributes: a({
            [sc.ATTR_GATE_ID]: 'review',
            [sc.ATTR_GATE_DECISION]: decision,
            [sc.ATTR_GATE_ACTOR]: 'ed@example.com',
          }),
        },
        {
          name: sc.EVENT_MODEL_IO,
          timeUnixNano: 1_002_000_000_000n,
          attributes: a({
            [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'fake',
            [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'm',
            [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 1200,
            [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 30,
            [sc.ATTR_GEN_AI_USAGE_AUDIO_INPUT_TOKENS]: 200,
            [sc.ATTR_MODEL_IO_DURATION_MS]: 640,
            [sc.ATTR_MODEL_IO_COST_AMOUNT]: 0.0125,
            [sc.ATTR_MODEL_IO_COST_CURRENCY]: 'USD',
          }),
        },
      ],
    },
  ];
}

function files(): { dir: string; good: string; tampered: string; other: string } {
  const dir = mkdtempSync(join(tmpdir(), 'wb-cli-'));
  const text = serializeBundle(sealBundle(foldRun(spans())));
  const good = join(dir, 'good.json');
  const tampered = join(dir, 'tampered.json');
  const other = join(dir, 'other.json');
  writeFileSync(good, text);
  writeFileSync(tampered, text.replace('ed@example.com', 'mallory@example.com'));
  writeFileSync(other, serializeBundle(sealBundle(foldRun(spans('rejected')))));
  return { dir, good, tampered, other };
}

describe('workbench verify', () => {
  it('prints the hash and exits 0 when every bundle is intact', async () => {
    const f = files();
    const r = await runCli(['verify', f.good, f.other]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK {4}[0-9a-f]{64} {2}.*good\.json$/m);
  });

  it('prints the reason and exits 1 when one is not', async () => {
    const f = files();
    const r = await runCli(['verify', f.good, f.tampered]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}.*tampered\.json: hash_mismatch at \/integrity\/sha256/);
  });

  it('exits 3 for a missing file and 2 for no file, and reads stdin for -', async () => {
    const f = files();
    expect((await runCli(['verify', join(f.dir, 'nope.json')])).code).toBe(3);
    expect((await runCli(['verify'])).code).toBe(2);
    const { readFileSync } = await import('node:fs');
    const r = await runCli(['verify', '-', '--json'], readFileSync(f.good, 'utf8'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject([{ file: '-', ok: true }]);
  });
});

describe('workbench show', () => {
  it('prints the run, gates with wait, model totals and integrity', async () => {
    const f = files();
    const r = await runCli(['show', f.good]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Integrity  verified');
    expect(r.stdout).toContain('Workflow   wf @ revision 2');
    expect(r.stdout).toMatch(/review +approved +ed@example\.com .* 3\.500 s/);
    expect(r.stdout).toMatch(/TOTAL +1 calls +1,200 +30 +640 ms +0\.0125 USD/);
    expect(r.stdout).toContain('Usage by modality (parts of the totals above)');
    expect(r.stdout).toMatch(/fake\/m +audio +200\n/);
  });

  it('shows a tampered bundle under a warning and exits 1', async () => {
    const f = files();
    const r = await runCli(['show', f.tampered]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('!! INTEGRITY FAILED');
    expect(r.stdout).toContain('mallory@example.com');
  });
});

/** The run of {@link spans}, with tool calls in the review step (`tools` of them, one failing). */
function withTools(tools: number, name = 'search\u001b[2Jdocs'): string {
  const base = spans()[1]!;
  const extra: SpanRecord[] = Array.from({ length: tools }, (_, i) => ({
    ...base,
    spanId: `300000000000000${i}`,
    parentSpanId: '2000000000000002',
    name: `execute_tool ${i}`,
    status: i === 0 ? { code: 'error' as const, message: 'timeout' } : { code: 'ok' as const },
    startTimeUnixNano: 1_002_000_000_000n,
    endTimeUnixNano: 1_002_250_000_000n,
    attributes: a({
      [sc.ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool',
      [sc.ATTR_GEN_AI_TOOL_NAME]: name,
      [sc.ATTR_GEN_AI_TOOL_CALL_ID]: `call_${i}`,
      [sc.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: '{"q":"otel"}',
    }),
    events: [],
  }));
  const dir = mkdtempSync(join(tmpdir(), 'wb-cli-tools-'));
  const file = join(dir, `tools-${tools}.json`);
  writeFileSync(file, serializeBundle(sealBundle(foldRun([...spans(), ...extra]))));
  return file;
}

describe('workbench show, tool calls', () => {
  it('lists each tool call and escapes the control characters a span value carried', async () => {
    const r = await runCli(['show', withTools(2)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Tool calls');
    expect(r.stdout).toMatch(
      /review +search\\u001b\[2Jdocs +call_0 +error +250 ms +[0-9a-f]{12}… +gen_ai/,
    );
    expect(r.stdout).toMatch(/tool search\\u001b\[2Jdocs \[call_1\] ok · 250 ms/);
    expect(r.stdout).not.toContain('\u001b');
    const j = JSON.parse((await runCli(['show', withTools(2), '--json'])).stdout);
    expect(j.tools).toEqual({ 'search\u001b[2Jdocs': { calls: 2, errors: 1, durationMs: 500 } });
  });

  it('diffs tool calls per tool', async () => {
    const j = await runCli(['diff', withTools(1, 'search'), withTools(3, 'search'), '--json']);
    // One call failed in each run: only the count differs.
    expect(JSON.parse(j.stdout).changes).toEqual([
      { area: 'tool', subject: 'search.calls', before: 1, after: 3 },
    ]);
  });
});

describe('workbench diff', () => {
  it('lists what changed and exits 1, or exits 0 for identical runs', async () => {
    const f = files();
    const r = await runCli(['diff', f.good, f.other]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/gate +review\.decision +approved +rejected/);
    expect((await runCli(['diff', f.good, f.good])).code).toBe(0);
    const j = await runCli(['diff', f.good, f.other, '--json']);
    expect(JSON.parse(j.stdout).changes).toEqual([
      { area: 'gate', subject: 'review.decision', before: 'approved', after: 'rejected' },
    ]);
  });
});

describe('workbench', () => {
  it('exits 2 with usage for an unknown command or flag', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const r = await runCli(['verify', '--nope', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown option/);
  });
});

describe('workbench show, disputes and gate history', () => {
  /** The run with its review span sent twice: honest (rejected by zoe) and forged (approved by admin). */
  function forged(): string {
    const honest = spans('rejected');
    const review = honest[1]!;
    const fake: SpanRecord = {
      ...review,
      events: review.events.map((e) =>
        e.name === sc.EVENT_GATE_RESOLVED
          ? {
              ...e,
              attributes: a({
                [sc.ATTR_GATE_ID]: 'review',
                [sc.ATTR_GATE_DECISION]: 'approved',
                [sc.ATTR_GATE_ACTOR]: 'admin@example.com',
              }),
            }
          : e,
      ),
    };
    const dir = mkdtempSync(join(tmpdir(), 'wb-cli-'));
    const file = join(dir, 'forged.json');
    writeFileSync(file, serializeBundle(sealBundle(foldRun([...honest, fake]))));
    return file;
  }

  it('shows a forged duplicate as a dispute, with both decisions, and marks the gate', async () => {
    const r = await runCli(['show', forged()]);
    expect(r.stdout).toContain('!! DISPUTED 1 span(s)');
    expect(r.stdout).toMatch(
      /\/events\/\d\/attributes\/workbench\.gate\.decision: "approved" {2}\| {2}"rejected"/,
    );
    expect(r.stdout).toMatch(/review +approved +admin@example\.com .*DISPUTED/);
    expect(r.stdout).toMatch(/gate review approved by admin@example\.com +DISPUTED/);
    const j = JSON.parse((await runCli(['show', forged(), '--json'])).stdout) as {
      disputes: unknown[];
      gates: Array<{ disputed: boolean }>;
    };
    expect(j.disputes).toHaveLength(1);
    expect(j.gates[0]!.disputed).toBe(true);
  });

  it("shows a tool approval's subject: the tool, its call id and the arguments' hash", async () => {
    const run = spans();
    const review = run[1]!;
    const request = review.events[0]!;
    const toolGate: SpanRecord = {
      ...review,
      events: [
        {
          ...request,
          attributes: a({
            [sc.ATTR_GATE_ID]: 'review',
            [sc.ATTR_GATE_SUBJECT_TOOL_NAME]: 'send_email',
            [sc.ATTR_GATE_SUBJECT_TOOL_CALL_ID]: 'call_1',
            [sc.ATTR_GATE_SUBJECT_TOOL_ARGUMENTS_SHA256]: 'ab'.repeat(32),
          }),
        },
        ...review.events.slice(1),
      ],
    };
    const dir = mkdtempSync(join(tmpdir(), 'wb-cli-'));
    const file = join(dir, 'tool.json');
    writeFileSync(file, serializeBundle(sealBundle(foldRun([run[0]!, toolGate]))));
    const r = await runCli(['show', file]);
    expect(r.stdout).toContain(
      'gate review requested on tool send_email [call_1] args sha256 abababababab…',
    );
  });

  it('shows a pending gate as pending and the run as not complete', async () => {
    const run = spans();
    const review = run[1]!;
    const pending: SpanRecord = {
      ...review,
      events: review.events.filter((e) => e.name !== sc.EVENT_GATE_RESOLVED),
    };
    const dir = mkdtempSync(join(tmpdir(), 'wb-cli-'));
    const file = join(dir, 'pending.json');
    writeFileSync(file, serializeBundle(sealBundle(foldRun([run[0]!, pending]))));
    const r = await runCli(['show', file]);
    expect(r.stdout).toMatch(/Status +ok +INCOMPLETE/);
    expect(r.stdout).toContain('Awaiting   gate review: requested, not resolved');
    expect(r.stdout).toMatch(/review +PENDING/);
    expect(r.stdout).not.toContain('timed_out');
  });

  it('shows every decision of a gate resolved twice, and one resolved without a request', async () => {
    const run = spans();
    const review = run[1]!;
    const twice: SpanRecord = {
      ...review,
      events: [
        ...review.events,
        {
          name: sc.EVENT_GATE_RESOLVED,
          timeUnixNano: 1_004_800_000_000n,
          attributes: a({
            [sc.ATTR_GATE_ID]: 'review',
            [sc.ATTR_GATE_DECISION]: 'rejected',
            [sc.ATTR_GATE_ACTOR]: 'zoe@example.com',
          }),
        },
        {
          name: sc.EVENT_GATE_RESOLVED,
          timeUnixNano: 1_004_900_000_000n,
          attributes: a({
            [sc.ATTR_GATE_ID]: 'deploy',
            [sc.ATTR_GATE_DECISION]: 'approved',
            [sc.ATTR_GATE_ACTOR]: 'bot',
          }),
        },
      ],
    };
    const dir = mkdtempSync(join(tmpdir(), 'wb-cli-'));
    const file = join(dir, 'twice.json');
    writeFileSync(file, serializeBundle(sealBundle(foldRun([run[0]!, twice]))));
    const r = await runCli(['show', file]);
    expect(r.stdout).toMatch(/review +rejected +zoe@example\.com .*RESOLVED AGAIN/);
    expect(r.stdout).toMatch(/deploy +approved +bot .*NO REQUEST/);
    expect(r.stdout).toContain('review history:');
    expect(r.stdout).toMatch(/approved by ed@example\.com\n.*rejected by zoe@example\.com/);
    expect(r.stdout).toContain('gate_resolved_again');
    expect(r.stdout).toContain('gate_resolved_without_request');
  });
});
