import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { summarizeBundle, verifyBundle, type RunBundle } from '@llm-workbench/bundle';
import { startReceiver, type Receiver } from '@llm-workbench/receiver';
import { gatesOf, REFUND_GATE_ID, REFUND_SUBJECT_TOOL } from './refund-agent.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const SEGMENT_PROCESS = fileURLToPath(new URL('./agents-segment-process.ts', import.meta.url));

/** Runs one segment in a process of its own; rejects with its stderr if it fails. */
async function runSegment(segment: 1 | 2, args: string[]): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', SEGMENT_PROCESS, String(segment), ...args],
    { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`segment ${segment} exited ${code}: ${stderr}`);
}

function readVerified(path: string): RunBundle {
  const text = readFileSync(path, 'utf8');
  const verdict = verifyBundle(text);
  if (!verdict.ok) throw new Error(`${path} does not verify: ${JSON.stringify(verdict)}`);
  return JSON.parse(text) as RunBundle;
}

describe('gates-openai-agents across a process exit', () => {
  let dir: string;
  let receiver: Receiver;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wb-agents-pause-'));
    receiver = await startReceiver({
      host: '127.0.0.1',
      port: 0,
      outDir: join(dir, 'received'),
      dataDir: join(dir, 'data'),
      quietMs: 50,
      fsync: false,
    });
  });
  afterAll(async () => {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives one bundle whose gate spans both segments, in-process and through the receiver, same hash', async () => {
    const state = join(dir, 'state');
    const local = join(dir, 'local');
    mkdirSync(state);
    const args = [state, local, receiver.url, 'refund-run-1'];

    // Process A: the SDK pauses on the refund; RunState.toString() and run.suspend(), then exit.
    await runSegment(1, args);
    // Process B: RunState.fromString, wb.resumeRun, approveToolCall, the agent finishes.
    await runSegment(2, args);

    const [trace1, trace2] = readFileSync(join(state, 'traces'), 'utf8').trim().split('\n');
    expect(trace2).toBeDefined();
    expect(trace2).not.toBe(trace1);
    expect(readFileSync(join(state, 'output'), 'utf8')).toContain('refunded');

    // The processor of process B folded both segments into segment 1's bundle.
    const inProcess = readVerified(join(local, `${trace1}.json`));
    const received = await vi.waitFor(
      async () => {
        await receiver.flush();
        return readVerified(join(dir, 'received', `${trace1}.json`));
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(received.integrity.sha256).toBe(inProcess.integrity.sha256);

    expect(inProcess.run).toMatchObject({ runId: 'refund-run-1', traceId: trace1, complete: true });
    expect(inProcess.run.segments?.map((s) => [s.segment, s.traceId, s.state])).toEqual([
      [1, trace1, 'suspended'],
      [2, trace2, 'ended'],
    ]);
    const { requested, resolved } = gatesOf(inProcess);
    expect(requested).toHaveLength(1);
    expect(resolved).toHaveLength(1);
    expect(requested[0]).toMatchObject({
      gateId: REFUND_GATE_ID,
      policy: 'ops-approves-refunds',
      stepId: 'ask',
      subject: { tool: REFUND_SUBJECT_TOOL },
    });
    expect(resolved[0]).toMatchObject({
      gateId: REFUND_GATE_ID,
      decision: 'approved',
      actor: 'ops@example.com',
      reason: 'Order checked.',
      stepId: 'decide',
    });
    const gate = summarizeBundle(inProcess).gates.get(REFUND_GATE_ID);
    expect(gate?.state).toBe('resolved');
    expect(gate?.history.map((h) => h.segment)).toEqual([1, 2]);
    expect(inProcess.diagnostics).toEqual([]);
  });
});
