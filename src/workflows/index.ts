/** Every workflow the worker registers (the bundle's entry point). */
export { installVib, installProgressQuery } from './installVib';
export { remediateHost, remediationProgressQuery } from './remediateHost';
export { fleetRollout, rolloutProgressQuery, pauseUpdate, resumeUpdate, abortUpdate, approveUpdate } from './fleetRollout';
export { notifyRollout } from './notifyRollout';
export { stageBundle, stagingProgressQuery } from './stageBundle';
