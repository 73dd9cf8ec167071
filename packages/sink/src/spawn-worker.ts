import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts the worker module `entry` (a name without extension, e.g. `'./fold-worker'`) beside the
 * calling module `from` (its `import.meta.url`), for the packages that fold and write bundles
 * (a `FileBundleSink` made again from its worker data) off the thread that serves.
 *
 * Built JavaScript starts `entry.js` directly. From source (`.ts`, under tsx or vitest) the
 * worker needs a TypeScript loader of its own: tsx's `--import` hooks do not reach a worker's
 * entry (privatenumber/tsx#354), and vitest transforms in-process. So a two-line bootstrap
 * registers tsx in the worker and imports `entry.ts`, and the `source` export condition is passed
 * on for the workspace packages.
 *
 * @example
 * const worker = spawnWorker(import.meta.url, './fold-worker', { workerData: config });
 */
export function spawnWorker(from: string, entry: string, options: WorkerOptions): Worker {
  if (!from.endsWith('.ts')) return new Worker(new URL(`${entry}.js`, from), options);
  const source = new URL(`${entry}.ts`, from).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const execArgv = [...process.execArgv];
  if (!/(--conditions[= ]|-C ?)source\b/.test(execArgv.join(' ')))
    execArgv.push('--conditions=source');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { ...options, eval: true, execArgv });
}
