/**
 * Which exit codes each command can end with, and what 1 means for it: the end of every
 * command's --help lists exactly those (test/unit/cli/readme.test.ts checks that every command
 * has an entry here). 0 and 2 every command has.
 */
import { EXIT } from './usageError';

interface CommandExits {
  /** What exit 1 means for this command; absent when it never exits 1 on purpose. */
  readonly failed?: string;
  /** Whether the command talks to Temporal (then 3: cannot reach it). */
  readonly temporal: boolean;
  /** What Ctrl-C (130) means, for a command that follows work it does not own. */
  readonly interrupted?: string;
}

const ROLLOUT_FAILED = 'the rollout did not succeed on every host, or the rollout itself failed (the reason is printed)';
const FOLLOW_INTERRUPTED = 'Ctrl-C while following: you stopped following, the rollout goes on (vibflow report ID --follow)';
const STEER = { temporal: true } as const;
const SCHEDULE = { temporal: true } as const;
const SERVER = { failed: 'it could not start or stopped with an error (the message says why)', temporal: false } as const;

export const COMMAND_EXITS: Readonly<Record<string, CommandExits>> = {
  install: { failed: 'the install failed (or ended unknown, timed out, was cancelled)', temporal: true },
  status: { failed: 'the state could not be read (e.g. no worker answered for a running rollout\'s progress)', temporal: true },
  cancel: { temporal: true },
  rollout: { failed: `with --wait: ${ROLLOUT_FAILED}; a dry run: a host is blocked`, temporal: true, interrupted: FOLLOW_INTERRUPTED },
  'rollout pause': STEER,
  'rollout resume': STEER,
  'rollout abort': STEER,
  'rollout approve': STEER,
  report: { failed: `with --follow: ${ROLLOUT_FAILED}; else the state could not be read`, temporal: true, interrupted: FOLLOW_INTERRUPTED },
  hosts: { failed: 'vCenter could not be reached', temporal: false },
  compliance: { failed: 'a host does not have the VIBs (or could not be read)', temporal: true },
  'schedule create': SCHEDULE,
  'schedule list': SCHEDULE,
  'schedule describe': SCHEDULE,
  'schedule pause': SCHEDULE,
  'schedule unpause': SCHEDULE,
  'schedule trigger': SCHEDULE,
  'schedule delete': SCHEDULE,
  worker: { failed: 'the worker stopped with an error', temporal: true },
  'deployment status': { temporal: true },
  'deployment set-current': { failed: 'the server refused the change (e.g. the deployment changed meanwhile: read it again)', temporal: true },
  demo: { failed: 'the host was not remediated, or something the demo starts did not start', temporal: false },
  simulator: SERVER,
  'dev-server': SERVER,
  'cluster up': SERVER,
  'cluster down': SERVER,
  'cluster status': { temporal: false },
  'bundle inspect': { temporal: false },
  stage: { failed: 'staging failed: the bundle could not be read or a copy could not be put in place (the reason is printed); no host was touched', temporal: true },
  staged: { failed: 'a vCenter could not be reached, or (with --remove) a staged copy could not be removed', temporal: false },
};

/** The words at the end of a command's --help. */
export function exitCodesHelp(exits: CommandExits): string {
  return [
    '',
    'Exit codes:',
    `  ${EXIT.ok}  success`,
    ...(exits.failed ? [`  ${EXIT.failed}  ${exits.failed}`] : []),
    `  ${EXIT.usage}  bad usage or input: nothing was started`,
    ...(exits.temporal ? [`  ${EXIT.temporalUnreachable}  cannot reach Temporal (the message names the address, the transport and the cause)`] : []),
    ...(exits.interrupted ? [`  ${EXIT.interrupted}  ${exits.interrupted}`] : []),
    '',
  ].join('\n');
}
