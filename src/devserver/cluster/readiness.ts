/**
 * "Answers" for each part of the cluster, and the one-time registration of the namespace and
 * vibflow's search attributes (what compose's register-search-attributes job does).
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { VIBFLOW_SEARCH_ATTRIBUTES } from '../../shared/searchAttributes';
import { NAMESPACE } from './layout';
import { isRunning, lastLogLine, type ProcessRecord } from './processes';

/** Closed workflows are kept this long, as in the compose file's namespace creation. */
export const NAMESPACE_RETENTION = '72h';

// gRPC status codes and Temporal's IndexedValueType, by number (their enums are not direct dependencies).
const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;
const INDEXED_VALUE_TYPES = { Keyword: 2 } as const;

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

async function withConnection<T>(address: string, fn: (connection: Connection) => Promise<T>): Promise<T> {
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

/** The namespace exists with every vibflow search attribute, as seen through ADDRESS. */
export function namespaceReady(address: string): Promise<boolean> {
  return withConnection(address, async (connection) => {
    await connection.workflowService.describeNamespace({ namespace: NAMESPACE });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: NAMESPACE });
    return VIBFLOW_SEARCH_ATTRIBUTES.every((a) => customAttributes?.[a.name] !== undefined);
  });
}

/** Creates the namespace and the missing search attributes; idempotent. */
export function registerNamespace(address: string): Promise<void> {
  return withConnection(address, async (connection) => {
    try {
      await connection.workflowService.registerNamespace({
        namespace: NAMESPACE,
        workflowExecutionRetentionPeriod: msToTs(NAMESPACE_RETENTION),
      });
    } catch (err) {
      if (!(isGrpcServiceError(err) && err.code === ALREADY_EXISTS)) throw err;
    }
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: NAMESPACE });
    const missing = VIBFLOW_SEARCH_ATTRIBUTES.filter((a) => customAttributes?.[a.name] === undefined);
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace: NAMESPACE,
      searchAttributes: Object.fromEntries(missing.map((a) => [a.name, INDEXED_VALUE_TYPES[a.type]])),
    });
  });
}

export async function httpAnswers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer();
  return response.ok;
}
