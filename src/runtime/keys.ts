// The runtime's keyed hashes (docs/architecture.md, "Tenants"): what it writes to the session store
// and hands to Http callers never carries an end user's number or id in clear, and cannot be
// forged without the key. One key (`--session-key`, SESSION_KEY) for every replica that shares a
// Redis: conversation keys, message-id markers and Http conversation tokens are the same on each.
import { createHmac, randomBytes } from 'node:crypto';

/** The shortest key accepted from the environment (bytes of text). */
export const MIN_SESSION_KEY_LENGTH = 16;

export class RuntimeKeys {
  private readonly key: Buffer;

  /** `secret` undefined: a random key for this process (one replica with the memory store). */
  constructor(secret?: string) {
    this.key = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  private mac(...parts: string[]): string {
    return createHmac('sha256', this.key).update(JSON.stringify(parts)).digest('base64url');
  }

  /** The store key of one conversation: one end user on one sender address of one channel. */
  conversationKey(channel: string, address: string, user: string): string {
    return `c:${this.mac('conversation', channel.toLowerCase(), address, user)}`;
  }

  /** The store's seen marker of an inbound message id (a wamid holds the user's number). */
  seenKey(channel: string, id: string, verifiedBy: string): string {
    return `${channel.toLowerCase()}:${this.mac('seen', channel.toLowerCase(), id, verifiedBy)}`;
  }

  /**
   * The Http channel's conversation token: bound to the address, the end user's id and the session
   * (when it opened), so a token obtained for an earlier session does not continue a later one.
   */
  conversationToken(address: string, from: string, session: string): string {
    return this.mac('http-conversation', address, from, session);
  }
}
