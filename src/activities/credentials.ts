/**
 * Credential references are resolved here, inside the worker, so no secret ever travels through
 * Temporal (architecture decision 5). An unusable reference ends the step at once.
 */
import os from 'node:os';
import { ApplicationFailure } from '@temporalio/common';
import { CredentialError, resolveCredential as resolveReference } from '../inventory/credentials';

/** Which worker could not resolve it: with several, the one to look at. */
const WORKER = `the worker (${os.hostname()}, pid ${process.pid})`;

export async function resolveCredential(reference: string): Promise<string> {
  try {
    return await resolveReference(reference, WORKER);
  } catch (err) {
    if (err instanceof CredentialError) throw ApplicationFailure.nonRetryable(err.message, 'CredentialUnavailable');
    throw err;
  }
}
