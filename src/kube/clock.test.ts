import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock, RealClock } from './clock.ts';

describe('FakeClock', () => {
  it('starts at the given time and moves only when advanced', () => {
    const clock = new FakeClock('2026-03-29T00:30:00Z');
    expect(clock.now().toISOString()).toBe('2026-03-29T00:30:00.000Z');
    clock.advance(1500);
    expect(clock.now().toISOString()).toBe('2026-03-29T00:30:01.500Z');
    clock.advance('2026-03-29T01:00:00Z');
    expect(clock.now().toISOString()).toBe('2026-03-29T01:00:00.000Z');
    clock.advance(new Date('2026-03-29T00:00:00Z')); // never backwards
    expect(clock.now().toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  it('fires due timers in time order, then in the order they were set, at their own time', () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const fired: string[] = [];
    const at = (name: string) => () => fired.push(`${name}@${clock.now().getTime() % 100_000}`);
    clock.setTimer(at('c'), 300);
    clock.setTimer(at('a'), 100);
    clock.setTimer(at('b1'), 200);
    clock.setTimer(at('b2'), 200);
    clock.setTimer(at('late'), 1000);
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(201);
    expect(fired).toEqual(['a@100', 'b1@200', 'b2@200', 'c@300']);
    expect(clock.timers).toBe(1);
    expect(clock.now().getTime() % 100_000).toBe(300);
  });

  it('treats a negative delay as zero and fires it on the next advance', () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    let n = 0;
    clock.setTimer(() => n++, -10);
    expect(n).toBe(0);
    clock.advance(0);
    expect(n).toBe(1);
  });

  it('does not fire a cancelled timer; cancelling twice or after firing is harmless', () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const fired: string[] = [];
    const a = clock.setTimer(() => fired.push('a'), 10);
    const b = clock.setTimer(() => fired.push('b'), 20);
    a.cancel();
    a.cancel();
    expect(clock.timers).toBe(1);
    clock.advance(50);
    expect(fired).toEqual(['b']);
    b.cancel();
    expect(clock.timers).toBe(0);
  });

  it('fires timers set by a callback when they are due within the same advance', () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const fired: number[] = [];
    const tick = () => {
      fired.push(clock.now().getTime() % 100_000);
      clock.setTimer(tick, 100);
    };
    clock.setTimer(tick, 100);
    clock.advance(350);
    expect(fired).toEqual([100, 200, 300]);
    expect(clock.timers).toBe(1); // the one due at 400
    clock.advance(50);
    expect(fired).toEqual([100, 200, 300, 400]);
  });

  it('a callback can cancel a timer that is due later in the same advance', () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const fired: string[] = [];
    const later = clock.setTimer(() => fired.push('later'), 20);
    clock.setTimer(() => {
      fired.push('first');
      later.cancel();
    }, 10);
    clock.advance(100);
    expect(fired).toEqual(['first']);
  });

  it('a zero-delay timer set by a callback fires at the current time, before later timers', () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const fired: string[] = [];
    clock.setTimer(() => {
      fired.push('a');
      clock.setTimer(() => fired.push(`now@${clock.now().getTime() % 100_000}`), 0);
    }, 10);
    clock.setTimer(() => fired.push('b'), 20);
    clock.advance(30);
    expect(fired).toEqual(['a', 'now@10', 'b']);
  });
});

describe('RealClock', () => {
  it('now() is the wall clock', () => {
    const before = Date.now();
    const now = new RealClock().now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('setTimer calls the function once after about ms', async () => {
    const clock = new RealClock();
    const start = performance.now();
    const elapsed = await new Promise<number>((resolve) => {
      clock.setTimer(() => resolve(performance.now() - start), 30);
    });
    expect(elapsed).toBeGreaterThanOrEqual(25);
    expect(elapsed).toBeLessThan(1000);
  });

  it('cancel prevents the call', async () => {
    const clock = new RealClock();
    let fired = false;
    const t = clock.setTimer(() => {
      fired = true;
    }, 10);
    t.cancel();
    await new Promise((r) => setTimeout(r, 50));
    expect(fired).toBe(false);
  });

  it('timers fire in order of their delay', async () => {
    const clock = new RealClock();
    const order: number[] = [];
    await new Promise<void>((resolve) => {
      clock.setTimer(() => order.push(40), 40);
      clock.setTimer(() => order.push(5), 5);
      clock.setTimer(() => {
        order.push(60);
        resolve();
      }, 60);
    });
    expect(order).toEqual([5, 40, 60]);
  });

  describe('with delays beyond the Node timer limit (2^31-1 ms)', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('re-arms until the full delay has passed', () => {
      vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
      const clock = new RealClock();
      let fired = 0;
      const limit = 2 ** 31 - 1;
      clock.setTimer(() => fired++, limit + 5000);
      vi.advanceTimersByTime(limit);
      expect(fired).toBe(0);
      vi.advanceTimersByTime(4999);
      expect(fired).toBe(0);
      vi.advanceTimersByTime(1);
      expect(fired).toBe(1);
      vi.advanceTimersByTime(10 * limit);
      expect(fired).toBe(1);
    });

    it('cancel works after a re-arm', () => {
      vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
      const clock = new RealClock();
      let fired = 0;
      const limit = 2 ** 31 - 1;
      const t = clock.setTimer(() => fired++, limit * 2);
      vi.advanceTimersByTime(limit + 10);
      t.cancel();
      vi.advanceTimersByTime(limit * 2);
      expect(fired).toBe(0);
    });
  });
});
