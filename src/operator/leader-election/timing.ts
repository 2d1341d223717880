// Waiting for the elector, on its injected clock: sleeps that end early when the elector halts,
// and call deadlines as abort signals. Plus the small helpers that read a lock record.
import type { Clock } from '../../kube/clock.ts';
import type { LockRecord } from './lock.ts';

/** Resolves after ms of clock time, or at once when `halt` aborts. */
export function sleepOn(clock: Clock, halt: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (halt.aborted) return resolve();
    const onAbort = () => {
      timer.cancel();
      resolve();
    };
    const timer = clock.setTimer(() => {
      halt.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    halt.addEventListener('abort', onAbort, { once: true });
  });
}

/** A signal that aborts after ms of clock time or when parent aborts; call done() after. */
export function abortAfter(
  clock: Clock,
  ms: number,
  parent?: AbortSignal,
): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const timer = clock.setTimer(() => controller.abort(new Error(`timed out after ${ms} ms`)), ms);
  const onAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onAbort();
  else parent?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    done: () => {
      timer.cancel();
      parent?.removeEventListener('abort', onAbort);
    },
  };
}

/** The record's fields (not its version), to notice a change: a renewal changes renewTime. */
export function recordKey(r: LockRecord): string {
  return JSON.stringify([
    r.holderIdentity,
    r.leaseDurationSeconds,
    r.acquireTime?.getTime() ?? null,
    r.renewTime?.getTime() ?? null,
    r.leaseTransitions,
  ]);
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
