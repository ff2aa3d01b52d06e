/**
 * The rollout input's `notify` field: the webhooks told of the moments that need a person
 * (README, Notifications) and how. Webhook URLs carry their token, so the input holds only
 * references to them (resolved by the worker that delivers). Pure: the workflow validates its
 * input with it.
 */
import { z } from 'zod';
import { CREDENTIAL_REFERENCE, credentialReference } from '../esxi/hostSchema';
import { NOTICE_FORMATS, type NoticeFormat } from './render';

export const DEFAULT_WEB_UI = 'http://127.0.0.1:8233';

export const notifySchema = z
  .strictObject({
    webhooks: z
      .array(z.strictObject({
        /** A reference to the webhook URL, never the URL itself. */
        webhook: z.string().regex(CREDENTIAL_REFERENCE, 'must be a reference to the webhook URL, env:NAME or file:/absolute/path, never the URL itself (it carries its token)'),
        format: z.enum(NOTICE_FORMATS).default('json'),
      }))
      .min(1, 'must list at least one webhook')
      .max(10, 'at most 10 webhooks'),
    /** The HMAC-SHA256 key every request is signed with; required for the generic JSON format. */
    secret: credentialReference.optional(),
    /** The Web UI's base URL for the links in notices. */
    webUi: z.string().refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), 'must be an http(s) URL such as https://temporal.example.com').default(DEFAULT_WEB_UI),
  })
  .superRefine((notify, ctx) => {
    const unsigned = notify.webhooks.findIndex((w) => w.format === 'json');
    if (unsigned >= 0 && notify.secret === undefined) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: `Required for the generic JSON format (webhooks[${unsigned}]): its requests are signed so receivers can check them` });
    }
  });

/** The input as written (format and Web UI optional). */
export type NotifyInput = z.input<typeof notifySchema>;

/** The input as the rollout uses it. */
export interface NotifyPlan {
  readonly webhooks: readonly { readonly webhook: string; readonly format: NoticeFormat }[];
  readonly secret?: string;
  readonly webUi: string;
}
