/** Everything the worker registers as activities. */
export { prepareInstall, startInstall, readJob, snapshotSoftware } from './install';
export type { PreparedInstall, StartInstallInput, ReadJobInput, SnapshotSoftwareInput } from './install';
export { enterMaintenanceMode, exitMaintenanceMode, precheckHost, readHostState, rebootHost, verifySoftware } from './remediation';
export type { MaintenanceChange, MaintenanceInput, PrecheckInput, RebootInput, VcenterHostInput, VerifyInput } from './remediation';
export { loadFleetPage } from './fleet';
export type { FleetPageRequest, FleetSource } from './fleet';
export { checkInstallInput, checkRolloutInput, checkRemediationInput } from './validation';
export type { CheckRolloutInput } from './validation';
export { deliverNotice } from './notify';
export type { DeliverNoticeInput, DeliveryReceipt } from './notify';
export { readStagingBundle, planStaging, stageBundleCopy, removeStagedCopies } from './staging';
export type { PlanStagingInput, StagingPlanResult, StageCopyInput, RemoveStagedInput } from './staging';
