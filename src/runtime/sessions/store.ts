// The runtime's conversations (docs/architecture.md): one SessionStore interface, kept in memory
// for one replica and in Redis for several. A conversation is an opaque string key (the runtime
// builds it from channel, sender address and end user); it may hold a phone number, so neither
// keys nor session state ever go into an error message or a log line (keyRef() is the stand-in).
import { createHash } from 'node:crypto';

/** The session of one conversation, pinned to the chatbot revision that serves it. JSON. */
export interface Session {
  /** `namespace/name` of the chatbot. */
  chatbot: string;
  /** The ControllerRevision name the session is pinned to. */
  revision: string;
  /** The dialog engine's state (JSON: what JSON.stringify keeps survives a round trip). */
  state: unknown;
  /** Milliseconds on the runtime's clock (which may be a fake clock in tests). */
  openedAt: number;
  lastActivityAt: number;
  /** The session reads as absent once `expiresAt <= now`. */
  expiresAt: number;
}

/** What a conversation step decides: the session to keep (null: delete it) and a result for the caller. */
export interface ConversationStep<R> {
  next: Session | null;
  result: R;
}

/** Called with the current session (undefined: none, or expired at now) and the store clock's now. */
export type ConversationFn<R> = (
  current: Session | undefined,
  now: number,
) => ConversationStep<R> | Promise<ConversationStep<R>>;

/** Open (unexpired) sessions: chatbot (`ns/name`) -> revision -> count. */
export type SessionCounts = Map<string, Map<string, number>>;

export type SessionStoreKind = 'memory' | 'redis';

/** Milliseconds on the runtime's clock (RealClock in production, a FakeClock in tests). */
export type NowFn = () => number;

export interface SessionStore {
  readonly kind: SessionStoreKind;
  /**
   * Exclusive access to one conversation: once no other call holds it, reads `now` from the
   * store's clock and the session (one with `expiresAt <= now` reads as absent), calls
   * fn(current, now), writes `next` (null deletes) and returns `result`. Calls for the same key
   * never overlap and, within one process, run in call order; with Redis, never overlap across
   * replicas either. If fn throws, nothing is written and the error is passed on. fn may have
   * run when this rejects with SessionLockLostError (its write was refused), so replies should
   * be sent from the result, after this resolves.
   */
  withConversation<R>(key: string, fn: ConversationFn<R>): Promise<R>;
  /** A read without the lock (diagnostics, tests): the session, or undefined if absent or expired at now (default: the store's clock). */
  get(key: string, now?: number): Promise<Session | undefined>;
  /** Open sessions per chatbot and revision, over every replica; forgets expired ones. */
  counts(now: number): Promise<SessionCounts>;
  /**
   * Deletes every session pinned to (chatbot, revision) (a drain's deadline) and returns how many
   * were open. A conversation being processed is closed after that step, under its lock.
   */
  closeRevision(chatbot: string, revision: string, now: number): Promise<number>;
  /** True the first time id is seen within ttlMs (real time), false afterwards (message-id dedupe). */
  markSeen(id: string, ttlMs: number): Promise<boolean>;
  /** Resolves when the store can serve (Redis answers PING); for readiness checks. */
  ping(): Promise<void>;
  /** Releases resources (the Redis connection). */
  close(): Promise<void>;
}

export class SessionStoreError extends Error {
  override name = 'SessionStoreError';
}

/** Another holder kept the conversation's lock for longer than the store waits. */
export class SessionLockTimeoutError extends SessionStoreError {
  override name = 'SessionLockTimeoutError';
}

/** The lock expired while fn ran (the process stalled) and the write was refused: nothing was written. */
export class SessionLockLostError extends SessionStoreError {
  override name = 'SessionLockLostError';
}

/** A stable, non-reversible reference to a conversation key for error messages. */
export function keyRef(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/** Throws a TypeError unless s is a session the stores can keep. */
export function checkSession(s: Session): void {
  const bad = (what: string) => {
    throw new TypeError(`session: ${what}`);
  };
  if (s === null || typeof s !== 'object') bad('not an object');
  if (typeof s.chatbot !== 'string' || s.chatbot === '') bad('chatbot must be a non-empty string');
  if (typeof s.revision !== 'string' || s.revision === '') bad('revision must be a non-empty string');
  for (const f of ['openedAt', 'lastActivityAt', 'expiresAt'] as const)
    if (typeof s[f] !== 'number' || !Number.isFinite(s[f])) bad(`${f} must be a finite number`);
}

export function checkKey(key: string): void {
  if (typeof key !== 'string' || key === '')
    throw new TypeError('conversation key must be a non-empty string');
}

/** Adds one count to a SessionCounts. */
export function addCount(counts: SessionCounts, chatbot: string, revision: string, n: number): void {
  let byRevision = counts.get(chatbot);
  if (!byRevision) {
    byRevision = new Map();
    counts.set(chatbot, byRevision);
  }
  byRevision.set(revision, (byRevision.get(revision) ?? 0) + n);
}
