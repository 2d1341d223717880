import { describe, expect, it } from 'vitest';
import { KeyedQueue } from './keyed-queue.ts';

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

describe('KeyedQueue', () => {
  it('runs one key in call order, other keys alongside, and forgets idle keys', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const first = q.run('a', async () => {
      log.push('a1 start');
      await held;
      log.push('a1 end');
      return 1;
    });
    const second = q.run('a', async () => {
      log.push('a2');
      return 2;
    });
    const other = q.run('b', async () => {
      log.push('b');
      return 3;
    });
    expect(await other).toBe(3);
    await tick();
    expect(log).toEqual(['a1 start', 'b']);
    expect(q.busy('a')).toBe(true);
    expect(q.busy('b')).toBe(false);
    release();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(log).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
    expect(q.size).toBe(0);
  });

  it('passes a task’s error to its caller only; the next task still runs', async () => {
    const q = new KeyedQueue();
    const failing = q.run('k', async () => {
      throw new Error('boom');
    });
    const next = q.run('k', async () => 'next');
    await expect(failing).rejects.toThrow('boom');
    expect(await next).toBe('next');
    expect(q.size).toBe(0);
  });
});
