// Constant-time comparisons for the channels' credentials.
import { createHash, timingSafeEqual } from 'node:crypto';

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
