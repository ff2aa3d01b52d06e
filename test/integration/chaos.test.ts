/** The short chaos run inside `npm test`; `npm run chaos` runs the long one. */
import { startSimulator, type Simulator } from '../../src/simulator';
import { chaosTable, runChaos } from '../support/chaos';
import { temporalAddress, testClient, uniqueTaskQueue } from '../support/temporal';

describe('chaos (short)', () => {
  let simulator: Simulator;
  afterAll(async () => {
    await simulator?.stop();
  });

  it('a rollout under worker kills and 30 % transport faults: right outcomes, no duplicates, nothing lost', async () => {
    simulator = await startSimulator({ hosts: 12, basePort: 0, addressBase: '127.38.0.1', installSeconds: 4, faultRate: 0.3, seed: 3 });
    const summary = await runChaos({ name: 'kills+faults', client: await testClient(), simulator, address: temporalAddress(), taskQueue: uniqueTaskQueue('chaos'), maxConcurrency: 4, maxKills: 3 });
    process.stdout.write(`${chaosTable([summary])}\n`);
    expect(summary.kills).toBeGreaterThan(0);
    expect(summary.faults).toBeGreaterThan(0);
    expect(summary.outcomesCorrect).toBe(12);
    expect(summary.result.totals.succeeded).toBe(12);
    expect(summary.duplicates).toBe(0);
    expect(summary.lost).toBe(0);
  }, 240_000);
});
