/**
 * `vibflow stage`: stage a bundle on the hosts' datastores without installing (stage on Friday for
 * Saturday's window; the rollout then finds the copies in place and uploads nothing).
 * `vibflow staged`: list what vibflow has staged on the inventory's datastores, or remove it.
 */
import { type Command, Option } from 'commander';
import { WorkflowFailedError } from '@temporalio/client';
import { rolloutStartOptions } from '../../api/rollouts';
import { failureInWords } from '../../api/workflowFailure';
import { isVcenterInventory, loadInventory } from '../../inventory/inventory';
import { fleetVcenters } from '../../inventory/vcenterHosts';
import { STAGING_FOLDER, type StagingProgress } from '../../staging/model';
import type { DatastoreFile, DatastoreSummary } from '../../vsphere/model';
import { stageBundle, stageWorkflowId, type StageBundleInput } from '../../workflows/stageBundle';
import { copyLine, stagingLine } from '../../workflows/rolloutState';
import { validateFlags } from '../inputFlags';
import { hostSourceFromFlags } from '../remediationOptions';
import { bundleFromFlags, checkRolloutHosts, ROLLOUT_FIELDS } from '../rolloutOptions';
import { formatTable } from '../table';
import { addTemporalOptions, noteWhenNoWorker, withTemporal, type TemporalFlags } from '../temporalOptions';
import { EXIT, UsageError } from '../usageError';
import { inventoryOrigin, vcenterLogin } from '../vcenterCheck';

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface StageFlags extends TemporalFlags {
  inventory: string;
  bundle: string;
  sha256?: string;
  cluster?: string[];
  vcenter?: string[];
  hosts?: string;
  datastore?: string;
  vib?: string[];
  id?: string;
  json?: boolean;
}

function stagingText(progress: StagingProgress): string {
  return [stagingLine(progress), ...progress.copies.map((c) => `  ${copyLine(c)}`), ...progress.blocked.map((b) => `  blocked: ${b.host}: ${b.reason}`)].join('\n') + '\n';
}

function registerStage(program: Command): void {
  addTemporalOptions(
    program
      .command('stage')
      .description('stage a bundle on the hosts\' datastores through vCenter, without installing; a rollout with the same bundle then uploads nothing')
      .requiredOption('--inventory <file>', 'inventory naming the vCenter(s)')
      .requiredOption('--bundle <file|url>', 'the offline bundle file (zip), or an http(s) URL the workers read (with --sha256)')
      .option('--sha256 <hex>', 'the bundle\'s SHA-256: required with a --bundle URL, checked against a --bundle file')
      .addOption(new Option('--vcenter <name>', 'only hosts of this vCenter (repeatable)').argParser(collect))
      .addOption(new Option('--cluster <name>', 'only hosts of this cluster: VCENTER/CLUSTER, or a name no other vCenter has (repeatable)').argParser(collect))
      .option('--hosts <names>', 'comma-separated subset of the hosts')
      .option('--datastore <name>', 'stage on this datastore (else the fewest datastores that reach every host)')
      .addOption(new Option('--vib <name[=version]>', 'only hosts that lack this VIB of the bundle need a copy (repeatable)').argParser(collect))
      .option('--id <id>', 'id of the staging run; the bundle file name and the time when not given')
      .option('--json', 'print the staging result as JSON'),
  ).action(async (flags: StageFlags) => {
    const source = await hostSourceFromFlags({ ...flags, inventory: flags.inventory });
    if (!source.fromVcenters) throw new UsageError(`--inventory: staging goes through vCenter, and ${flags.inventory} names no vCenter`);
    const { source: bundle } = await bundleFromFlags(flags.bundle, flags.vib ?? [], flags.sha256);
    const id = flags.id ?? `stage-${bundle.source.split('/').pop()?.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const typed: StageBundleInput = {
      rolloutId: id,
      fromVcenters: source.fromVcenters,
      bundle,
      ...(flags.datastore ? { datastore: flags.datastore } : {}),
      ...(flags.vib ? { vibs: flags.vib.map((text) => ({ name: text.split('=')[0] })) } : {}),
    };
    // The same checks as a dry-run rollout's, naming the flags.
    validateFlags(ROLLOUT_FIELDS, () => rolloutStartOptions({ ...typed, dryRun: true, maxConcurrency: 1 }));
    const checked = await checkRolloutHosts({ ...typed, maxConcurrency: 1 }, flags.inventory, 'staging');
    const input: StageBundleInput = { ...typed, fromVcenters: checked.fromVcenters };
    await withTemporal(flags, async (client) => {
      const handle = await client.workflow.start(stageBundle, { taskQueue: flags.taskQueue, workflowId: stageWorkflowId(id), args: [input], staticSummary: `Stage ${bundle.source.split('/').pop()} (sha256 ${bundle.sha256.slice(0, 12)})` });
      await noteWhenNoWorker(client, flags.taskQueue);
      if (!flags.json) process.stdout.write(`staging ${bundle.source} (${stageWorkflowId(id)})\n`);
      try {
        const progress = await handle.result();
        process.stdout.write(flags.json ? `${JSON.stringify(progress, null, 2)}\n` : stagingText(progress));
        process.exitCode = EXIT.ok;
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        const { category, message } = failureInWords(err);
        process.stderr.write(`vibflow: staging failed (${category}): ${message}\n`);
        process.exitCode = EXIT.failed;
      }
    });
  });
}

interface StagedFlags {
  inventory: string;
  vcenter?: string[];
  remove?: boolean;
  json?: boolean;
}

interface StagedRow {
  readonly vcenter: string;
  readonly datastore: string;
  readonly path: string;
  readonly sizeBytes: number | null;
  readonly modified: string | null;
  removed?: boolean;
}

/** The datastore path "[ds] vibflow/abc/drv.zip" as the path inside the datastore. */
const insideDatastore = (file: DatastoreFile) => file.datastorePath.replace(/^\[[^\]]*\]\s*/, '');

function registerStaged(program: Command): void {
  program
    .command('staged')
    .description(`list the bundles vibflow staged (under ${STAGING_FOLDER}/ on the inventory's datastores), or remove them`)
    .requiredOption('--inventory <file>', 'inventory naming the vCenter(s)')
    .addOption(new Option('--vcenter <name>', 'only this vCenter (repeatable)').argParser(collect))
    .option('--remove', `remove every staged copy listed (the ${STAGING_FOLDER}/<sha256 prefix> folders)`)
    .option('--json', 'print the rows as JSON')
    .action(async (flags: StagedFlags) => {
      const inventory = await loadInventory(flags.inventory);
      if (!isVcenterInventory(inventory)) throw new UsageError(`--inventory: ${flags.inventory} names no vCenter; staged copies live on vCenter datastores`);
      const all = fleetVcenters(inventory);
      const unknown = (flags.vcenter ?? []).filter((name) => !all.some((v) => v.name === name));
      if (unknown.length) throw new UsageError(`--vcenter ${unknown.join(', ')}: not in ${flags.inventory} (it has ${all.map((v) => v.name).join(', ')})`);
      const chosen = flags.vcenter ? all.filter((v) => flags.vcenter?.includes(v.name)) : all;
      const rows: StagedRow[] = [];
      for (const [index, v] of chosen.entries()) {
        const origin = inventoryOrigin(flags.inventory, 'vcenters' in inventory ? `vcenters[${index}]` : 'vcenter');
        const client = await vcenterLogin(v.vcenter, origin);
        try {
          const datastores = (await client.listDatastores()).filter((d) => d.accessible);
          for (const ds of datastores) {
            const files = await client.searchDatastore(ds, STAGING_FOLDER, '*').catch(() => [] as DatastoreFile[]);
            const mine = files.filter((f) => /^vibflow\/[0-9a-f]{12}\/[^/]+$/.test(insideDatastore(f)));
            for (const f of mine) rows.push({ vcenter: v.name, datastore: ds.name, path: insideDatastore(f), sizeBytes: f.sizeBytes, modified: f.modified });
            if (flags.remove) await removeFolders(client, v.name, ds, mine, rows);
          }
        } finally {
          await client.close();
        }
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else if (rows.length === 0) process.stdout.write(`nothing staged under ${STAGING_FOLDER}/ on ${chosen.map((v) => v.name).join(', ')}\n`);
      else {
        const table = rows.map((r) => [r.vcenter, r.datastore, r.path, r.sizeBytes === null ? '?' : String(r.sizeBytes), r.modified ?? '', ...(flags.remove ? [r.removed ? 'removed' : 'not removed'] : [])]);
        process.stdout.write(`${formatTable(['vcenter', 'datastore', 'path', 'bytes', 'modified', ...(flags.remove ? ['removed'] : [])], table)}\n`);
      }
      process.exitCode = flags.remove && rows.some((r) => !r.removed) ? EXIT.failed : EXIT.ok;
    });
}

async function removeFolders(client: Awaited<ReturnType<typeof vcenterLogin>>, vcenter: string, ds: DatastoreSummary, files: readonly DatastoreFile[], rows: StagedRow[]): Promise<void> {
  const folders = [...new Set(files.map((f) => insideDatastore(f).split('/').slice(0, 2).join('/')))];
  for (const folder of folders) {
    const ok = await client.deleteDatastoreFile(ds.datacenterRef, ds.name, folder).then(() => true, () => false);
    for (const row of rows) if (row.vcenter === vcenter && row.datastore === ds.name && row.path.startsWith(`${folder}/`)) row.removed = ok;
  }
}

export function registerStaging(program: Command): void {
  registerStage(program);
  registerStaged(program);
}
