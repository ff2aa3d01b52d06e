/** Commands run the way a user runs them: a real process, its output and its exit status. */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveTemporalCli } from '../../src/devserver/resolveTemporalCli';
import { assertNoCanary } from './secretCanary';

export interface CommandRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly timeoutMs?: number;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<CommandRun> {
  const { timeoutMs = 90_000, env = {} } = options;
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      try {
        assertNoCanary(`the output of ${path.basename(file)} ${args.join(' ')}`, stdout + stderr);
      } catch (leak) {
        return reject(leak);
      }
      resolve({ code, stdout, stderr });
    });
  });
}

const BIN = path.resolve(__dirname, '../../bin/vibflow.js');

/** `vibflow ARGS` */
export function vibflow(args: readonly string[], options?: RunOptions): Promise<CommandRun> {
  return run(process.execPath, [BIN, ...args], options);
}

/**
 * Starts a workflow the way the Web UI's Start Workflow form does (workflow type, task queue,
 * workflow id and pasted JSON), through `temporal workflow start --input-file`.
 */
export async function startLikeUiForm(form: { type: string; taskQueue: string; workflowId: string; input: unknown; inputFile: string; address: string }): Promise<CommandRun> {
  await writeFile(form.inputFile, JSON.stringify(form.input, null, 2));
  const temporal = resolveTemporalCli();
  if (!temporal) throw new Error('no temporal CLI');
  return run(temporal.path, ['workflow', 'start', '--address', form.address, '--type', form.type,
    '--task-queue', form.taskQueue, '--workflow-id', form.workflowId, '--input-file', form.inputFile]);
}
