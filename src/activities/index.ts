/** Everything the worker registers as activities. */
export { prepareInstall, startInstall, readJob, snapshotSoftware } from './install';
export type { PreparedInstall, StartInstallInput, ReadJobInput, SnapshotSoftwareInput } from './install';
export { checkInstallInput, checkRolloutInput } from './validation';
export type { CheckRolloutInput } from './validation';
