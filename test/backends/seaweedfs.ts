/**
 * A real SeaweedFS for tests, through test/backends/seaweedfs.sh: built on first use (cached like
 * Jaeger and the Collector), started on free loopback ports with its data in a folder of the
 * test's, stopped and started again on the same ports and data.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

const SCRIPT = fileURLToPath(new URL('./seaweedfs.sh', import.meta.url));

/** The test identity seaweedfs.sh configures (a test server's, never a real credential). */
export const SEAWEEDFS_CREDENTIALS = {
  accessKeyId: 'workbench',
  secretAccessKey: 'workbench-secret',
} as const;

/** A running (or stopped) SeaweedFS of a test. */
export interface SeaweedFs {
  /** Its folder: data/, logs/seaweedfs.log, pids/, s3.json. */
  readonly dir: string;
  /** The S3 endpoint, e.g. `http://127.0.0.1:41234`; the same after a restart. */
  readonly endpoint: string;
  /** Creates a bucket (the server creates none by itself: `-s3.autoCreateBucket=false`). */
  createBucket(name: string): Promise<void>;
  /** Stops the server (SIGTERM, SIGKILL after 20 s: a clean stop takes it about 15 s); its data stays. */
  stop(): Promise<void>;
  /** Kills the server (SIGKILL): a crash, and the fast way to stop it; its data stays. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data; resolves once S3 answers. */
  start(): Promise<void>;
}

async function run(action: 'start' | 'stop' | 'kill', dir: string): Promise<void> {
  const child = spawn('bash', [SCRIPT, action, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    throw new Error(`test/backends/seaweedfs.sh ${action} exited ${code}:\n${output.slice(-4000)}`);
  }
}

/**
 * Starts a SeaweedFS of its own for a test file (building `weed` first if it is not cached: the
 * first build takes minutes, so call it from a `beforeAll` with a long timeout).
 *
 * @example
 * const s3 = await startSeaweedFs(); // s3.endpoint, SEAWEEDFS_CREDENTIALS … await s3.stop();
 */
export async function startSeaweedFs(
  dir = mkdtempSync(join(tmpdir(), 'seaweedfs-')),
): Promise<SeaweedFs> {
  // The free ports are picked, then released, then bound by weed: another process may take one
  // in between. Then weed exits at once, and a second pick of ports is tried (twice at most).
  for (let attempt = 1; ; attempt++) {
    try {
      await run('start', dir);
      break;
    } catch (err) {
      if (attempt >= 3 || !/address already in use|bind:/i.test((err as Error).message)) throw err;
      rmSync(join(dir, 'seaweedfs.env'), { force: true });
    }
  }
  const env = readFileSync(join(dir, 'seaweedfs.env'), 'utf8');
  const endpoint = /^S3_ENDPOINT=(.*)$/m.exec(env)?.[1];
  if (endpoint === undefined) throw new Error(`no S3_ENDPOINT in ${dir}/seaweedfs.env`);
  return {
    dir,
    endpoint,
    async createBucket(name) {
      const client = new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: SEAWEEDFS_CREDENTIALS,
      });
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      } finally {
        client.destroy();
      }
    },
    stop: () => run('stop', dir),
    kill: () => run('kill', dir),
    start: () => run('start', dir),
  };
}
