/**
 * Validate first, connect second, for every command that talks to Temporal: with nothing
 * listening at the address, bad input still exits 2 at once with the input error, and good input
 * exits 3 within 5 s (beyond what starting the CLI takes) naming the address, the transport and the cause.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program';
import { freeLoopbackPort } from '../../src/ops/opsServer';
import { startSimulator, type Simulator } from '../../src/simulator';
import { writeBundle } from '../../src/simulator/bundleBuilder';
import { vibflow } from '../support/commands';

const BUNDLE = 'file:///vmfs/volumes/ds1/down-1.0.0.zip';

/** Every command with an --address flag, by its words ("rollout pause"). */
function temporalCommands(command: Command, prefix: string[] = []): string[] {
  return command.commands.flatMap((sub) => {
    const words = [...prefix, sub.name()];
    return [...(sub.options.some((o) => o.long === '--address') ? [words.join(' ')] : []), ...temporalCommands(sub, words)];
  });
}

describe('with Temporal down', () => {
  let dir: string;
  let inventory: string;
  let address: string;
  let simulator: Simulator | undefined;
  let vcenterInventory: string;
  let bundleFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-down-'));
    inventory = path.join(dir, 'inventory.json');
    await writeFile(inventory, JSON.stringify({ version: 1, hosts: [{ name: 'esx-001', url: 'https://127.0.0.1:1', user: 'root', credential: 'env:PW' }] }));
    address = `127.0.0.1:${await freeLoopbackPort()}`; // nothing listens there
    // stage reads its hosts from vCenter before it talks to Temporal.
    vcenterInventory = path.join(dir, 'vcenter.json');
    simulator = await startSimulator({ hosts: 1, basePort: 0, addressBase: '127.59.0.1', installSeconds: 1, inventoryFile: vcenterInventory, vcenter: { clusters: 1 } });
    bundleFile = path.join(dir, 'drv.zip');
    await writeBundle(bundleFile, { vibs: [{ name: 'drv', version: '2.0.0-1' }] });
  }, 120_000);

  afterAll(async () => {
    await simulator?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Per command: arguments that are valid, and arguments with a mistake and what the error says. */
  const cases = (): Record<string, { good: string[]; bad: string[]; says: string }> => {
    const rolloutStart = ['--inventory', inventory, '--uri', BUNDLE];
    return {
      install: { good: ['--inventory', inventory, '--host', 'esx-001', '--uri', BUNDLE], bad: ['--inventory', inventory, '--host', 'esx-001', '--uri', 'http://x/y'], says: '--uri: must be an offline bundle' },
      status: { good: ['some-id'], bad: [''], says: '<id>: must not be empty' },
      cancel: { good: ['some-id'], bad: [''], says: '<workflowId>: must not be empty' },
      rollout: { good: rolloutStart, bad: [...rolloutStart, '--max-concurrency', '0'], says: '--max-concurrency: must be a whole number >= 1' },
      'rollout pause': { good: ['r1', '--reason', 'x'], bad: ['r1', '--reason', ''], says: '--reason: must not be empty' },
      'rollout resume': { good: ['r1'], bad: ['r1', 'r2'], says: 'too many arguments' },
      'rollout abort': { good: ['r1', '--reason', 'x'], bad: [], says: "missing required argument 'rolloutId'" },
      'rollout approve': { good: ['r1'], bad: ['r1', '--bogus'], says: "unknown option '--bogus'" },
      report: { good: ['r1'], bad: ['r1', '--format', 'xml'], says: 'Allowed choices are table, csv, json' },
      compliance: { good: ['--inventory', inventory, '--vib', 'drv=2.0'], bad: ['--inventory', inventory, '--vib', 'drv=2.0', '--cluster', 'gold'], says: '--cluster: clusters come from vCenter' },
      'schedule create': {
        good: ['--id', 'weekend', '--cron', '0 2 * * 6', ...rolloutStart],
        bad: ['--id', 'weekend', '--cron', '0 2 * * 6', '--timezone', 'Mars/Olympus', ...rolloutStart],
        says: '--timezone: "Mars/Olympus" is not an IANA time zone',
      },
      'schedule list': { good: [], bad: ['extra'], says: 'too many arguments' },
      'schedule describe': { good: ['weekend'], bad: [], says: "missing required argument 'scheduleId'" },
      'schedule pause': { good: ['weekend'], bad: [''], says: '<scheduleId>: must not be empty' },
      'schedule unpause': { good: ['weekend'], bad: [], says: "missing required argument 'scheduleId'" },
      'schedule trigger': { good: ['weekend'], bad: [], says: "missing required argument 'scheduleId'" },
      'schedule delete': { good: ['weekend'], bad: [], says: "missing required argument 'scheduleId'" },
      worker: { good: [], bad: ['--log-level', 'LOUD'], says: "option '--log-level <level>' argument 'LOUD' is invalid" },
      stage: { good: ['--inventory', vcenterInventory, '--bundle', bundleFile], bad: ['--inventory', vcenterInventory, '--bundle', bundleFile, '--sha256', 'xyz'], says: '--sha256: "xyz" is not a SHA-256 (64 hex digits)' },
      'deployment status': { good: [], bad: ['extra'], says: 'too many arguments' },
      'deployment set-current': { good: ['v1'], bad: [], says: "missing required argument 'buildId'" },
    };
  };

  it('covers every command that talks to Temporal', () => {
    expect(temporalCommands(buildProgram()).sort()).toEqual(Object.keys(cases()).sort());
  });

  it.each(Object.keys(cases()))('vibflow %s: exit 2 with the input error, exit 3 within 5 s (beyond starting the CLI) with the cause', async (name) => {
    const { good, bad, says } = cases()[name];
    const words = name.split(' ');
    const began = Date.now();
    const invalid = await vibflow([...words, ...bad, '--address', address]);
    // What starting the CLI costs on this machine now (seconds under load): the yardstick below.
    const startSeconds = (Date.now() - began) / 1000;
    expect(invalid.stderr).toContain(says);
    expect(invalid.code).toBe(2);

    const started = Date.now();
    const unreachable = await vibflow([...words, ...good, '--address', address]);
    const seconds = (Date.now() - started) / 1000;
    expect(unreachable.stderr).toContain(`vibflow: cannot connect to Temporal at ${address} (plaintext): connect ECONNREFUSED ${address}`);
    expect(unreachable.code).toBe(3);
    // Within 5 s of what a run that connects to nothing takes: it does not retry for long.
    expect(seconds).toBeLessThan(startSeconds + 5);
  });
});
