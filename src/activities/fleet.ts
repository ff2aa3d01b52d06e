/** Reading a rollout's hosts from vCenter when it starts (architecture decision 12). */
import { ApplicationFailure } from '@temporalio/common';
import { fleetFromVcenter, UnknownSelection, type FleetHost, type SkippedHost, type VcenterHostSource } from '../inventory/vcenterHosts';
import { VsphereError } from '../vsphere';
import { INVALID_INPUT_TYPE } from '../workflows/installResult';
import { vcenterSession } from './vcenterSessions';

export async function listVcenterHosts(source: VcenterHostSource): Promise<{ hosts: FleetHost[]; skipped: SkippedHost[] }> {
  try {
    const vcenter = await vcenterSession(source.vcenter);
    return fleetFromVcenter(await vcenter.listHosts(), source);
  } catch (err) {
    // A cluster or host that does not exist is bad input: the rollout ends at once, naming it.
    if (err instanceof UnknownSelection) throw ApplicationFailure.nonRetryable(err.message, INVALID_INPUT_TYPE);
    if (err instanceof VsphereError) throw ApplicationFailure.create({ message: err.message, type: err.category, nonRetryable: !err.retryable });
    throw err;
  }
}
