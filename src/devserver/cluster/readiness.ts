/** "Answers" for each part of the cluster, and waiting for it without outliving a dead process. */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { isRunning, lastLogLine, type ProcessRecord } from './processes';

// A gRPC status code by number (@grpc/grpc-js is not a direct dependency).
const NOT_FOUND = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls CHECK until it holds; fails with one line when RECORD's process dies meanwhile (with the
 * last line of its log) or when the time runs out (with the last reason CHECK gave).
 */
export async function waitUntilAnswers(record: ProcessRecord, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let reason = '';
  while (Date.now() < deadline) {
    if (!isRunning(record)) {
      throw new Error(`${record.name} (${record.role}) exited during start: ${lastLogLine(record.log) || 'no output'} (log: ${record.log})`);
    }
    try {
      if (await check()) return;
    } catch (err) {
      reason = (err as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`${record.name} (${record.role}) at ${record.address} did not answer within ${timeoutMs / 1000} s${reason ? ` (${reason.split('\n')[0]})` : ''} (log: ${record.log})`);
}

export function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(true) : reject(err)));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

export async function withConnection<T>(address: string, fn: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}

/** The frontend answers and reaches a history shard (an unknown workflow is NOT_FOUND, not UNAVAILABLE). */
export function frontendAnswers(address: string): Promise<boolean> {
  return withConnection(address, async (connection) => {
    await connection.workflowService.getSystemInfo({});
    try {
      await connection.workflowService.describeWorkflowExecution({ namespace: 'temporal-system', execution: { workflowId: `vibflow-probe-${randomUUID()}` } });
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === NOT_FOUND) return true;
      throw err;
    }
    return true;
  });
}

export async function httpAnswers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer();
  return response.ok;
}
