/**
 * Credential references (`env:NAME`, `file:/path`), the only form in which a secret appears in
 * inventories and workflow inputs (architecture decision 5). They are resolved where the secret
 * lives: in the worker for installs, in the CLI process for `vibflow hosts`. Errors name the
 * reference, never its value.
 */
import { readFile } from 'node:fs/promises';

export class CredentialError extends Error {
  override readonly name = 'CredentialError';
  /** `reference` null: what was given is no reference, and may be the secret itself; it is never shown. */
  constructor(reference: string | null, why: string) {
    super(reference === null ? why : `credential ${reference}: ${why}`);
  }
}

/** Said of a value that is not a reference: it may be the password itself, so it is never echoed. */
export const NOT_A_REFERENCE = 'must be a reference, env:NAME or file:/path, never the password itself (the value given is not shown)';

/** `holder` names the process resolving it in errors, e.g. "the worker". */
export async function resolveCredential(reference: string, holder = 'this process'): Promise<string> {
  if (reference.startsWith('env:')) {
    const value = process.env[reference.slice(4)];
    if (value === undefined || value === '') throw new CredentialError(reference, `the variable is not set in the environment of ${holder}`);
    return value;
  }
  if (reference.startsWith('file:')) {
    try {
      // A trailing newline is how editors and `echo` write files; it is never part of the password.
      return (await readFile(reference.slice(5), 'utf8')).replace(/\r?\n$/, '');
    } catch (err) {
      throw new CredentialError(reference, `the file cannot be read by ${holder} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  }
  throw new CredentialError(null, NOT_A_REFERENCE);
}
