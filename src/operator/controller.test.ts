import { describe, expect, it } from 'vitest';
import { FakeClock } from '../kube/clock.ts';
import {
  ConflictError,
  Controller,
  type ControllerOptions,
  type Outcome,
  type Result,
  TerminalError,
} from './controller.ts';
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

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Runs a Controller over `handler` (the old runWorkers shape); returns its stop function. */
function runWorkers(
  queue: WorkQueue,
  n: number,
  handler: (key: string) => Promise<Result | undefined> | Promise<void>,
  opts: Partial<ControllerOptions> = {},
): () => Promise<void> {
  const c = new Controller({
    name: 'test',
    queue,
    workers: n,
    reconciler: { reconcile: async (key) => ((await handler(key)) as Result | undefined) ?? {} },
    ...opts,
  });
  c.start();
  return () => c.stop();
}

describe('Controller workers', () => {
  it('never runs one key in two workers at the same time, and re-runs it when re-added meanwhile', async () => {
    const { queue } = setup();
    const running = new Map<string, number>();
    let maxPerKey = 0;
    const calls: string[] = [];
    const gates: ReturnType<typeof deferred<void>>[] = [];
    const stop = runWorkers(queue, 4, async (key) => {
      calls.push(key);
      running.set(key, (running.get(key) ?? 0) + 1);
      maxPerKey = Math.max(maxPerKey, running.get(key)!);
      const gate = deferred();
      gates.push(gate);
      await gate.promise;
      running.set(key, running.get(key)! - 1);
    });
    queue.add('a');
    await settle();
    expect(calls).toEqual(['a']);
    // three more adds while 'a' runs, with three idle workers
    queue.add('a');
    queue.add('a');
    queue.add('b');
    await settle();
    expect(calls).toEqual(['a', 'b']);
    gates[0]!.resolve();
    await settle();
    expect(calls).toEqual(['a', 'b', 'a']); // once more, not three times
    for (const g of gates) g.resolve();
    await settle();
    expect(calls).toEqual(['a', 'b', 'a']);
    expect(maxPerKey).toBe(1);
    await stop();
  });

  it('retries a thrown error with backoff and forgets the backoff after success', async () => {
    const { clock, queue } = setup();
    const errors: string[] = [];
    let failuresLeft = 3;
    const calls: number[] = [];
    const t0 = clock.now().getTime();
    const stop = runWorkers(
      queue,
      1,
      async () => {
        calls.push(clock.now().getTime() - t0);
        if (failuresLeft-- > 0) throw new Error('boom');
      },
      { onError: (key, err) => errors.push(`${key}: ${(err as Error).message}`) },
    );
    queue.add('a');
    await settle();
    expect(queue.numRequeues('a')).toBe(1);
    for (let i = 0; i < 40; i++) {
      clock.advance(5);
      await settle(2);
    }
    expect(calls).toEqual([0, 5, 15, 35]);
    expect(errors).toEqual(['a: boom', 'a: boom', 'a: boom']);
    expect(queue.numRequeues('a')).toBe(0);
    await stop();
  });

  it('keeps working after a handler throws synchronously or the error hook throws', async () => {
    const { clock, queue } = setup();
    const seen: string[] = [];
    const stop = runWorkers(
      queue,
      1,
      ((key: string) => {
        seen.push(key);
        if (key === 'bad') throw new Error('sync');
        return Promise.resolve();
      }) as (key: string) => Promise<void>,
      {
        onError: () => {
          throw new Error('hook');
        },
      },
    );
    queue.add('bad');
    queue.add('good');
    await settle();
    expect(seen).toEqual(['bad', 'good']);
    clock.advance(5);
    await settle();
    expect(seen).toEqual(['bad', 'good', 'bad']);
    await stop();
  });

  it('requeues after the delay the handler asks for', async () => {
    const { clock, queue } = setup();
    const calls: number[] = [];
    const t0 = clock.now().getTime();
    const stop = runWorkers(queue, 2, async () => {
      calls.push(clock.now().getTime() - t0);
      return calls.length < 3 ? { requeueAfterMs: 1000 } : {};
    });
    queue.add('a');
    await settle();
    clock.advance(999);
    await settle();
    expect(calls).toEqual([0]);
    clock.advance(1);
    await settle();
    clock.advance(1000);
    await settle();
    clock.advance(5000);
    await settle();
    expect(calls).toEqual([0, 1000, 2000]);
    expect(clock.timers).toBe(0);
    await stop();
  });

  it('stop waits for in-flight handlers and starts nothing new', async () => {
    const { queue } = setup();
    const gate = deferred();
    const calls: string[] = [];
    let finished = false;
    const stop = runWorkers(queue, 1, async (key) => {
      calls.push(key);
      await gate.promise;
      finished = true;
    });
    queue.add('a');
    queue.add('b');
    await settle();
    let stopped = false;
    const stopping = stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toBe(true);
    expect(calls).toEqual(['a']);
  });
});

describe('Controller outcomes: the one place that turns a result or error into a queue action', () => {
  it.each<[string, () => Promise<Result>, Outcome, number, boolean]>([
    // name, reconcile, metric label, retries counted, processed again after 1 s of clock time
    ['done', async () => ({}), 'success', 0, false],
    ['requeue after a delay', async () => ({ requeueAfterMs: 1000 }), 'requeue', 0, true],
    ['a 409 conflict', async () => Promise.reject(new ConflictError('stale')), 'conflict', 1, true],
    ['any other error', async () => Promise.reject(new Error('apiserver down')), 'error', 1, true],
    ['a terminal error', async () => Promise.reject(new TerminalError('invalid', 422)), 'terminal', 0, false],
  ])('%s', async (_name, reconcile, label, retries, again) => {
    const { clock, queue } = setup();
    const outcomes: string[] = [];
    const reported: string[] = [];
    let calls = 0;
    const c = new Controller({
      name: 'chatbot',
      queue,
      reconciler: {
        reconcile: () => {
          calls++;
          return reconcile();
        },
        reportTerminal: async (key, err) => {
          reported.push(`${key}: ${err.message} (${err.status})`);
        },
      },
      metrics: {
        observe: (name, outcome) => {
          outcomes.push(`${name}: ${outcome}`);
        },
      },
    });
    c.start();
    queue.add('ns/a');
    await settle();
    expect(outcomes).toEqual([`chatbot: ${label}`]);
    expect(queue.numRequeues('ns/a')).toBe(retries);
    expect(reported).toEqual(label === 'terminal' ? ['ns/a: invalid (422)'] : []);
    clock.advance(1000);
    await settle();
    expect(calls).toBe(again ? 2 : 1);
    await c.stop();
  });

  it('a terminal error after failures forgets the backoff, and a failing report stops nothing', async () => {
    const { clock, queue } = setup();
    let n = 0;
    const c = new Controller({
      name: 'chatbot',
      queue,
      reconciler: {
        reconcile: async () => {
          n++;
          throw n < 3 ? new Error('flaky') : new TerminalError('invalid', 422);
        },
        reportTerminal: async () => {
          throw new Error('status write failed too');
        },
      },
    });
    c.start();
    queue.add('ns/a');
    await settle();
    clock.advance(5);
    await settle();
    clock.advance(10);
    await settle();
    expect(n).toBe(3);
    expect(queue.numRequeues('ns/a')).toBe(0);
    queue.add('ns/a'); // the object changed: reconciled again
    await settle();
    expect(n).toBe(4);
    await c.stop();
  });
});
