// One contract for every SessionStore, run against the memory store and against a real
// redis-server (test/support/redis.ts). Time is a number the test passes in; the only real waits
// are markSeen's ttl and small sleeps that widen race windows (never an upper bound on time).
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../test/support/redis.ts';
import {
  createSessionStore,
  MemorySessionStore,
  RedisSessionStore,
  type Session,
  type SessionStore,
} from './index.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const MIN = 60_000;

function session(over: Partial<Session> = {}): Session {
  return {
    chatbot: 'shop/support',
    revision: 'support-1',
    state: { dialog: 'welcome', element: 0, attributes: {} },
    openedAt: T0,
    lastActivityAt: T0,
    expiresAt: T0 + 30 * MIN,
    ...over,
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Writes s to key unconditionally. */
function put(store: SessionStore, key: string, s: Session | null): Promise<void> {
  return store.withConversation(key, () => ({ next: s, result: undefined }));
}

/** The session fn is handed (a read under the lock that writes it back unchanged). */
function read(store: SessionStore, key: string): Promise<Session | undefined> {
  return store.withConversation(key, (cur) => ({ next: cur ?? null, result: cur }));
}

function plain(counts: Map<string, Map<string, number>>): Record<string, Record<string, number>> {
  return Object.fromEntries([...counts].map(([bot, revs]) => [bot, Object.fromEntries(revs)]));
}

/** The contract every SessionStore meets; makeStore gets the (fake) runtime clock to use. */
function sessionStoreContract(name: string, makeStore: (clock: () => number) => SessionStore): void {
  describe(`SessionStore contract: ${name}`, () => {
    let store: SessionStore;
    let t = T0;
    /** Sets the runtime clock. */
    const at = (ms: number) => {
      t = ms;
    };
    beforeEach(() => {
      t = T0;
      store = makeStore(() => t);
    });
    afterEach(async () => {
      await store.close();
    });

    it('reads an absent conversation as undefined, then writes, reads back and deletes', async () => {
      expect(await read(store, 'c1')).toBeUndefined();
      const s = session({ state: { n: 1, nested: { list: [1, 'two', null], text: 'čćž 🙂' } } });
      const r = await store.withConversation('c1', (cur) => ({ next: s, result: cur === undefined }));
      expect(r).toBe(true);
      expect(await read(store, 'c1')).toEqual(s);
      expect(await store.get('c1')).toEqual(s);
      // A copy: changing what was read or written changes nothing stored.
      (s.state as { n: number }).n = 99;
      const got = await store.get('c1');
      expect(got?.state).toMatchObject({ n: 1 });
      (got!.state as { n: number }).n = 42;
      expect((await store.get('c1'))?.state).toMatchObject({ n: 1 });
      await put(store, 'c1', null);
      expect(await read(store, 'c1')).toBeUndefined();
      expect(await store.get('c1')).toBeUndefined();
      expect(plain(await store.counts(T0))).toEqual({});
    });

    it('passes fn errors on and writes nothing; rejects an invalid session', async () => {
      await put(store, 'c', session({ state: { v: 1 } }));
      await expect(
        store.withConversation('c', () => {
          throw new Error('engine failed');
        }),
      ).rejects.toThrow('engine failed');
      await expect(
        store.withConversation('c', async () => ({ next: session({ chatbot: '' }), result: 0 })),
      ).rejects.toThrow(TypeError);
      await expect(
        store.withConversation('c', () => ({ next: session({ expiresAt: Number.NaN }), result: 0 })),
      ).rejects.toThrow(TypeError);
      expect((await read(store, 'c'))?.state).toEqual({ v: 1 });
      await expect(store.withConversation('', () => ({ next: null, result: 0 }))).rejects.toThrow(TypeError);
    });

    it('judges expiry by the runtime clock: expiresAt <= now reads as absent', async () => {
      await put(store, 'e', session({ expiresAt: T0 + 1000 }));
      at(T0 + 999);
      expect(await read(store, 'e')).toBeDefined();
      expect(await store.get('e')).toBeDefined();
      expect(await store.get('e', T0 + 1000)).toBeUndefined();
      expect(plain(await store.counts(T0 + 999))).toEqual({ 'shop/support': { 'support-1': 1 } });
      expect(plain(await store.counts(T0 + 1000))).toEqual({});
      at(T0 + 1000);
      expect(await store.get('e')).toBeUndefined();
      expect(await read(store, 'e')).toBeUndefined();
      // A new session replaces the expired one, on another revision.
      at(T0 + 5000);
      const seen = await store.withConversation('e', (cur, now) => ({
        next: session({ revision: 'support-2', openedAt: now, expiresAt: now + 5000 }),
        result: { cur, now },
      }));
      expect(seen).toEqual({ cur: undefined, now: T0 + 5000 });
      expect(plain(await store.counts(T0 + 5000))).toEqual({ 'shop/support': { 'support-2': 1 } });
    });

    it('runs calls for one key one at a time, in call order', async () => {
      const order: number[] = [];
      let active = 0;
      let overlap = false;
      await put(store, 'k', session({ state: { n: 0 } }));
      const calls = Array.from({ length: 10 }, (_, i) =>
        store.withConversation('k', async (cur) => {
          if (active++ > 0) overlap = true;
          order.push(i);
          const n = (cur!.state as { n: number }).n;
          await sleep(i % 3);
          active--;
          return { next: { ...cur!, state: { n: n + 1 } }, result: n };
        }),
      );
      expect(await Promise.all(calls)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(overlap).toBe(false);
      expect((await read(store, 'k'))?.state).toEqual({ n: 10 });
    });

    it('runs calls for different keys concurrently, and a failed call does not block the key', async () => {
      const gate = deferred();
      const blocked = store.withConversation('a', async () => {
        await gate.promise;
        return { next: session(), result: 'a' };
      });
      const queued = store.withConversation('a', (cur) => ({ next: cur ?? null, result: cur?.chatbot }));
      // 'b' completes while 'a' is held.
      expect(await store.withConversation('b', () => ({ next: session(), result: 'b' }))).toBe('b');
      gate.resolve();
      expect(await blocked).toBe('a');
      expect(await queued).toBe('shop/support');
      const failing = store.withConversation('a', async () => {
        throw new Error('boom');
      });
      const after = store.withConversation('a', () => ({ next: null, result: 'after' }));
      await expect(failing).rejects.toThrow('boom');
      expect(await after).toBe('after');
    });

    it('counts open sessions per chatbot and revision, following moves and deletes', async () => {
      const pins: [string, Partial<Session>][] = [
        ['u1', { chatbot: 'ns1/a', revision: 'a-1' }],
        ['u2', { chatbot: 'ns1/a', revision: 'a-1' }],
        ['u3', { chatbot: 'ns1/a', revision: 'a-1' }],
        ['u4', { chatbot: 'ns1/a', revision: 'a-2' }],
        ['u5', { chatbot: 'ns1/a', revision: 'a-2' }],
        ['u6', { chatbot: 'ns2/b', revision: 'b-1' }],
        ['old', { chatbot: 'ns2/b', revision: 'b-0', expiresAt: T0 + 1 }],
      ];
      for (const [key, over] of pins) await put(store, key, session(over));
      expect(plain(await store.counts(T0 + 1))).toEqual({
        'ns1/a': { 'a-1': 3, 'a-2': 2 },
        'ns2/b': { 'b-1': 1 },
      });
      at(T0 + 2);
      await put(store, 'u1', session({ chatbot: 'ns1/a', revision: 'a-2' }));
      await put(store, 'u6', null);
      await put(store, 'u7', session({ chatbot: 'ns2/c', revision: 'c-1' }));
      expect(plain(await store.counts(T0 + 2))).toEqual({
        'ns1/a': { 'a-1': 2, 'a-2': 3 },
        'ns2/c': { 'c-1': 1 },
      });
      // Counting again gives the same answer (counting drops expired members, nothing else).
      expect(plain(await store.counts(T0 + 2))).toEqual(plain(await store.counts(T0 + 2)));
    });

    it('closeRevision deletes the sessions pinned to one revision and says how many were open', async () => {
      for (let i = 0; i < 5; i++) await put(store, `a1-${i}`, session({ chatbot: 'ns/a', revision: 'a-1' }));
      await put(store, 'a1-expired', session({ chatbot: 'ns/a', revision: 'a-1', expiresAt: T0 + 5 }));
      await put(store, 'a2', session({ chatbot: 'ns/a', revision: 'a-2' }));
      await put(store, 'b1', session({ chatbot: 'ns/b', revision: 'a-1' }));
      expect(await store.closeRevision('ns/a', 'a-1', T0 + 10)).toBe(5);
      expect(plain(await store.counts(T0 + 10))).toEqual({ 'ns/a': { 'a-2': 1 }, 'ns/b': { 'a-1': 1 } });
      expect(await read(store, 'a1-0')).toBeUndefined();
      expect(await read(store, 'a1-expired')).toBeUndefined();
      expect(await read(store, 'a2')).toBeDefined();
      expect(await store.closeRevision('ns/a', 'a-1', T0 + 10)).toBe(0);
      expect(await store.closeRevision('ns/none', 'x', T0 + 10)).toBe(0);
    });

    it('closeRevision waits for a conversation being processed and then closes it', async () => {
      await put(store, 'busy', session({ chatbot: 'ns/a', revision: 'a-1', state: { step: 1 } }));
      await put(store, 'idle', session({ chatbot: 'ns/a', revision: 'a-1' }));
      const gate = deferred();
      const entered = deferred();
      const step = store.withConversation('busy', async (cur) => {
        entered.resolve();
        await gate.promise;
        // The step still runs on the old revision and writes its session back, pinned to it.
        return { next: { ...cur!, state: { step: 2 }, lastActivityAt: T0 + 1 }, result: 'replied' };
      });
      await entered.promise;
      let closed: number | undefined;
      const closing = store.closeRevision('ns/a', 'a-1', T0 + 2).then((n) => {
        closed = n;
      });
      // The idle one closes meanwhile; the busy one waits for its step.
      while (await store.get('idle', T0 + 2)) await sleep(5);
      await sleep(50);
      expect(closed).toBeUndefined();
      gate.resolve();
      expect(await step).toBe('replied');
      await closing;
      expect(closed).toBe(2);
      expect(await read(store, 'busy')).toBeUndefined();
      expect(plain(await store.counts(T0 + 3))).toEqual({});
    });

    it('markSeen is true once per id within its ttl', async () => {
      expect(await store.markSeen('wamid.1', 60_000)).toBe(true);
      expect(await store.markSeen('wamid.1', 60_000)).toBe(false);
      expect(await store.markSeen('wamid.2', 60_000)).toBe(true);
      expect(await store.markSeen('wamid.ü:+1', 60_000)).toBe(true);
      expect(await store.markSeen('wamid.ü:+1', 60_000)).toBe(false);
      expect(await store.markSeen('short', 30)).toBe(true);
      expect(await store.markSeen('short', 30)).toBe(false);
      await sleep(150);
      expect(await store.markSeen('short', 30)).toBe(true);
      expect(await store.markSeen('wamid.1', 60_000)).toBe(false);
    });

    it('keeps opaque keys apart: separators, plus signs, unicode, case, prefixes', async () => {
      const keys = [
        'WhatsApp:+385911234567:+385981112223',
        'WhatsApp:+385911234567:+38598111222',
        'Http:support:用户-ü-🙂',
        'Http:support:用户-ü-🙂 ',
        'a',
        'A',
        's:a',
        'l:a',
        'i:["x","y"]',
        'pins',
        'seen:a',
      ];
      for (const [i, key] of keys.entries()) await put(store, key, session({ state: { i, key } }));
      for (const [i, key] of keys.entries()) expect((await read(store, key))?.state).toEqual({ i, key });
      expect(plain(await store.counts(T0))).toEqual({ 'shop/support': { 'support-1': keys.length } });
      expect(await store.closeRevision('shop/support', 'support-1', T0)).toBe(keys.length);
      for (const key of keys) expect(await store.get(key)).toBeUndefined();
    });

    it('holds 10,000 sessions: counts and closeRevision over all of them', { timeout: 120_000 }, async () => {
      const N = 10_000;
      const started = performance.now();
      for (let i = 0; i < N; i += 1000)
        await Promise.all(
          Array.from({ length: 1000 }, (_, j) =>
            put(store, `WhatsApp:+385911234567:+3859100${i + j}`, session({ revision: `r${(i + j) % 4}` })),
          ),
        );
      const written = performance.now();
      const counts = await store.counts(T0);
      const counted = performance.now();
      expect(plain(counts)).toEqual({ 'shop/support': { r0: 2500, r1: 2500, r2: 2500, r3: 2500 } });
      expect(await store.closeRevision('shop/support', 'r1', T0)).toBe(2500);
      const closedAt = performance.now();
      expect(plain(await store.counts(T0))).toEqual({ 'shop/support': { r0: 2500, r2: 2500, r3: 2500 } });
      console.info(
        `${name}: 10,000 writes ${Math.round(written - started)} ms, counts ${Math.round(counted - written)} ms, closeRevision(2,500) ${Math.round(closedAt - counted)} ms`,
      );
    });

    it('answers ping, and refuses work after close()', async () => {
      await store.ping();
      await store.close();
      await expect(put(store, 'x', session())).rejects.toThrow();
    });
  });
}

sessionStoreContract('memory', (clock) => new MemorySessionStore({ clock }));

let redis: RedisServer | undefined;
describe('with redis-server', () => {
  beforeAll(async () => {
    redis = await startRedis();
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
  });
  sessionStoreContract('redis', (clock) =>
    createSessionStore('redis', {
      clock,
      redisUrl: redis!.url,
      keyPrefix: `test-${randomBytes(4).toString('hex')}:`,
    }),
  );
  it('createSessionStore makes both kinds and names what is missing', async () => {
    const memory = createSessionStore('memory');
    expect(memory).toBeInstanceOf(MemorySessionStore);
    await memory.close();
    const r = createSessionStore('redis', { redisUrl: redis!.url });
    expect(r).toBeInstanceOf(RedisSessionStore);
    await r.close();
    expect(() => createSessionStore('redis')).toThrow(/--redis-url/);
    expect(() => createSessionStore('disk' as 'memory')).toThrow(/unknown session store "disk"/);
  });
});
