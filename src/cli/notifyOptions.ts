/**
 * `--notify`, `--notify-secret` and `--notify-web-ui`, shared by `vibflow rollout` and `vibflow
 * schedule create` (through rolloutOptions): the flags, the input's `notify` field they make, and
 * which flag sets which field. A webhook URL carries its token: only references are taken, and a
 * value that is no reference (the URL itself, perhaps) is never shown.
 */
import { type Command, Option } from 'commander';
import { CREDENTIAL_REFERENCE } from '../esxi/hostSchema';
import { DEFAULT_WEB_UI, type NotifyInput } from '../notify/plan';
import type { FieldFlags } from './inputFlags';
import { collect } from './installSettings';
import { UsageError } from './usageError';

export interface NotifyFlags {
  notify?: string[];
  notifySecret?: string;
  notifyWebUi?: string;
}

export const NOTIFY_FIELDS: FieldFlags = {
  'notify.webhooks': '--notify',
  'notify.secret': '--notify-secret',
  'notify.webUi': '--notify-web-ui',
};

export function addNotifyOptions(command: Command): Command {
  return command
    .addOption(new Option('--notify <[slack:|json:]ref>', 'webhook to tell of approval, budget, maintenance mode, window and end, repeatable: a reference to its URL, env:NAME or file:/path; slack: for Slack or Mattermost, else signed JSON').argParser(collect))
    .option('--notify-secret <ref>', 'HMAC-SHA256 key (env:NAME or file:/path) that signs every notification; required for JSON webhooks')
    .option('--notify-web-ui <url>', 'the Temporal Web UI the notifications link to', DEFAULT_WEB_UI);
}

/** The input's `notify` field from the flags (none without --notify). */
export function notifyInputFromFlags(flags: NotifyFlags): { notify?: NotifyInput } {
  const notify = notifyFromFlags(flags);
  return notify ? { notify } : {};
}

/** `--notify [slack:|json:]REF`: the format, then the reference; undefined without --notify. */
function notifyFromFlags(flags: NotifyFlags): NotifyInput | undefined {
  if (!flags.notify?.length) {
    if (flags.notifySecret) throw new UsageError('--notify-secret: only with --notify REF (it signs the notifications)');
    return undefined;
  }
  const webhooks = flags.notify.map((given, index) => {
    const match = /^(slack|json):(.*)$/s.exec(given);
    const webhook = match ? match[2] : given;
    if (!CREDENTIAL_REFERENCE.test(webhook)) {
      throw new UsageError(`--notify (#${index + 1}): must be a reference to the webhook URL, [slack:|json:]env:NAME or [slack:|json:]file:/path, never the URL itself (it carries its token; the value given is not shown)`);
    }
    return { webhook, format: (match?.[1] ?? 'json') as 'slack' | 'json' };
  });
  if (flags.notifySecret !== undefined && !CREDENTIAL_REFERENCE.test(flags.notifySecret)) {
    throw new UsageError('--notify-secret: must be a reference, env:NAME or file:/path, never the key itself (the value given is not shown)');
  }
  return { webhooks, ...(flags.notifySecret ? { secret: flags.notifySecret } : {}), ...(flags.notifyWebUi ? { webUi: flags.notifyWebUi } : {}) };
}
