/**
 * A notice as the bytes a webhook receives: the generic JSON (the notice itself), or a
 * Slack-compatible message (`text`, which Mattermost shows, plus Block Kit `blocks`, which Slack
 * shows). Pure; the delivery activity signs and sends what this makes.
 */
import type { NoticeHost, RolloutNotice } from './notices';

export const NOTICE_FORMATS = ['json', 'slack'] as const;
export type NoticeFormat = (typeof NOTICE_FORMATS)[number];

/** Slack's limits: a header's text, a section's text, the fields of a section. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;

/** The request body: exactly these bytes are signed and sent. */
export function noticeBody(notice: RolloutNotice, format: NoticeFormat): string {
  return JSON.stringify(format === 'slack' ? slackMessage(notice) : notice);
}

/** Slack's mrkdwn treats &, < and > as markup. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

const HEADINGS: Readonly<Record<RolloutNotice['event'], string>> = {
  'awaiting-approval': 'Rollout awaits approval',
  'budget-exceeded': 'Rollout: error budget exceeded',
  'host-in-maintenance': 'Host left in maintenance mode',
  'window-closing': 'Patch window closing with hosts to do',
  'rollout-failed': 'Rollout failed',
  'rollout-ended': 'Rollout ended',
};

function hostLine(host: NoticeHost): string {
  const where = [host.vcenter, host.cluster].filter(Boolean).join('/');
  const state = host.outcome && host.outcome !== host.state ? `${host.state} (${host.outcome})` : host.state;
  const maintenance = host.inMaintenanceMode ? `; in maintenance mode${host.maintenanceNote ? `: ${host.maintenanceNote}` : ''}` : '';
  return `${host.host}${where ? ` [${where}]` : ''}: ${state}${host.reason ? `: ${host.reason}` : ''}${maintenance}`;
}

/** What every receiver shows, in plain text (Mattermost shows `text`; Slack uses it for the notification line). */
export function plainText(notice: RolloutNotice): string {
  const lines = [notice.title];
  if (notice.hosts.length) lines.push(...notice.hosts.map((h) => `- ${hostLine(h)}`));
  if (notice.hostsOmitted) lines.push(`- and ${notice.hostsOmitted} more`);
  if (notice.approveCommand) lines.push(`Approve: ${notice.approveCommand}`);
  lines.push(`Web UI: ${notice.links.webUi}`);
  if (notice.links.host) lines.push(`Host: ${notice.links.host}`);
  return lines.join('\n');
}

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

export function slackMessage(notice: RolloutNotice): SlackMessage {
  const t = notice.totals;
  const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(`${HEADINGS[notice.event]}: ${notice.rolloutId}`, HEADER_MAX) } },
    { type: 'section', text: mrkdwn(cut(escape(notice.title), SECTION_MAX)) },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Hosts*\n${t.hosts}`),
        mrkdwn(`*Succeeded*\n${t.succeeded}`),
        mrkdwn(`*Failed*\n${t.failed}`),
        mrkdwn(`*Running*\n${t.running}`),
        mrkdwn(`*Pending*\n${t.pending}`),
        mrkdwn(`*In maintenance mode*\n${t.inMaintenanceMode}`),
      ],
    },
  ];
  if (notice.hosts.length) {
    const lines = notice.hosts.map((h) => `• ${escape(hostLine(h))}`);
    if (notice.hostsOmitted) lines.push(`• and ${notice.hostsOmitted} more`);
    blocks.push({ type: 'section', text: mrkdwn(cut(lines.join('\n'), SECTION_MAX)) });
  }
  if (notice.approveCommand) blocks.push({ type: 'section', text: mrkdwn(`Approve with: \`${escape(notice.approveCommand)}\``) });
  const links = [`<${notice.links.webUi}|Open the rollout in the Temporal Web UI>`, ...(notice.links.host ? [`<${notice.links.host}|the host's workflow>`] : [])];
  blocks.push({ type: 'context', elements: [mrkdwn(`${links.join(' · ')} · ${escape(notice.idempotencyKey)}`)] });
  return { text: plainText(notice), blocks };
}
