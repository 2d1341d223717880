// Constant-time comparisons for the channels' credentials.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** a === b without leaking where they differ (both hashed first, so lengths leak nothing either). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Whether an Authorization header carries `Bearer {expected}`; false when nothing is expected. */
export function bearerMatches(header: string | undefined, expected: string | undefined): boolean {
  if (!expected) return false;
  const m = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '');
  return m !== null && safeEqual(m[1]!.trim(), expected.trim());
}

/**
 * Meta's X-Hub-Signature-256 ("sha256=<hex>"): HMAC-SHA256 of the raw body bytes (never
 * re-serialised JSON: Meta signs an escaped-unicode form), keyed with the app secret, compared in
 * constant time.
 */
export function validSignature(raw: Buffer, header: string | undefined, appSecret: string): boolean {
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? '');
  if (!m || !appSecret) return false;
  const expected = createHmac('sha256', appSecret).update(raw).digest();
  return timingSafeEqual(expected, Buffer.from(m[1]!.toLowerCase(), 'hex'));
}
