/**
 * HMAC-SHA256 signatures of webhook requests, so a receiver can check that a notice comes from
 * vibflow and is recent: `X-Vibflow-Signature: sha256=<hex>` over `<timestamp>.<raw body>`, the
 * timestamp (Unix seconds) in `X-Vibflow-Timestamp`. Node only (the delivery activity, receivers).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-vibflow-signature';
export const TIMESTAMP_HEADER = 'x-vibflow-timestamp';

/** The header value for `body` sent at `timestamp` (Unix seconds). */
export function signature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A receiver's check: the signature matches and the timestamp is within `toleranceSeconds` of `nowSeconds`. */
export function verifySignature(secret: string, headers: { signature?: string; timestamp?: string }, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const timestamp = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signature(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
