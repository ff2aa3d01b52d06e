/**
 * Workflow histories for replay: every run of a workflow (following continue-as-new), and the
 * committed fixtures the replay test checks the current code against. Fixtures are (re)written
 * by the tests that produce them when VIBFLOW_RECORD_HISTORIES=1.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORY_FIXTURES = path.resolve(__dirname, '../fixtures/histories');
/** The workflow id each fixture ran under: code that derives ids from its own replays only with it. */
const WORKFLOW_IDS = path.join(HISTORY_FIXTURES, 'workflow-ids.json');

export async function fixtureWorkflowIds(): Promise<Record<string, string>> {
  return JSON.parse(await readFile(WORKFLOW_IDS, 'utf8').catch(() => '{}')) as Record<string, string>;
}

export type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

export interface RunHistory {
  readonly workflowId: string;
  readonly runId: string;
  readonly history: History;
}

export async function runHistories(client: Client, handle: WorkflowHandle & { firstExecutionRunId?: string }): Promise<RunHistory[]> {
  const runs: RunHistory[] = [];
  let runId = handle.firstExecutionRunId ?? (await handle.describe()).runId;
  for (let run = 0; runId && run < 1000; run++) {
    const history = await client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
    runs.push({ workflowId: handle.workflowId, runId, history });
    const last = history.events?.[history.events.length - 1];
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? '';
  }
  return runs;
}

/** Writes every run of the workflow as `<name>[.runN].json` when recording is asked for. */
export async function recordHistoryFixture(client: Client, name: string, handle: WorkflowHandle): Promise<void> {
  if (!process.env.VIBFLOW_RECORD_HISTORIES) return;
  await mkdir(HISTORY_FIXTURES, { recursive: true });
  const runs = await runHistories(client, handle);
  const ids = await fixtureWorkflowIds();
  for (const [index, run] of runs.entries()) {
    const file = `${name}${runs.length > 1 ? `.run${index + 1}` : ''}.json`;
    await writeFile(path.join(HISTORY_FIXTURES, file), historyToJSON(run.history));
    ids[file] = run.workflowId;
  }
  await writeFile(WORKFLOW_IDS, `${JSON.stringify(Object.fromEntries(Object.entries(ids).sort()), null, 2)}\n`);
}
