/**
 * Credential references (`env:NAME`, `file:/path`) are resolved here, inside the worker, so no
 * secret ever travels through Temporal (architecture decision 5). Errors name the reference,
 * never its value.
 */
import { readFile } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';

function unusable(reference: string, why: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`credential ${reference}: ${why}`, 'CredentialUnavailable');
}

export async function resolveCredential(reference: string): Promise<string> {
  if (reference.startsWith('env:')) {
    const value = process.env[reference.slice(4)];
    if (value === undefined || value === '') throw unusable(reference, 'the variable is not set in the worker environment');
    return value;
  }
  if (reference.startsWith('file:')) {
    try {
      // A trailing newline is how editors and `echo` write files; it is never part of the password.
      return (await readFile(reference.slice(5), 'utf8')).replace(/\r?\n$/, '');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw unusable(reference, `the file cannot be read by the worker (${code})`);
    }
  }
  throw unusable(reference, 'must be env:NAME or file:/path');
}
