// Sessions in Redis, for several runtime replicas: any replica can serve any message, and two
// replicas never process the same conversation at once. Standalone Redis (or a Sentinel primary);
// the scripts reach keys they compute, so Redis Cluster is not supported.
//
// Keys (P = keyPrefix, default `chatbot-runtime:`; pin = JSON.stringify([chatbot, revision])):
//   P s:<conversation key>   hash {d: session JSON, p: pin, x: expiresAt}, PX (expiresAt - now) + margin
//   P l:<conversation key>   the conversation's lock: a random token, PX lockTtlMs, renewed while held
//   P i:<pin>                sorted set: member = conversation key, score = expiresAt (the counts index)
//   P pins                   set of the pins that have an index
//   P seen:<message id>      "1", PX ttl (markSeen)
//
// Locking: within one process a per-key FIFO chain orders the calls; across processes the lock
// (SET NX PX, taken together with the session read in one script) excludes. Waiters retry with
// jittered, doubling delays (capped by the holder's remaining PTTL) and give up after lockWaitMs
// with SessionLockTimeoutError. A holder renews its lock every lockTtlMs/3 while fn runs, so a
// slow fn keeps it and a crashed holder's lock expires after lockTtlMs.
//
// Fencing: the write is one script that first checks the lock still holds this holder's token,
// then writes the session, moves its index member and releases the lock. A holder whose lock
// expired (a stalled process) writes nothing and gets SessionLockLostError, whoever has the lock
// now. Every change to a session key goes through a script that checks the lock (closeRevision
// deletes only sessions whose lock is free, and closes the locked ones under their lock), so
// the token check is the compare-and-set: no version number is needed, and there is no ABA on
// deleted sessions that a version kept inside the deleted key would have.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { KeyedQueue } from './keyed-queue.ts';
import { defineScripts, type ScriptedRedis } from './redis-scripts.ts';
import {
  addCount,
  type ConversationFn,
  checkKey,
  checkSession,
  keyRef,
  type NowFn,
  type Session,
  type SessionCounts,
  SessionLockLostError,
  SessionLockTimeoutError,
  type SessionStore,
} from './store.ts';

export const DEFAULT_KEY_PREFIX = 'chatbot-runtime:';

export interface RedisSessionStoreOptions {
  /** redis://[user:password@]host:port[/db] or rediss://... */
  redisUrl: string;
  /** Prefix of every key (several runtimes may share one Redis with different prefixes). */
  keyPrefix?: string;
  /** The runtime's clock, judging expiry in withConversation and setting key TTLs (default Date.now). */
  clock?: NowFn;
  /** How long a lock outlives a holder that stopped renewing it (crashed). Default 10 s. */
  lockTtlMs?: number;
  /** How long a caller waits for another holder's lock before SessionLockTimeoutError. Default 15 s. */
  lockWaitMs?: number;
  /** First and largest retry delay while waiting for a lock (jittered). Default 2 and 50 ms. */
  lockRetryMinMs?: number;
  lockRetryMaxMs?: number;
  /** Added to a session key's TTL beyond its expiresAt (clocks of replicas differ). Default 60 s. */
  expiryMarginMs?: number;
  /** Connection errors (ioredis reconnects by itself); messages carry no conversation keys. */
  onError?: (err: Error) => void;
  /** For tests: jitter source. */
  random?: () => number;
}

/** Conversations closed per closeRevision script call. */
const CLOSE_BATCH_SIZE = 256;

type Decision<R> = { write: false; result: R } | { write: true; next: Session | null; result: R };

export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis' as const;
  readonly redis: ScriptedRedis;
  private readonly prefix: string;
  private readonly queue = new KeyedQueue();
  private readonly lockTtlMs: number;
  private readonly lockWaitMs: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly marginMs: number;
  private readonly random: () => number;
  private readonly clock: NowFn;

  constructor(opts: RedisSessionStoreOptions) {
    this.prefix = opts.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.lockTtlMs = opts.lockTtlMs ?? 10_000;
    this.lockWaitMs = opts.lockWaitMs ?? 15_000;
    this.retryMinMs = opts.lockRetryMinMs ?? 2;
    this.retryMaxMs = opts.lockRetryMaxMs ?? 50;
    this.marginMs = opts.expiryMarginMs ?? 60_000;
    this.random = opts.random ?? Math.random;
    this.clock = opts.clock ?? Date.now;
    const client = new Redis(opts.redisUrl, { maxRetriesPerRequest: 2, connectionName: 'chatbot-runtime' });
    const onError = opts.onError ?? (() => {});
    client.on('error', (err: Error) => onError(err));
    this.redis = defineScripts(client);
  }

  withConversation<R>(key: string, fn: ConversationFn<R>): Promise<R> {
    return this.locked(key, async (stored, now) => {
      const current = stored && stored.expiresAt > now ? stored : undefined;
      const { next, result } = await fn(current, now);
      return { write: true, next, result };
    });
  }

  async get(key: string, now = this.clock()): Promise<Session | undefined> {
    checkKey(key);
    const raw = await this.redis.hget(this.sessionKey(key), 'd');
    const s = raw === null ? undefined : (JSON.parse(raw) as Session);
    return s && s.expiresAt > now ? s : undefined;
  }

  async counts(now: number): Promise<SessionCounts> {
    const flat = await this.redis.sessionCounts(this.pinsKey(), this.indexPrefix(), now);
    const out: SessionCounts = new Map();
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const [chatbot, revision] = JSON.parse(String(flat[i])) as [string, string];
      addCount(out, chatbot, revision, Number(flat[i + 1]));
    }
    return out;
  }

  async closeRevision(chatbot: string, revision: string, now: number): Promise<number> {
    const pin = pinOf(chatbot, revision);
    const index = this.indexPrefix() + pin;
    const members = await this.redis.zrange(index, 0, -1);
    let closed = 0;
    const busy: string[] = [];
    for (let i = 0; i < members.length; i += CLOSE_BATCH_SIZE) {
      const batch = members.slice(i, i + CLOSE_BATCH_SIZE);
      const [n, locked] = await this.redis.sessionCloseBatch(
        index,
        this.prefix + 's:',
        this.prefix + 'l:',
        pin,
        now,
        ...batch,
      );
      closed += Number(n);
      busy.push(...locked);
    }
    // Conversations being processed: closed after that step, under their lock.
    const outcomes = await Promise.allSettled(
      busy.map((key) =>
        this.locked(key, async (stored): Promise<Decision<number>> => {
          if (!stored || stored.chatbot !== chatbot || stored.revision !== revision)
            return { write: false, result: 0 };
          return { write: true, next: null, result: stored.expiresAt > now ? 1 : 0 };
        }),
      ),
    );
    let failed: unknown;
    for (const o of outcomes) {
      if (o.status === 'fulfilled') closed += o.value;
      else failed ??= o.reason;
    }
    if (failed !== undefined) throw failed;
    return closed;
  }

  async markSeen(id: string, ttlMs: number): Promise<boolean> {
    const px = Math.max(1, Math.ceil(ttlMs));
    return (await this.redis.set(`${this.prefix}seen:${id}`, '1', 'PX', px, 'NX')) === 'OK';
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    if (this.redis.status === 'end') return;
    if (this.redis.status !== 'ready') {
      this.redis.disconnect();
      return;
    }
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  /** Exclusive access to key: local FIFO chain, then the Redis lock; writes with the fence. */
  private async locked<R>(
    key: string,
    step: (stored: Session | undefined, now: number) => Promise<Decision<R>>,
  ): Promise<R> {
    checkKey(key);
    return this.queue.run(key, async () => {
      const lock = this.prefix + 'l:' + key;
      const token = randomUUID();
      const raw = await this.acquire(key, lock, token);
      const now = this.clock();
      const renew = setInterval(() => {
        this.redis.sessionRenew(lock, token, this.lockTtlMs).catch(() => {});
      }, this.lockTtlMs / 3);
      renew.unref();
      let decision: Decision<R>;
      let json = '';
      try {
        decision = await step(raw === null ? undefined : (JSON.parse(raw) as Session), now);
        if (decision.write && decision.next) {
          checkSession(decision.next);
          json = JSON.stringify(decision.next);
        }
      } catch (err) {
        clearInterval(renew);
        await this.redis.sessionRelease(lock, token).catch(() => {});
        throw err;
      } finally {
        clearInterval(renew);
      }
      if (!decision.write) {
        // Nothing to write: a failed release only leaves the lock to expire.
        await this.redis.sessionRelease(lock, token).catch(() => {});
        return decision.result;
      }
      const next = decision.next;
      let written: number;
      try {
        written = await this.redis.sessionWrite(
          this.sessionKey(key),
          lock,
          this.pinsKey(),
          token,
          key,
          next ? 'set' : 'del',
          json,
          next ? pinOf(next.chatbot, next.revision) : '',
          next ? next.expiresAt : 0,
          next ? Math.max(1, Math.ceil(next.expiresAt - now)) + this.marginMs : 0,
          this.indexPrefix(),
        );
      } catch (err) {
        await this.redis.sessionRelease(lock, token).catch(() => {});
        throw err;
      }
      if (written !== 1)
        throw new SessionLockLostError(
          `conversation ${keyRef(key)}: the lock expired before the write (held longer than ${this.lockTtlMs} ms without renewal); nothing was written`,
        );
      return decision.result;
    });
  }

  /** Takes the lock, waiting for another holder; returns the stored session JSON (or null). */
  private async acquire(key: string, lock: string, token: string): Promise<string | null> {
    const started = performance.now();
    let delay = this.retryMinMs;
    for (;;) {
      const [taken, value] = await this.redis.sessionAcquire(
        lock,
        this.sessionKey(key),
        token,
        this.lockTtlMs,
      );
      if (Number(taken) === 1) return value === null || value === undefined ? null : String(value);
      const waited = performance.now() - started;
      if (waited >= this.lockWaitMs)
        throw new SessionLockTimeoutError(
          `conversation ${keyRef(key)}: its lock is still held by another holder after ${Math.round(waited)} ms (lock wait ${this.lockWaitMs} ms, lock ttl ${this.lockTtlMs} ms)`,
        );
      let sleep = delay * (0.5 + this.random() / 2);
      const pttl = Number(value);
      if (pttl > 0) sleep = Math.min(sleep, pttl + 1);
      sleep = Math.min(sleep, this.lockWaitMs - waited);
      await new Promise((r) => setTimeout(r, Math.max(1, sleep)));
      delay = Math.min(delay * 2, this.retryMaxMs);
    }
  }

  private sessionKey(key: string): string {
    return this.prefix + 's:' + key;
  }
  private pinsKey(): string {
    return this.prefix + 'pins';
  }
  private indexPrefix(): string {
    return this.prefix + 'i:';
  }
}

function pinOf(chatbot: string, revision: string): string {
  return JSON.stringify([chatbot, revision]);
}
