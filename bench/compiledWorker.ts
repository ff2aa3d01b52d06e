/**
 * Benchmarks run the worker as the image does: compiled JavaScript in production mode, not the
 * checkout's sources through ts-node (which costs about 100 MB of RSS and a slower start).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { spawnWorkerProcess, type WorkerProcess } from '../test/support/workerProcess';

const ROOT = path.resolve(__dirname, '..');

/** Compiles the project to dist/ (tsc), once per benchmark run. */
export function compileProject(): void {
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
}

export function spawnCompiledWorker(options: {
  taskQueue: string;
  address: string;
  bundlePath?: string;
  args?: readonly string[];
  env?: Readonly<Record<string, string>>;
}): Promise<WorkerProcess> {
  return spawnWorkerProcess({ ...options, bin: path.join(ROOT, 'dist/src/cli/main.js'), env: { NODE_ENV: 'production', ...options.env } });
}
