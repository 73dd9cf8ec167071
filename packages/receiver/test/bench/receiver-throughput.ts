// Spans per second through `workbench serve` (a child process, fsync on) over OTLP/HTTP:
// `node --conditions=source --import tsx packages/receiver/test/bench/receiver-throughput.ts [json|protobuf] [requests]`
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchSpans, jsonBody, protobufBody } from './otlp-bodies.js';

const format = process.argv[2] === 'protobuf' ? 'protobuf' : 'json';
const requests = Number(process.argv[3] ?? 200);
const concurrency = Number(process.env.CONC ?? 16);
const root = join(import.meta.dirname, '..', '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'wb-bench-'));

const child = spawn(
  process.execPath,
  [
    ...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.PROF] : []),
    '--conditions=source',
    '--import',
    'tsx',
    join(import.meta.dirname, '..', 'fixtures', 'serve.ts'),
    '--port',
    '0',
    '--data',
    join(dir, 'data'),
    '--out',
    join(dir, 'out'),
    '--quiet-ms',
    process.env.QUIET ?? '1000',
    '--max-buffered-bytes',
    '1GiB',
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
);
let stdout = '';
const url = await new Promise<string>((resolve) => {
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    const m = /at (http:\/\/\S+)\/v1\/traces/.exec(stdout);
    if (m?.[1] !== undefined) resolve(m[1]);
  });
});

const bodies = Array.from({ length: requests }, (_, i) => {
  const spans = benchSpans(50, 20, i + 1);
  return format === 'json' ? jsonBody(spans) : protobufBody(spans);
});
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const type = format === 'json' ? 'application/json' : 'application/x-protobuf';

function post(body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/traces`,
      { method: 'POST', agent, headers: { 'content-type': type, 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let next = 0;
let ok = 0;
const started = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++] as Buffer;
      for (;;) {
        const status = await post(body);
        if (status === 200) break;
        if (status !== 429 && status !== 503) throw new Error(`status ${status}`);
      }
      ok++;
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(
  `${format}: ${ok} requests of 1000 spans (${bodies[0]?.length} bytes each) in ${seconds.toFixed(2)} s = ${Math.round((ok * 1000) / seconds).toLocaleString('en-US')} spans/s, fsync on`,
);
agent.destroy();
child.kill('SIGTERM');
