/** Bad usage or bad input: the CLI prints the message and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit statuses every vibflow command follows. */
export const EXIT = { ok: 0, failed: 1, usage: 2, temporalUnreachable: 3, interrupted: 130 } as const;
