/**
 * Versioning safety: the committed histories of every workflow type replay against the current
 * workflow code. A change that would break running workflows (a new, removed or reordered
 * command) fails here; see "Changing workflow code" in the README for patched().
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import * as workflows from '../../src/workflows';
import { fixtureWorkflowIds, HISTORY_FIXTURES } from '../support/histories';
import { workflowBundlePath } from '../support/temporal';

describe('committed workflow histories', () => {
  it('cover every workflow type and replay without nondeterminism', async () => {
    const ids = await fixtureWorkflowIds();
    const files = (await readdir(HISTORY_FIXTURES)).filter((f) => f.endsWith('.json') && f !== 'workflow-ids.json').sort();
    const histories = await Promise.all(files.map(async (file) => ({
      workflowId: ids[file] ?? file,
      history: JSON.parse(await readFile(path.join(HISTORY_FIXTURES, file), 'utf8')) as object,
    })));
    const typeOf = (history: object) => {
      const first = (history as { events: { workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }[] }).events[0];
      return first.workflowExecutionStartedEventAttributes?.workflowType?.name;
    };
    const workflowTypes = Object.entries(workflows).filter(([, value]) => typeof value === 'function').map(([name]) => name);
    expect(new Set(histories.map((h) => typeOf(h.history)))).toEqual(new Set(workflowTypes));

    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: workflowBundlePath() } }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(histories.length).toBeGreaterThanOrEqual(8);
  });
});
