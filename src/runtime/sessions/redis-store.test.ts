// RedisSessionStore as several replicas see it: two store instances ("replicas") on one real
// redis-server. The lock, its takeover after a crash, the fenced write and the key layout.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort, type RedisServer, startRedis } from '../../../test/support/redis.ts';
import {
  RedisSessionStore,
  type RedisSessionStoreOptions,
  type Session,
  SessionLockLostError,
  SessionLockTimeoutError,
} from './index.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const KEY = 'whatsapp:+385911234567:+385981112223';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function session(over: Partial<Session> = {}): Session {
  return {
    chatbot: 'shop/support',
    revision: 'support-1',
    state: { n: 0 },
    openedAt: T0,
    lastActivityAt: T0,
    expiresAt: T0 + 30 * 60_000,
    ...over,
  };
}

function plain(counts: Map<string, Map<string, number>>): Record<string, Record<string, number>> {
  return Object.fromEntries([...counts].map(([bot, revs]) => [bot, Object.fromEntries(revs)]));
}

let server: RedisServer;
let raw: Redis;
let prefix: string;
const stores: RedisSessionStore[] = [];
let t = T0;

/** One replica's store on the test's key prefix, on the shared test clock. */
function replica(opts: Partial<RedisSessionStoreOptions> = {}): RedisSessionStore {
  const s = new RedisSessionStore({ redisUrl: server.url, keyPrefix: prefix, clock: () => t, ...opts });
  stores.push(s);
  return s;
}

beforeAll(async () => {
  server = await startRedis();
  raw = new Redis(server.url);
}, 60_000);
afterAll(async () => {
  await raw?.quit();
  await server?.stop();
});
beforeEach(() => {
  t = T0;
  prefix = `t-${randomBytes(4).toString('hex')}:`;
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

describe('RedisSessionStore across replicas', () => {
  it('loses no update: 2 replicas x 20 interleaved increments of one conversation', {
    timeout: 60_000,
  }, async () => {
    const a = replica();
    const b = replica();
    let active = 0;
    let overlap = false;
    const increment = (store: RedisSessionStore, i: number) =>
      store.withConversation(KEY, async (cur) => {
        if (active++ > 0) overlap = true;
        const n = ((cur?.state as { n: number } | undefined)?.n ?? 0) + 1;
        await sleep(i % 3); // widen the window between read and write
        active--;
        return { next: session({ state: { n } }), result: n };
      });
    const calls: Promise<number>[] = [];
    for (let i = 0; i < 20; i++) calls.push(increment(a, i), increment(b, i));
    const results = await Promise.all(calls);
    expect(overlap).toBe(false);
    expect([...results].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await a.get(KEY))?.state).toEqual({ n: 40 });
    expect((await b.get(KEY))?.state).toEqual({ n: 40 });
    expect(await raw.exists(`${prefix}l:${KEY}`)).toBe(0);
  });

  it('counts the same from every replica, and any replica closes a revision', async () => {
    const a = replica();
    const b = replica();
    for (let i = 0; i < 6; i++)
      await (i % 2 ? a : b).withConversation(`u${i}`, () => ({
        next: session({ chatbot: i < 4 ? 'ns/a' : 'ns/b', revision: i < 2 ? 'a-1' : i < 4 ? 'a-2' : 'b-1' }),
        result: undefined,
      }));
    const expected = { 'ns/a': { 'a-1': 2, 'a-2': 2 }, 'ns/b': { 'b-1': 2 } };
    expect(plain(await a.counts(T0))).toEqual(expected);
    expect(plain(await b.counts(T0))).toEqual(expected);
    expect(await b.closeRevision('ns/a', 'a-1', T0)).toBe(2);
    expect(plain(await a.counts(T0))).toEqual({ 'ns/a': { 'a-2': 2 }, 'ns/b': { 'b-1': 2 } });
    expect(await a.get('u0')).toBeUndefined();
  });

  it('closes a conversation another replica is processing after that step, under its lock', async () => {
    const a = replica();
    const b = replica();
    await a.withConversation(KEY, () => ({ next: session(), result: undefined }));
    const gate = Promise.withResolvers<void>();
    const entered = Promise.withResolvers<void>();
    const step = a.withConversation(KEY, async (cur) => {
      entered.resolve();
      await gate.promise;
      return { next: { ...cur!, state: { n: 1 } }, result: 'replied' };
    });
    await entered.promise;
    let closed: number | undefined;
    const closing = b.closeRevision('shop/support', 'support-1', T0).then((n) => {
      closed = n;
    });
    await sleep(100);
    expect(closed).toBeUndefined();
    gate.resolve();
    expect(await step).toBe('replied');
    await closing;
    expect(closed).toBe(1);
    expect(await a.get(KEY)).toBeUndefined();
    expect(plain(await b.counts(T0))).toEqual({});
  });

  it('takes over the lock of a crashed holder once it expires', { timeout: 60_000 }, async () => {
    const a = replica();
    await a.withConversation(KEY, () => ({ next: session({ state: { n: 7 } }), result: undefined }));
    // A replica that took the lock and died: its token stays until the PX runs out.
    expect(await raw.set(`${prefix}l:${KEY}`, 'crashed-holder', 'PX', 300, 'NX')).toBe('OK');
    const seen = await a.withConversation(KEY, async (cur) => {
      const lock = await raw.get(`${prefix}l:${KEY}`);
      return { next: { ...cur!, state: { n: 8 } }, result: { lock, n: (cur!.state as { n: number }).n } };
    });
    expect(seen.lock).not.toBe('crashed-holder');
    expect(seen.lock).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.n).toBe(7);
    expect((await a.get(KEY))?.state).toEqual({ n: 8 });
    expect(await raw.exists(`${prefix}l:${KEY}`)).toBe(0);
  });

  it('gives up waiting for a lock after lockWaitMs with a clear error that names no key', async () => {
    const a = replica({ lockWaitMs: 200 });
    await raw.set(`${prefix}l:${KEY}`, 'stuck-holder', 'PX', 60_000);
    let ran = false;
    const err = await a
      .withConversation(KEY, () => {
        ran = true;
        return { next: null, result: undefined };
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionLockTimeoutError);
    expect((err as Error).message).toMatch(/lock is still held by another holder after \d+ ms/);
    expect((err as Error).message).not.toContain('385');
    expect(ran).toBe(false);
    expect(await raw.get(`${prefix}l:${KEY}`)).toBe('stuck-holder');
    // The local chain moves on.
    await raw.del(`${prefix}l:${KEY}`);
    expect(await a.withConversation(KEY, () => ({ next: null, result: 'ok' }))).toBe('ok');
  });

  it('refuses the write of a holder whose lock expired and was taken (fencing)', async () => {
    const a = replica();
    const b = replica();
    await a.withConversation(KEY, () => ({ next: session({ state: { n: 1 } }), result: undefined }));
    const err = await a
      .withConversation(KEY, async (cur) => {
        // Meanwhile a's lock expires (a stalled) and b takes the conversation and writes.
        await raw.del(`${prefix}l:${KEY}`);
        await b.withConversation(KEY, () => ({
          next: session({ state: { n: 2, by: 'b' } }),
          result: undefined,
        }));
        await raw.set(`${prefix}l:${KEY}`, 'someone-else', 'PX', 60_000);
        return { next: { ...cur!, state: { n: 99, by: 'a' } }, result: undefined };
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionLockLostError);
    expect((err as Error).message).not.toContain('385');
    expect((await b.get(KEY))?.state).toEqual({ n: 2, by: 'b' });
    expect(await raw.get(`${prefix}l:${KEY}`)).toBe('someone-else');
    expect(plain(await b.counts(T0))).toEqual({ 'shop/support': { 'support-1': 1 } });
  });

  it('renews the lock while a slow step runs', { timeout: 60_000 }, async () => {
    // Without renewal the lock would be gone after 1.5 s; the step takes 4 x 0.7 s.
    const a = replica({ lockTtlMs: 1500 });
    const pttls: number[] = [];
    const n = await a.withConversation(KEY, async () => {
      for (let i = 0; i < 4; i++) {
        await sleep(700);
        pttls.push(await raw.pttl(`${prefix}l:${KEY}`));
      }
      return { next: session({ state: { n: 1 } }), result: 1 };
    });
    expect(n).toBe(1);
    expect(pttls.every((p) => p > 0)).toBe(true);
    expect((await a.get(KEY))?.state).toEqual({ n: 1 });
  });
});

describe('RedisSessionStore without Redis', () => {
  it('rejects calls with the connection error and reports it to onError', { timeout: 60_000 }, async () => {
    const errors: Error[] = [];
    const store = new RedisSessionStore({
      redisUrl: `redis://127.0.0.1:${await freePort()}`,
      onError: (err) => errors.push(err),
    });
    stores.push(store);
    await expect(store.ping()).rejects.toThrow();
    await expect(store.withConversation(KEY, () => ({ next: null, result: 0 }))).rejects.toThrow();
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((e) => e.message).join('\n')).not.toContain('385');
  });
});

describe('RedisSessionStore keys', () => {
  it('lays out session, index, pins and seen keys under the prefix, with TTLs', async () => {
    const a = replica({ expiryMarginMs: 60_000 });
    await a.withConversation(KEY, () => ({
      next: session({ expiresAt: T0 + 5 * 60_000 }),
      result: undefined,
    }));
    await a.markSeen('wamid.A', 10 * 60_000);
    const keys = (await raw.keys(`${prefix}*`)).sort();
    const pin = JSON.stringify(['shop/support', 'support-1']);
    expect(keys).toEqual(
      [`${prefix}i:${pin}`, `${prefix}pins`, `${prefix}s:${KEY}`, `${prefix}seen:wamid.A`].sort(),
    );
    const pttl = await raw.pttl(`${prefix}s:${KEY}`);
    expect(pttl).toBeGreaterThan(5 * 60_000);
    expect(pttl).toBeLessThanOrEqual(6 * 60_000);
    expect(await raw.hget(`${prefix}s:${KEY}`, 'p')).toBe(pin);
    expect(await raw.zscore(`${prefix}i:${pin}`, KEY)).toBe(String(T0 + 5 * 60_000));
    expect(await raw.smembers(`${prefix}pins`)).toEqual([pin]);
    expect(await raw.pttl(`${prefix}seen:wamid.A`)).toBeGreaterThan(0);
    // counts() forgets expired members and empty indexes.
    expect(plain(await a.counts(T0 + 5 * 60_000))).toEqual({});
    expect(await raw.exists(`${prefix}i:${pin}`, `${prefix}pins`)).toBe(0);
  });

  it('keeps stores with different prefixes apart', async () => {
    const a = replica();
    const other = replica({ keyPrefix: `${prefix}other:` });
    await a.withConversation(KEY, () => ({ next: session(), result: undefined }));
    expect(await other.get(KEY)).toBeUndefined();
    expect(plain(await other.counts(T0))).toEqual({});
    expect(await other.markSeen('m', 60_000)).toBe(true);
    expect(await a.markSeen('m', 60_000)).toBe(true);
  });
});
