/**
 * The run-wide secret canary: global setup makes it the password of every simulated host
 * (VIBFLOW_SIMULATOR_PASSWORD), so every install of the run carries it through the worker. Every
 * CLI output and worker log the tests capture is checked for it, and global teardown searches
 * every workflow history the dev server holds.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const CANARY_VARIABLE = 'VIBFLOW_SIMULATOR_PASSWORD';

export function newCanary(): string {
  return `Canary-${randomUUID()}`;
}

/** Throws, naming where, when the run's canary shows up in the text. */
export function assertNoCanary(where: string, text: string): void {
  const canary = process.env[CANARY_VARIABLE];
  if (canary && text.includes(canary)) throw new Error(`the secret canary leaked into ${where}`);
}

/** historyToJSON base64-encodes payloads: every payload of the JSON history, decoded. */
export function decodedPayloads(historyJson: string): string[] {
  return [...historyJson.matchAll(/"data": *"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8'));
}

/** The JSON history and its decoded payloads, where a secret would show. */
function readableHistory(json: string): string {
  return `${json}\n${decodedPayloads(json).join('\n')}`;
}

/** Visibility is eventually consistent: waits (bounded) until the workflow count stops changing. */
async function settledVisibility(client: Client): Promise<void> {
  let last = -1;
  for (let attempt = 0; attempt < 20; attempt++) {
    const { count } = await client.workflow.count();
    if (count === last) return;
    last = count;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Searches the history, search attributes and memo of every workflow in the namespace. */
export async function scanWorkflowsForCanary(client: Client): Promise<{ workflows: number; histories: number }> {
  await settledVisibility(client);
  let workflows = 0;
  let histories = 0;
  for await (const execution of client.workflow.list()) {
    workflows++;
    const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
    assertNoCanary(`the search attributes or memo of ${execution.workflowId}`,
      JSON.stringify({ searchAttributes: execution.searchAttributes, memo: execution.memo }));
    assertNoCanary(`the history of ${execution.workflowId} (run ${execution.runId})`, readableHistory(historyToJSON(await handle.fetchHistory())));
    histories++;
  }
  return { workflows, histories };
}
