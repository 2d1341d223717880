// Sessions in this process's memory: the default, for one runtime replica (and the demo).
// Sessions are kept as JSON text, so a caller never shares an object with the store and the
// round trip is the same as Redis's. Expired sessions read as absent and are dropped by the next
// write, counts() or closeRevision(); seen message ids are swept from the oldest on each markSeen().
import { KeyedQueue } from './keyed-queue.ts';
import {
  addCount,
  type ConversationFn,
  checkKey,
  checkSession,
  type NowFn,
  type Session,
  type SessionCounts,
  type SessionStore,
} from './store.ts';

interface Entry {
  json: string;
  chatbot: string;
  revision: string;
  expiresAt: number;
}

export interface MemorySessionStoreOptions {
  /** The runtime's clock, judging expiry in withConversation (default Date.now). */
  clock?: NowFn;
  /** Real time for markSeen's ttl (default Date.now), as Redis's PX is. */
  wallClock?: NowFn;
}

export class MemorySessionStore implements SessionStore {
  readonly kind = 'memory' as const;
  private readonly sessions = new Map<string, Entry>();
  /** id -> when it may be seen again; in insertion order, which is expiry order for one ttl. */
  private readonly seen = new Map<string, number>();
  private readonly queue = new KeyedQueue();
  private readonly clock: NowFn;
  private readonly wallClock: NowFn;
  private closed = false;

  constructor(opts: MemorySessionStoreOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.wallClock = opts.wallClock ?? Date.now;
  }

  async withConversation<R>(key: string, fn: ConversationFn<R>): Promise<R> {
    checkKey(key);
    this.checkOpen();
    return this.queue.run(key, async () => {
      this.checkOpen();
      const now = this.clock();
      const { next, result } = await fn(this.read(key, now), now);
      this.write(key, next);
      return result;
    });
  }

  async get(key: string, now = this.clock()): Promise<Session | undefined> {
    checkKey(key);
    return this.read(key, now);
  }

  async counts(now: number): Promise<SessionCounts> {
    const out: SessionCounts = new Map();
    for (const [key, e] of this.sessions) {
      if (e.expiresAt > now) addCount(out, e.chatbot, e.revision, 1);
      else if (!this.queue.busy(key)) this.sessions.delete(key);
    }
    return out;
  }

  async closeRevision(chatbot: string, revision: string, now: number): Promise<number> {
    this.checkOpen();
    let closed = 0;
    const busy: Promise<number>[] = [];
    for (const [key, e] of this.sessions) {
      if (e.chatbot !== chatbot || e.revision !== revision) continue;
      if (this.queue.busy(key)) {
        // Being processed: close it after the steps already queued, under the same chain.
        busy.push(
          this.queue.run(key, async () => {
            const cur = this.sessions.get(key);
            if (!cur || cur.chatbot !== chatbot || cur.revision !== revision) return 0;
            this.sessions.delete(key);
            return cur.expiresAt > now ? 1 : 0;
          }),
        );
      } else {
        this.sessions.delete(key);
        if (e.expiresAt > now) closed++;
      }
    }
    for (const n of await Promise.all(busy)) closed += n;
    return closed;
  }

  async markSeen(id: string, ttlMs: number): Promise<boolean> {
    this.checkOpen();
    const t = this.wallClock();
    for (const [old, until] of this.seen) {
      if (until > t) break;
      this.seen.delete(old);
    }
    const until = this.seen.get(id);
    if (until !== undefined && until > t) return false;
    this.seen.delete(id);
    this.seen.set(id, t + Math.max(1, Math.ceil(ttlMs)));
    return true;
  }

  async ping(): Promise<void> {
    this.checkOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.sessions.clear();
    this.seen.clear();
  }

  /** Number of session entries held, expired ones not yet swept included (for tests). */
  get size(): number {
    return this.sessions.size;
  }

  private read(key: string, now: number): Session | undefined {
    const e = this.sessions.get(key);
    return e && e.expiresAt > now ? (JSON.parse(e.json) as Session) : undefined;
  }

  private write(key: string, next: Session | null): void {
    if (next === null) {
      this.sessions.delete(key);
      return;
    }
    checkSession(next);
    const json = JSON.stringify(next);
    this.sessions.set(key, {
      json,
      chatbot: next.chatbot,
      revision: next.revision,
      expiresAt: next.expiresAt,
    });
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('session store is closed');
  }
}
