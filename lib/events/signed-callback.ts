import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * The signature of another SMS provider's reply callback to record-reply's function URL:
 * `x-recall-timestamp` (Unix seconds) and `x-recall-signature` (hex HMAC-SHA256 of
 * `<timestamp>.<raw body>` with the stack's callback secret). A request older than five minutes is
 * refused, so a captured request cannot be replayed later.
 */

export const SIGNATURE_HEADER = 'x-recall-signature';
export const TIMESTAMP_HEADER = 'x-recall-timestamp';
/** How far a request's timestamp may be from our clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function signCallback(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export type SignatureCheck = 'valid' | 'missing' | 'stale' | 'mismatch';

export function checkSignature(secret: string, headers: Record<string, string | undefined>, body: string, now: Date): SignatureCheck {
  const signature = headers[SIGNATURE_HEADER];
  const timestampText = headers[TIMESTAMP_HEADER];
  if (!signature || !timestampText || !/^\d{1,12}$/.test(timestampText)) return 'missing';
  const timestamp = Number(timestampText);
  if (Math.abs(now.getTime() / 1000 - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return 'stale';
  const expected = Buffer.from(signCallback(secret, timestamp, body), 'hex');
  const given = Buffer.from(signature.replace(/^sha256=/, ''), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'valid' : 'mismatch';
}
