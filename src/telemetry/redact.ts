// Stand-ins for what logs must never show in clear (message text, tokens, phone numbers): a
// short keyed hash, so the lines of one conversation can still be followed. Keyed (HMAC), so a
// phone number cannot be found again by hashing every number: LOG_HASH_KEY shares the key across
// replicas and restarts; without it each process draws its own.
import { createHmac, randomBytes } from 'node:crypto';

const KEY = process.env.LOG_HASH_KEY || randomBytes(32).toString('hex');

/** A short stable hash: the same input gives the same output; the input cannot be read back. */
export function fingerprint(value: string): string {
  return createHmac('sha256', KEY).update(value).digest('hex').slice(0, 12);
}
