/**
 * `npm run chaos`: the long chaos suite. A 50-host rollout while the worker is SIGKILLed every
 * 2-5 s; the same with the Temporal server killed and restarted on its database file mid-rollout;
 * and with 30 % transport faults plus a host rebooting mid-install. Prints the summary table and
 * exits non-zero if any host's outcome is wrong, duplicated or lost.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startDevServer, type DevServer } from '../src/devserver/devServer';
import { startSimulator } from '../src/simulator';
import { writeWorkflowBundle } from '../src/workflowBundle';
import { chaosTable, runChaos, type ChaosSummary } from '../test/support/chaos';

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-chaos-'));
  const dbFile = path.join(dir, 'temporal.db');
  let server: DevServer = await startDevServer({ dbFile, ui: false, log: () => undefined });
  const port = Number(server.address.split(':')[1]);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  await writeWorkflowBundle(bundlePath);
  const summaries: ChaosSummary[] = [];
  try {
    const scenarios = [
      { name: 'worker kills', faultRate: 0, midway: undefined },
      {
        name: 'worker kills + server restart',
        faultRate: 0,
        midway: async () => {
          await server.kill();
          server = await startDevServer({ dbFile, port, ui: false, log: () => undefined });
        },
      },
      { name: 'kills + 30% faults + host reboot', faultRate: 0.3, midway: undefined as undefined | (() => Promise<void>) },
    ];
    for (const [index, scenario] of scenarios.entries()) {
      const simulator = await startSimulator({ hosts: 50, basePort: 0, addressBase: `127.${50 + index}.0.1`, installSeconds: 6, faultRate: scenario.faultRate, seed: index + 1 });
      const midway = scenario.name.includes('reboot') ? async () => simulator.rebootHost('esx-025', 5) : scenario.midway;
      const connection = await Connection.connect({ address: server.address });
      try {
        const summary = await runChaos({ name: scenario.name, client: new Client({ connection }), simulator, address: server.address, bundlePath, taskQueue: `chaos-${index}`, maxConcurrency: 10, maxKills: 12, hostsAllowedToFail: 2, ...(midway ? { midway } : {}), seed: index + 7 });
        summaries.push(summary);
      } finally {
        await connection.close();
        await simulator.stop();
      }
    }
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(`\n== chaos summary\n${chaosTable(summaries)}\n`);
  // A rebooted host may end unknown or failed (never a silent success); every other host must succeed.
  const bad = summaries.filter((s) => s.duplicates > 0 || s.lost > 0 || s.outcomesCorrect !== s.hosts);
  if (bad.length) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
