import type { Command } from 'commander';
import { registerBundle } from './bundle';
import { registerCancel } from './cancel';
import { registerCluster } from './cluster';
import { registerCompliance } from './compliance';
import { registerDemo } from './demo';
import { registerDeployment } from './deployment';
import { registerDevServer } from './devServer';
import { registerHosts } from './hosts';
import { registerInstall } from './install';
import { registerReport, registerRollout } from './rollout';
import { registerSchedule } from './schedule';
import { registerSimulator } from './simulator';
import { registerStaging } from './stage';
import { registerStatus } from './status';
import { registerWorker } from './worker';

/** Each command lives in its own module; this is the one place that lists them. */
export function registerCommands(program: Command): void {
  registerWorker(program);
  registerDeployment(program);
  registerInstall(program);
  registerStatus(program);
  registerCancel(program);
  registerRollout(program);
  registerReport(program);
  registerHosts(program);
  registerCompliance(program);
  registerBundle(program);
  registerStaging(program);
  registerSchedule(program);
  registerDemo(program);
  registerSimulator(program);
  registerDevServer(program);
  registerCluster(program);
}
