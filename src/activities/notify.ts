/**
 * Delivers one rollout notice to one webhook: resolves the webhook's reference (its URL carries
 * its token) and the signing secret here in the worker, renders the body, signs it, POSTs it with
 * undici. Failures are retryable (down, slow, 5xx, 429) or final (a 4xx, a URL that is no URL,
 * a reference that does not resolve); their messages name the reference, never the URL.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Agent, request } from 'undici';
import { readBoundedBody } from '../http/boundedBody';
import type { RolloutNotice } from '../notify/notices';
import { noticeBody, type NoticeFormat } from '../notify/render';
import { signature, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../notify/signature';
import { resolveCredential } from './credentials';

export interface DeliverNoticeInput {
  /** The reference to the webhook URL (env:NAME, file:/path). */
  readonly webhook: string;
  readonly format: NoticeFormat;
  /** The reference to the HMAC-SHA256 key; when given, every request is signed. */
  readonly secret?: string;
  readonly notice: RolloutNotice;
}

export interface DeliveryReceipt {
  readonly webhook: string;
  readonly status: number;
  readonly attempt: number;
}

export const NOTICE_NOT_DELIVERED_TYPE = 'NoticeNotDelivered';
/** Each attempt's own bounds: a receiver that hangs costs one attempt, then the next one is tried later. */
const CONNECT_TIMEOUT_MS = 10_000;
const RESPONSE_TIMEOUT_MS = 10_000;
/** Of a receiver's answer only a short error word is kept (Slack's "invalid_payload"), never free text. */
const ERROR_WORD = /^[A-Za-z][A-Za-z0-9_.-]{0,40}$/;
const MAX_RETRY_AFTER_S = 600;

let agent: Agent | undefined;
const dispatcher = () => (agent ??= new Agent({ connect: { timeout: CONNECT_TIMEOUT_MS }, keepAliveTimeout: 4_000 }));

const LOOPBACK = /^(127(\.\d{1,3}){3}|\[::1\]|localhost)$/i;

/** The webhook's URL from its reference, checked: https, or plain http to this machine only. */
async function webhookUrl(reference: string): Promise<URL> {
  const value = (await resolveCredential(reference)).trim();
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || !/^https?:$/.test(url.protocol)) throw ApplicationFailure.nonRetryable(`webhook ${reference}: what it holds is not an http(s) URL (not shown)`, NOTICE_NOT_DELIVERED_TYPE);
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    throw ApplicationFailure.nonRetryable(`webhook ${reference}: plain http to another machine is refused (the URL carries its token): use https`, NOTICE_NOT_DELIVERED_TYPE);
  }
  return url;
}

/** Network failures in words, by their code only: an error's own message may quote the URL. */
function networkFailure(reference: string, err: unknown): ApplicationFailure {
  const code = String((err as { code?: unknown }).code ?? (err as Error).name ?? 'error');
  const words: Record<string, string> = {
    ECONNREFUSED: 'the receiver refused the connection',
    ECONNRESET: 'the receiver closed the connection',
    ENOTFOUND: 'the receiver\'s name does not resolve',
    EAI_AGAIN: 'the receiver\'s name does not resolve now',
    UND_ERR_CONNECT_TIMEOUT: `no connection within ${CONNECT_TIMEOUT_MS / 1000} s`,
    UND_ERR_HEADERS_TIMEOUT: `no answer within ${RESPONSE_TIMEOUT_MS / 1000} s`,
    UND_ERR_BODY_TIMEOUT: `the answer stalled for ${RESPONSE_TIMEOUT_MS / 1000} s`,
    UND_ERR_SOCKET: 'the connection broke',
  };
  const why = words[code] ?? (/CERT|TLS|SSL/.test(code) ? 'the receiver\'s TLS certificate is not trusted' : 'the request failed');
  return ApplicationFailure.retryable(`webhook ${reference}: ${why} (${code})`, NOTICE_NOT_DELIVERED_TYPE);
}

/** What the receiver's answer means: delivered, try again (when it says), or never. */
function answerFailure(reference: string, status: number, retryAfter: string | undefined, answer: string): ApplicationFailure {
  const word = ERROR_WORD.test(answer.trim()) ? `: ${answer.trim()}` : '';
  const message = `webhook ${reference}: the receiver answered HTTP ${status}${word}`;
  if (status === 408 || status === 429 || status >= 500) {
    const seconds = Number(retryAfter);
    const nextRetryDelay = Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, MAX_RETRY_AFTER_S) * 1000 : undefined;
    return ApplicationFailure.create({ message, type: NOTICE_NOT_DELIVERED_TYPE, ...(nextRetryDelay ? { nextRetryDelay } : {}) });
  }
  // Another 4xx is the URL or the payload: the same request would get the same answer.
  return ApplicationFailure.nonRetryable(message, NOTICE_NOT_DELIVERED_TYPE);
}

export async function deliverNotice(input: DeliverNoticeInput): Promise<DeliveryReceipt> {
  const context = Context.current();
  const url = await webhookUrl(input.webhook);
  const secret = input.secret ? await resolveCredential(input.secret) : undefined;
  const body = noticeBody(input.notice, input.format);
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'vibflow-notify/1',
    'idempotency-key': input.notice.idempotencyKey,
    'x-vibflow-event': input.notice.event,
    [TIMESTAMP_HEADER]: String(timestamp),
    ...(secret !== undefined ? { [SIGNATURE_HEADER]: signature(secret, timestamp, body) } : {}),
  };
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, {
      method: 'POST',
      body,
      headers,
      dispatcher: dispatcher(),
      headersTimeout: RESPONSE_TIMEOUT_MS,
      bodyTimeout: RESPONSE_TIMEOUT_MS,
      signal: context.cancellationSignal,
    });
  } catch (err) {
    if (context.cancellationSignal.aborted) throw err;
    throw networkFailure(input.webhook, err);
  }
  const answer = await readBoundedBody(response, 4_096).then((b) => b.toString('utf8'), () => '');
  const attempt = context.info.attempt;
  if (response.statusCode >= 200 && response.statusCode < 300) {
    context.log.info('notice delivered', { event: input.notice.event, idempotencyKey: input.notice.idempotencyKey, webhook: input.webhook, status: response.statusCode, attempt });
    return { webhook: input.webhook, status: response.statusCode, attempt };
  }
  const retryAfter = response.headers['retry-after'];
  throw answerFailure(input.webhook, response.statusCode, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, answer);
}
