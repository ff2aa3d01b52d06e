/**
 * `vibflow compliance`: which hosts have a VIB (in a version). A dry-run rollout with no bundle:
 * the workers read each host's software inventory over CIM, changing nothing.
 */
import { type Command, Option } from 'commander';
import { rolloutResult, rolloutStartOptions, startRollout } from '../../api/rollouts';
import type { RolloutResult } from '../../workflows/rolloutState';
import { validateFlags } from '../inputFlags';
import { hostSourceFromFlags, REMEDIATION_FIELDS, remediationInputFromFlags } from '../remediationOptions';
import { checkRolloutHosts } from '../rolloutOptions';
import { formatTable } from '../table';
import { addTemporalOptions, noteWhenNoWorker, withTemporal, type TemporalFlags } from '../temporalOptions';
import { EXIT } from '../usageError';

interface ComplianceFlags extends TemporalFlags {
  inventory: string;
  vib: string[];
  hosts?: string;
  cluster?: string[];
  vcenter?: string[];
  maxConcurrency: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** "compliant", "missing", or why the host could not be read. */
function verdictText(outcome: string | undefined, error: string | undefined): string {
  if (outcome === 'already-compliant') return 'compliant';
  if (outcome === 'would-install') return 'not compliant';
  if (outcome === 'reboot-pending') return 'not compliant: installed, reboot pending';
  return `unknown: ${error ?? outcome ?? 'not checked'}`;
}

function complianceTable(result: RolloutResult): string {
  const rows = result.rows.map((row) => [
    row.host,
    row.cluster === undefined ? '' : (row.cluster ?? '(standalone)'),
    verdictText(row.outcome, row.error),
    (row.vibs ?? []).map((v) => `${v.name} ${v.found ?? 'missing'}`).join(', '),
  ]);
  const compliant = result.rows.filter((row) => row.outcome === 'already-compliant').length;
  return `${formatTable(['host', 'cluster', 'compliance', 'installed'], rows)}\n${compliant}/${result.totals.hosts} hosts compliant\n`;
}

export function registerCompliance(program: Command): void {
  addTemporalOptions(
    program
      .command('compliance')
      .description('which hosts have a VIB, in a version: reads each host\'s software inventory, changing nothing')
      .requiredOption('--inventory <file>', 'inventory of the hosts')
      .addOption(new Option('--vib <name[=version]>', 'the VIB to look for, with the version it must have (repeatable)').argParser(collect).makeOptionMandatory())
      .option('--hosts <names>', 'comma-separated subset of the hosts; every host when not given')
      .addOption(new Option('--vcenter <name>', 'only hosts of this vCenter, by its name in the inventory (repeatable)').argParser(collect))
      .addOption(new Option('--cluster <name>', 'only hosts of this vCenter cluster: VCENTER/CLUSTER, or a name no other vCenter has (repeatable)').argParser(collect))
      .option('--max-concurrency <n|p%>', 'hosts read at once', '20')
      .option('--json', 'print the check\'s rows as JSON'),
  ).action(async (flags: ComplianceFlags) => {
    const typed = {
      rolloutId: `compliance-${new Date().toISOString().replace(/[:.]/g, '-')}`,
      ...(await hostSourceFromFlags(flags)),
      ...remediationInputFromFlags({ vib: flags.vib, dryRun: true }),
      maxConcurrency: /^\d+$/.test(flags.maxConcurrency) ? Number(flags.maxConcurrency) : flags.maxConcurrency,
    };
    validateFlags({ ...REMEDIATION_FIELDS, maxConcurrency: '--max-concurrency' }, () => rolloutStartOptions(typed));
    const input = await checkRolloutHosts(typed, flags.inventory, 'the check');
    await withTemporal(flags, async (client) => {
      const handle = await startRollout(client, input, flags.taskQueue);
      await noteWhenNoWorker(client, flags.taskQueue);
      const result = await rolloutResult(handle);
      process.stdout.write(flags.json ? `${JSON.stringify(result.rows, null, 2)}\n` : complianceTable(result));
      process.exitCode = result.rows.every((row) => row.outcome === 'already-compliant') ? EXIT.ok : EXIT.failed;
    });
  });
}
