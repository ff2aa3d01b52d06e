/** Every workflow the worker registers (the bundle's entry point). */
export { installVib, installProgressQuery } from './installVib';
export { fleetRollout, rolloutProgressQuery, pauseUpdate, resumeUpdate, abortUpdate, approveUpdate } from './fleetRollout';
