// Time is injected: only the entry points create a RealClock; tests drive a FakeClock.
export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): Date;
  /** Calls fn once after ms of this clock's time. */
  setTimer(fn: () => void, ms: number): Timer;
}

export class RealClock implements Clock {
  now(): Date {
    return new Date();
  }
  setTimer(fn: () => void, ms: number): Timer {
    // Node caps timers at 2^31-1 ms; re-arm for longer delays.
    const max = 2 ** 31 - 1;
    let handle: NodeJS.Timeout;
    const due = Date.now() + ms;
    const arm = () => {
      const left = due - Date.now();
      handle = setTimeout(left > max ? arm : fn, Math.min(Math.max(left, 0), max));
      handle.unref?.();
    };
    arm();
    return { cancel: () => clearTimeout(handle) };
  }
}

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that moves only when told to; timers due by then fire in time order. */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private pending = new Set<Pending>();

  constructor(start: Date | string) {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  setTimer(fn: () => void, ms: number): Timer {
    const p: Pending = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.pending.add(p);
    return { cancel: () => this.pending.delete(p) };
  }
  /** Moves time forward by ms (or to a date), firing due timers in order. */
  advance(by: number | Date | string): void {
    const target = typeof by === 'number' ? this.t + by : new Date(by).getTime();
    for (;;) {
      const next = [...this.pending]
        .filter((p) => p.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.pending.delete(next);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = Math.max(this.t, target);
  }
  /** Number of armed timers (for tests that check a requeue was scheduled). */
  get timers(): number {
    return this.pending.size;
  }
}
