// Per-key token buckets: each end user (and each unauthenticated caller address) gets `burst`
// messages at once and `perSecond` more every second; one that sends faster is refused without
// slowing anybody else. Bounded: idle full buckets are forgotten, and at most `maxKeys` are kept.
// (Hand-written: the libraries that do this per key are tied to an HTTP framework's hooks; the
// WhatsApp channel limits per message inside one webhook.)

export interface RateLimitOptions {
  burst: number;
  perSecond: number;
  /** Buckets kept at most; the oldest are dropped beyond it (they are full again by then, or nearly). */
  maxKeys?: number;
  /** Milliseconds, real time (a limit protects the process, it decides nothing about bots). */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(private readonly opts: RateLimitOptions) {
    this.maxKeys = opts.maxKeys ?? 100_000;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Takes one token for key: 0 when allowed, else the milliseconds until one is available. */
  take(key: string): number {
    const now = this.now();
    const { burst, perSecond } = this.opts;
    const b = this.buckets.get(key);
    let tokens = burst;
    if (b) {
      tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
      this.buckets.delete(key); // re-inserted below: Map order is least recently used first
    }
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return Math.ceil(((1 - tokens) / perSecond) * 1000);
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return 0;
  }

  get size(): number {
    return this.buckets.size;
  }
}
