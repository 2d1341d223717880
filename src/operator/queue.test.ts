import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../kube/clock.ts';
import { WorkQueue, type WorkQueueOptions } from './queue.ts';

const T0 = '2026-01-01T00:00:00Z';

function setup(opts: Partial<WorkQueueOptions> = {}) {
  const clock = new FakeClock(T0);
  const queue = new WorkQueue({ clock, name: 'test', ...opts });
  return { clock, queue };
}

/** Lets pending promise callbacks (workers waking up, handlers continuing) run. */
async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
}

/** Keys the queue would hand out right now, in order (each is marked done). */
async function drainNow(queue: WorkQueue): Promise<string[]> {
  const out: string[] = [];
  while (queue.len() > 0) {
    const key = (await queue.get())!;
    out.push(key);
    queue.done(key);
  }
  return out;
}

describe('WorkQueue: add, get, done', () => {
  it('hands keys out in FIFO order', async () => {
    const { queue } = setup();
    for (const k of ['a', 'b', 'c']) queue.add(k);
    expect(queue.len()).toBe(3);
    expect(await drainNow(queue)).toEqual(['a', 'b', 'c']);
    expect(queue.len()).toBe(0);
  });

  it('processes a key added many times before processing once', async () => {
    const { queue } = setup();
    queue.add('a');
    queue.add('b');
    queue.add('a');
    queue.add('a');
    expect(queue.len()).toBe(2);
    expect(await drainNow(queue)).toEqual(['a', 'b']);
  });

  it('does not hand out a key that is being processed; it comes back once after done()', async () => {
    const { queue } = setup();
    queue.add('a');
    const first = await queue.get();
    expect(first).toBe('a');
    queue.add('a');
    queue.add('a');
    expect(queue.len()).toBe(0); // remembered, not queued
    let second: string | undefined;
    void queue.get().then((k) => {
      second = k;
    });
    await settle();
    expect(second).toBeUndefined();
    queue.done('a');
    await settle();
    expect(second).toBe('a');
    queue.done('a');
    expect(queue.len()).toBe(0);
  });

  it('a waiting get() resolves when a key is added', async () => {
    const { queue } = setup();
    const got = queue.get();
    queue.add('x');
    await expect(got).resolves.toBe('x');
  });

  it('done() of a key that is not being processed is a no-op', async () => {
    const { queue } = setup();
    queue.done('nope');
    queue.add('a');
    queue.done('a'); // queued, not processing
    expect(queue.len()).toBe(1);
  });
});

describe('WorkQueue: addAfter', () => {
  it('adds keys when their time comes, in time order', async () => {
    const { clock, queue } = setup();
    queue.addAfter('late', 300);
    queue.addAfter('early', 100);
    queue.addAfter('mid', 200);
    expect(queue.len()).toBe(0);
    clock.advance(99);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(await drainNow(queue)).toEqual(['early']);
    clock.advance(500);
    expect(await drainNow(queue)).toEqual(['mid', 'late']);
  });

  it('keeps the earliest time when the same key is added again with a later delay', async () => {
    const { clock, queue } = setup();
    queue.addAfter('a', 100);
    queue.addAfter('a', 1000);
    clock.advance(100);
    expect(await drainNow(queue)).toEqual(['a']);
    clock.advance(2000);
    expect(queue.len()).toBe(0); // the later request was absorbed
    expect(clock.timers).toBe(0);
  });

  it('moves the time earlier when the same key is added again with an earlier delay', async () => {
    const { clock, queue } = setup();
    queue.addAfter('a', 1000);
    queue.addAfter('a', 100);
    expect(clock.timers).toBe(1);
    clock.advance(100);
    expect(await drainNow(queue)).toEqual(['a']);
    clock.advance(2000);
    expect(queue.len()).toBe(0);
  });

  it('adds at once for a delay of zero or less', () => {
    const { queue } = setup();
    queue.addAfter('a', 0);
    queue.addAfter('b', -5);
    expect(queue.len()).toBe(2);
  });

  it('a timed add of a key that is already queued is de-duplicated', async () => {
    const { clock, queue } = setup();
    queue.add('a');
    queue.addAfter('a', 10);
    clock.advance(10);
    expect(await drainNow(queue)).toEqual(['a']);
  });
});

describe('WorkQueue: rate limiting', () => {
  it('backs off exponentially from 5 ms per key and counts requeues', async () => {
    const { clock, queue } = setup();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const from = clock.now().getTime();
      queue.addRateLimited('a');
      while (queue.len() === 0) clock.advance(1);
      delays.push(clock.now().getTime() - from);
      await drainNow(queue);
    }
    expect(delays).toEqual([5, 10, 20, 40, 80, 160]);
    expect(queue.numRequeues('a')).toBe(6);
  });

  it('keeps a separate backoff for each key', () => {
    const { queue } = setup();
    queue.addRateLimited('a');
    queue.addRateLimited('a');
    queue.addRateLimited('b');
    expect(queue.numRequeues('a')).toBe(2);
    expect(queue.numRequeues('b')).toBe(1);
    expect(queue.numRequeues('c')).toBe(0);
  });

  it('caps the delay at maxDelayMs', async () => {
    const { clock, queue } = setup({ baseDelayMs: 100, maxDelayMs: 1000 });
    for (let i = 0; i < 60; i++) queue.addRateLimited('a'); // 100 * 2^59 would overflow the cap
    expect(queue.numRequeues('a')).toBe(60);
    // all requests collapse into the first (earliest) one: 100 ms
    clock.advance(100);
    expect(await drainNow(queue)).toEqual(['a']);
    // the next retry is capped
    queue.addRateLimited('a');
    clock.advance(999);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(queue.len()).toBe(1);
  });

  it('defaults to a 1000 s cap', async () => {
    const { clock, queue } = setup();
    for (let i = 0; i < 30; i++) queue.addRateLimited('a'); // collapse into the first, 5 ms
    clock.advance(5);
    expect(await drainNow(queue)).toEqual(['a']);
    queue.addRateLimited('a'); // 5 ms * 2^30 is far beyond the cap
    clock.advance(1_000_000 - 1);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(queue.len()).toBe(1);
  });

  it('forget resets the backoff to the base delay', async () => {
    const { clock, queue } = setup();
    for (let i = 0; i < 4; i++) queue.addRateLimited('a');
    expect(queue.numRequeues('a')).toBe(4);
    clock.advance(5);
    await drainNow(queue);
    queue.forget('a');
    expect(queue.numRequeues('a')).toBe(0);
    queue.addRateLimited('a');
    clock.advance(4);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(queue.len()).toBe(1);
  });
});

describe('WorkQueue: shutdown', () => {
  it('shutDown resolves waiting and later get() with undefined and ignores new adds', async () => {
    const { queue } = setup();
    const waiting = queue.get();
    queue.shutDown();
    await expect(waiting).resolves.toBeUndefined();
    queue.add('a');
    expect(queue.len()).toBe(0);
    await expect(queue.get()).resolves.toBeUndefined();
    expect(queue.isShuttingDown()).toBe(true);
  });

  it('shutDown drops queued keys and pending timers', async () => {
    const { clock, queue } = setup();
    queue.add('a');
    queue.addAfter('b', 100);
    queue.addRateLimited('c');
    queue.shutDown();
    expect(clock.timers).toBe(0);
    expect(queue.len()).toBe(0);
    clock.advance(1000);
    await expect(queue.get()).resolves.toBeUndefined();
  });

  it('shutDownWithDrain hands out what is queued, waits for done(), then resolves', async () => {
    const { queue } = setup();
    queue.add('a');
    queue.add('b');
    const inFlight = (await queue.get())!;
    expect(inFlight).toBe('a');
    queue.add('a'); // added before the drain started: it is processed again
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => {
      drained = true;
    });
    queue.add('c'); // ignored
    await settle();
    expect(drained).toBe(false);
    expect(await queue.get()).toBe('b');
    queue.done('b');
    await settle();
    expect(drained).toBe(false);
    // a worker waiting now gets 'a' once the in-flight 'a' is done
    const next = queue.get();
    queue.done('a');
    expect(await next).toBe('a');
    queue.done('a');
    await drain;
    expect(drained).toBe(true);
    await expect(queue.get()).resolves.toBeUndefined();
  });

  it('shutDown ends a drain that is waiting for a stuck key', async () => {
    const { queue } = setup();
    queue.add('a');
    await queue.get();
    const drain = queue.shutDownWithDrain();
    queue.shutDown();
    await expect(drain).resolves.toBeUndefined();
    await expect(queue.get()).resolves.toBeUndefined();
  });

  it('shutDownWithDrain on an idle queue resolves at once', async () => {
    const { queue } = setup();
    const waiting = queue.get();
    await queue.shutDownWithDrain();
    await expect(waiting).resolves.toBeUndefined();
  });
});

describe('WorkQueue: metrics hooks', () => {
  it('reports adds, depth and latencies on the queue clock', async () => {
    const onAdd = vi.fn();
    const depths: number[] = [];
    const latencies: [string, number, string][] = [];
    const onRetry = vi.fn();
    const { clock, queue } = setup({
      metrics: {
        onAdd,
        onDepth: (d) => depths.push(d),
        onLatency: (kind, ms, key) => latencies.push([kind, ms, key]),
        onRetry,
      },
    });
    queue.add('a');
    queue.add('a'); // de-duplicated: not an add
    queue.add('b');
    clock.advance(30);
    const a = (await queue.get())!;
    clock.advance(70);
    queue.done(a);
    queue.addRateLimited('b');
    expect(onAdd.mock.calls).toEqual([['a'], ['b']]);
    expect(onRetry).toHaveBeenCalledWith('b');
    expect(depths).toEqual([1, 2, 1]);
    expect(latencies).toEqual([
      ['queue', 30, 'a'],
      ['work', 70, 'a'],
    ]);
  });
});

describe('WorkQueue: isPending', () => {
  it('is true while a key waits or is processed, not while only a timer waits for it', async () => {
    const { clock, queue } = setup();
    queue.addAfter('later', 1000);
    expect(queue.isPending('later')).toBe(false);
    queue.add('a');
    expect(queue.isPending('a')).toBe(true);
    const key = await queue.get();
    expect(key).toBe('a');
    expect(queue.isPending('a')).toBe(true);
    queue.done('a');
    expect(queue.isPending('a')).toBe(false);
    clock.advance(1000);
    expect(queue.isPending('later')).toBe(true);
  });
});
