/** Bad usage or bad input: the CLI prints the message and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit statuses every vibflow command follows. */
export const EXIT = { ok: 0, failed: 1, usage: 2, temporalUnreachable: 3 } as const;

/** The same words at the end of every command's --help. */
export const EXIT_CODES_HELP = `
Exit codes:
  ${EXIT.ok}  success
  ${EXIT.failed}  the install or rollout failed (or ended unknown, timed out, was cancelled)
  ${EXIT.usage}  bad usage or input: nothing was started
  ${EXIT.temporalUnreachable}  cannot reach Temporal (the message names the address, the transport and the cause)
`;
