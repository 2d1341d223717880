// The runtime's session stores (`--session-store memory|redis`, `--redis-url`).
import { MemorySessionStore } from './memory-store.ts';
import { RedisSessionStore, type RedisSessionStoreOptions } from './redis-store.ts';
import type { SessionStore, SessionStoreKind } from './store.ts';

export { KeyedQueue } from './keyed-queue.ts';
export { MemorySessionStore, type MemorySessionStoreOptions } from './memory-store.ts';
export { DEFAULT_KEY_PREFIX, RedisSessionStore, type RedisSessionStoreOptions } from './redis-store.ts';
export {
  type ConversationFn,
  type ConversationStep,
  keyRef,
  type NowFn,
  type Session,
  type SessionCounts,
  SessionLockLostError,
  SessionLockTimeoutError,
  type SessionStore,
  SessionStoreError,
  type SessionStoreKind,
} from './store.ts';

export const SESSION_STORE_KINDS: readonly SessionStoreKind[] = ['memory', 'redis'];

export type SessionStoreOptions = Partial<RedisSessionStoreOptions>;

/**
 * The store for `--session-store`: memory (one replica, the default) or redis (needs redisUrl).
 * Pass the runtime's clock as `clock` when it is not the real one (tests with a FakeClock).
 */
export function createSessionStore(kind: SessionStoreKind, opts: SessionStoreOptions = {}): SessionStore {
  switch (kind) {
    case 'memory':
      return new MemorySessionStore(opts.clock ? { clock: opts.clock } : {});
    case 'redis':
      if (!opts.redisUrl)
        throw new Error('--session-store redis needs --redis-url (REDIS_URL), e.g. redis://redis:6379');
      return new RedisSessionStore({ ...opts, redisUrl: opts.redisUrl });
    default:
      throw new Error(`unknown session store "${String(kind)}": use ${SESSION_STORE_KINDS.join(' or ')}`);
  }
}
