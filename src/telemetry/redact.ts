// Stand-ins for what logs must never show in clear (message text, tokens, phone numbers): a
// short stable hash, so the lines of one conversation can still be followed.
import { createHash } from 'node:crypto';

/** A short stable hash: the same input gives the same output; the input cannot be read back. */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 12);
}
