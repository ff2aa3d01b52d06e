/**
 * Credential references are resolved here, inside the worker, so no secret ever travels through
 * Temporal (architecture decision 5). An unusable reference ends the step at once.
 */
import { ApplicationFailure } from '@temporalio/common';
import { CredentialError, resolveCredential as resolveReference } from '../inventory/credentials';

export async function resolveCredential(reference: string): Promise<string> {
  try {
    return await resolveReference(reference, 'the worker');
  } catch (err) {
    if (err instanceof CredentialError) throw ApplicationFailure.nonRetryable(err.message, 'CredentialUnavailable');
    throw err;
  }
}
