// A keyed work queue with client-go `util/workqueue` semantics, and the worker loop that drains it.
//
// - A key added many times before a worker takes it is processed once (the "dirty" set).
// - A key is never handed to two workers at the same time: a key added while it is being
//   processed is remembered and queued again when the worker calls `done(key)`.
// - `addAfter` arms a timer on the injected Clock; a later `addAfter` for a key that is already
//   waiting keeps the earlier time (client-go's delaying queue).
// - `addRateLimited` waits base * 2^failures (capped), per key, until `forget(key)`
//   (client-go's ItemExponentialFailureRateLimiter).
import type { Clock, Timer } from '../kube/clock.ts';

/** Hooks for metrics (prom-client or anything else); the queue knows nothing about the backend. */
export interface QueueMetrics {
  /** A key entered the queue (not counted when it was already waiting to be processed). */
  onAdd?(key: string): void;
  /** The number of keys waiting to be processed changed. */
  onDepth?(depth: number): void;
  /** `queue`: time from entering the queue to `get()`; `work`: time from `get()` to `done()`. */
  onLatency?(kind: 'queue' | 'work', ms: number, key: string): void;
  /** `addRateLimited` was called (a retry). */
  onRetry?(key: string): void;
}

export interface WorkQueueOptions {
  clock: Clock;
  /** For logs and metric labels. */
  name?: string;
  /** First retry delay of `addRateLimited` (default 5 ms). */
  baseDelayMs?: number;
  /** Largest retry delay of `addRateLimited` (default 1000 s). */
  maxDelayMs?: number;
  metrics?: QueueMetrics;
}

interface Waiting {
  at: number;
  timer: Timer;
}

export class WorkQueue {
  readonly name: string;
  private readonly clock: Clock;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly metrics: QueueMetrics;

  /** Keys in processing order; each is also in `dirty` and never in `processing`. */
  private queue: string[] = [];
  /** Keys that need processing (queued, or added again while being processed). */
  private readonly dirty = new Set<string>();
  /** Keys handed to a worker and not yet `done()`. */
  private readonly processing = new Set<string>();
  /** Keys waiting for an `addAfter` timer. */
  private readonly waiting = new Map<string, Waiting>();
  /** Rate-limited retries per key since the last `forget`. */
  private readonly failures = new Map<string, number>();
  private readonly enqueuedAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private readonly getters: ((key: string | undefined) => void)[] = [];

  private shuttingDown = false;
  private draining = false;
  private drained: (() => void) | undefined;
  private drainedPromise: Promise<void> | undefined;

  constructor(opts: WorkQueueOptions) {
    this.clock = opts.clock;
    this.name = opts.name ?? 'queue';
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 1_000_000;
    this.metrics = opts.metrics ?? {};
  }

  /** Marks key as needing processing. Ignored after shutdown. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.metrics.onAdd?.(key);
    if (this.processing.has(key)) return; // queued again by done()
    this.push(key);
  }

  /**
   * The next key to process; the caller owns it until `done(key)`. Resolves `undefined` once the
   * queue is shut down (after a drain: once nothing is queued or being processed).
   */
  get(): Promise<string | undefined> {
    if (this.queue.length > 0 && (!this.shuttingDown || this.draining)) {
      return Promise.resolve(this.take());
    }
    if (this.shuttingDown && !(this.draining && this.processing.size > 0)) {
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Ends the processing of key; a key added meanwhile is queued again now. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    const started = this.startedAt.get(key);
    this.startedAt.delete(key);
    if (started !== undefined) this.metrics.onLatency?.('work', this.nowMs() - started, key);
    if (this.dirty.has(key) && (!this.shuttingDown || this.draining)) this.push(key);
    this.settleDrain();
  }

  /** Adds key after ms of clock time; if key is already waiting, the earlier time wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.nowMs() + ms;
    const prev = this.waiting.get(key);
    if (prev) {
      if (prev.at <= at) return;
      prev.timer.cancel();
    }
    const timer = this.clock.setTimer(() => {
      if (this.waiting.get(key)?.timer !== timer) return;
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { at, timer });
  }

  /** Adds key after its exponential backoff: base * 2^(retries so far), at most maxDelayMs. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.metrics.onRetry?.(key);
    this.addAfter(key, this.backoffMs(n));
  }

  /** The key succeeded: its next `addRateLimited` starts again at the base delay. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Rate-limited retries of key since the last `forget`. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys waiting to be handed to a worker (the queue depth). */
  len(): number {
    return this.queue.length;
  }

  /** Whether key is waiting to be processed or being processed now (not counting addAfter timers). */
  isPending(key: string): boolean {
    return this.dirty.has(key) || this.processing.has(key);
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Stops at once: new adds and pending `addAfter` timers are dropped, queued keys are
   * discarded, and every `get()` resolves `undefined`. Keys already handed out may still be
   * `done()`. Ends a drain in progress. (client-go's Get keeps handing out already queued items
   * after ShutDown; here a stopped controller starts no new work, e.g. after losing leadership.)
   */
  shutDown(): void {
    this.shuttingDown = true;
    this.draining = false;
    this.cancelTimers();
    for (const key of this.queue) this.dirty.delete(key);
    this.queue = [];
    this.metrics.onDepth?.(0);
    this.settleDrain(true);
    this.wakeGetters();
  }

  /**
   * Stops accepting new adds (and drops pending `addAfter` timers), lets workers finish what is
   * queued or being processed, then resolves; `get()` resolves `undefined` after that. Workers
   * must call `done()` for every key they got, or this never resolves (call `shutDown()` to
   * force it).
   */
  shutDownWithDrain(): Promise<void> {
    if (this.shuttingDown && !this.draining) return Promise.resolve();
    if (!this.drainedPromise) {
      this.drainedPromise = new Promise((resolve) => {
        this.drained = resolve;
      });
    }
    this.shuttingDown = true;
    this.draining = true;
    this.cancelTimers();
    this.settleDrain();
    return this.drainedPromise;
  }

  private backoffMs(retries: number): number {
    const ms = this.baseDelayMs * 2 ** retries;
    return Number.isFinite(ms) ? Math.min(ms, this.maxDelayMs) : this.maxDelayMs;
  }

  private push(key: string): void {
    this.queue.push(key);
    this.enqueuedAt.set(key, this.nowMs());
    this.metrics.onDepth?.(this.queue.length);
    this.wakeGetters();
  }

  /** Moves the head of the queue to processing. */
  private take(): string {
    const key = this.queue.shift()!;
    this.dirty.delete(key);
    this.processing.add(key);
    const now = this.nowMs();
    const queued = this.enqueuedAt.get(key);
    this.enqueuedAt.delete(key);
    this.startedAt.set(key, now);
    this.metrics.onDepth?.(this.queue.length);
    if (queued !== undefined) this.metrics.onLatency?.('queue', now - queued, key);
    return key;
  }

  /** Hands queued keys to waiting getters; after shutdown (or a finished drain) wakes them empty. */
  private wakeGetters(): void {
    const serving = !this.shuttingDown || this.draining;
    while (serving && this.getters.length > 0 && this.queue.length > 0) {
      this.getters.shift()!(this.take());
    }
    if (this.shuttingDown && !(this.draining && (this.queue.length > 0 || this.processing.size > 0))) {
      for (const resolve of this.getters.splice(0)) resolve(undefined);
    }
  }

  private settleDrain(force = false): void {
    if (!this.drained) return;
    if (force || (this.draining && this.queue.length === 0 && this.processing.size === 0)) {
      const resolve = this.drained;
      this.drained = undefined;
      this.draining = false;
      this.wakeGetters();
      resolve();
    }
  }

  private cancelTimers(): void {
    for (const w of this.waiting.values()) w.timer.cancel();
    this.waiting.clear();
  }

  private nowMs(): number {
    return this.clock.now().getTime();
  }
}
