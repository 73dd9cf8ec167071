/**
 * Prints the functions with the most self time in a V8 CPU profile, and the same time by source
 * (workspace package, dependency, Node internals, GC). One profile per thread: a worker thread
 * writes its own file.
 *
 * Usage:
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --conditions=source --import tsx bench/processor.bench.ts
 *   node --conditions=source --import tsx bench/cpu-profile-top.ts /tmp/prof/CPU.*.cpuprofile [count]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time in µs per key, for keys made from each sample's call frame. */
function selfTime(profile: Profile, key: (node: ProfileNode) => string): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (node === undefined) return;
    const k = key(node);
    out.set(k, (out.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return out;
}

function functionKey({ callFrame: f }: ProfileNode): string {
  const file = f.url.split('/').slice(-2).join('/');
  return `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
}

function sourceKey({ callFrame: f }: ProfileNode): string {
  if (f.url === '') return f.functionName.startsWith('(') ? f.functionName : 'native code';
  const dependency = /node_modules\/\.pnpm\/(@?[^@/]+(?:\+[^@/]+)?)@/.exec(f.url);
  if (dependency) return `dependency ${dependency[1]!.replace('+', '/')}`;
  const workspace = /\/(packages\/[^/]+|bench)\//.exec(f.url);
  if (workspace) return workspace[1]!;
  if (f.url.startsWith('node:')) return 'node internals';
  return f.url;
}

function print(title: string, times: Map<string, number>, count: number): void {
  let total = 0;
  for (const t of times.values()) total += t;
  console.log(`\n${title} (total ${(total / 1000).toFixed(0)} ms)`);
  for (const [k, t] of [...times].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    const ms = (t / 1000).toFixed(1).padStart(9);
    const share = ((100 * t) / total).toFixed(1).padStart(5);
    console.log(`${ms} ms ${share}%  ${k}`);
  }
}

const [file, count = '30'] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: cpu-profile-top.ts <file.cpuprofile> [count]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
print('by source', selfTime(profile, sourceKey), 15);
print('by function', selfTime(profile, functionKey), Number(count));
