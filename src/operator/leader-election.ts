// Leader election, the way client-go tools/leaderelection does it (docs/architecture.md,
// "Leader election"): candidates read a lock record (a Lease, see leader-election/lease-lock.ts),
// decide, and write it back with the version they read as a precondition. A conflict means
// another candidate wrote first; the next round re-reads.
//
// Clock skew. A candidate judges expiry on its own clock only: it notes the local time at which
// it last saw the record change, and treats the lease as expired leaseDurationSeconds after that.
// The acquireTime and renewTime in the record come from the holder's clock and are never compared
// with local time; a changed renewTime only tells followers that the holder is alive. So replicas'
// clocks may be set arbitrarily far apart. What must hold is their rate: the leader stops leading
// once renewDeadline has passed on its clock since its last successful renewal, and a follower
// takes over no sooner than leaseDuration after it saw that renewal, on its clock. There is never
// more than one leader as long as the follower's clock does not gain the margin
// (leaseDuration - renewDeadline, 5 s of 15 s by default) on the leader's within a lease. Like
// client-go, this is not fencing: a write the old leader sent just before it stopped may still
// land after the next one starts.
//
// All waiting (retry periods, call timeouts, expiry) is on the injected Clock, so the unit tests
// drive the elector with a FakeClock and an in-memory lock.
import pino, { type Logger } from 'pino';
import type { Clock } from '../kube/clock.ts';
import {
  type LeaderLock,
  LockConflictError,
  type LockRecord,
  type StoredRecord,
} from './leader-election/lock.ts';
import { abortAfter, describe, recordKey, sleepOn } from './leader-election/timing.ts';

export { LeaseLock } from './leader-election/lease-lock.ts';
export {
  type LeaderLock,
  LockConflictError,
  type LockRecord,
  type StoredRecord,
} from './leader-election/lock.ts';

export interface LeaderElectionOptions {
  /** Where the record lives (a LeaseLock in production). */
  lock: LeaderLock;
  /** Unique per replica, e.g. the pod name. */
  identity: string;
  /** RealClock in production. */
  clock: Clock;
  /** How long followers wait after the last observed change before taking over (default 15 s). */
  leaseDurationMs?: number;
  /**
   * How long after its last successful renewal a leader that cannot renew stops leading
   * (default 10 s); it must be shorter than the lease, by the margin clocks may drift apart.
   */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew (default 2 s; acquisition adds up to 1.2x jitter). */
  retryPeriodMs?: number;
  logger?: Logger;
  /**
   * Called when this replica becomes leader. The signal aborts when leadership ends. If it
   * returns a promise, `release()` waits for it to settle before it gives the lock up, so return
   * one that settles once the work guarded by the lock has stopped.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once when leadership ends (renewal failed, another holder seen, stop or release). */
  onStoppedLeading(): void;
  /** Called whenever the observed holder changes to a non-empty identity (this one included). */
  onNewLeader?(identity: string): void;
}

/** Acquisition waits retryPeriod * (1 + up to JITTER_FACTOR) between attempts, as client-go. */
const JITTER_FACTOR = 1.2;

export class LeaderElector {
  readonly identity: string;
  private readonly lock: LeaderLock;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;

  /** The record as last read or written (its resourceVersion is the next write's precondition). */
  private observed: StoredRecord | undefined;
  private observedKey = '';
  /** Local clock time (ms) at which `observed` last changed. */
  private observedAt = 0;
  /** Local clock time (ms) of this replica's last successful acquire or renewal. */
  private renewedAt = 0;
  private reportedLeader = '';

  private leading: { controller: AbortController; work: Promise<void> } | undefined;
  private readonly halt = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly opts: LeaderElectionOptions) {
    this.identity = opts.identity;
    this.lock = opts.lock;
    this.clock = opts.clock;
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    if (!opts.identity) throw new Error('leader election: identity must not be empty');
    if (this.leaseDurationMs <= this.renewDeadlineMs) {
      throw new Error('leader election: leaseDurationMs must be greater than renewDeadlineMs');
    }
    if (this.renewDeadlineMs <= JITTER_FACTOR * this.retryPeriodMs) {
      throw new Error(
        `leader election: renewDeadlineMs must be greater than ${JITTER_FACTOR} x retryPeriodMs`,
      );
    }
    if (this.retryPeriodMs <= 0) throw new Error('leader election: retryPeriodMs must be positive');
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({
      lock: opts.lock.describe(),
      identity: opts.identity,
    });
  }

  /**
   * Campaigns until this replica becomes leader, then renews until leadership is lost or
   * `stop()`/`release()` is called. Resolves then; like client-go it does not campaign again
   * (call `run()` on a new elector, or exit the process, after losing).
   */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  /** Starts `run()` in the background (errors are logged, never thrown). */
  start(): void {
    this.run().catch((err) => this.log.error({ err: describe(err) }, 'leader election loop failed'));
  }

  /** True while this replica leads (between onStartedLeading and onStoppedLeading). */
  isLeader(): boolean {
    return this.leading !== undefined;
  }

  /**
   * The /healthz check (client-go's HealthzAdaptor): a leader whose last successful renewal is
   * older than the lease duration plus `toleranceMs` is wedged (a lock call that never settles),
   * and other replicas may lead by now; restarting it is the safe way out. A follower is always
   * healthy.
   */
  check(toleranceMs = 20_000): true | string {
    if (!this.leading) return true;
    const since = this.nowMs() - this.renewedAt;
    if (since <= this.leaseDurationMs + toleranceMs) return true;
    return `leader lease not renewed for ${Math.round(since / 1000)}s (lease duration ${Math.round(this.leaseDurationMs / 1000)}s)`;
  }

  /** The holder identity last observed on the lock (undefined if none). */
  getLeader(): string | undefined {
    return this.observed?.holderIdentity || undefined;
  }

  /**
   * Stops campaigning and renewing without touching the lock (as a crash would): other
   * candidates take over once the lease expires. Ends leadership locally.
   */
  async stop(): Promise<void> {
    this.halt.abort();
    await this.running;
    this.endLeading();
  }

  /**
   * Graceful shutdown: stops renewing, aborts the leading signal and waits for the work started
   * by onStartedLeading, then, if the lock still names this replica, clears holderIdentity
   * (leaseDurationSeconds=1) so a standby takes over at its next attempt instead of waiting for
   * the lease to expire. Resolves false if the lock could not be written.
   */
  async release(): Promise<boolean> {
    this.halt.abort();
    await this.running;
    const leading = this.leading;
    if (leading) {
      leading.controller.abort();
      await leading.work;
    } else if (!this.observedSelf()) {
      return true; // never led, or another holder took over: nothing of ours to clear
    }
    try {
      return await this.releaseLock();
    } finally {
      this.endLeading();
    }
  }

  private async loop(): Promise<void> {
    if (!(await this.acquire())) return;
    this.beginLeading();
    if ((await this.renew()) === 'lost') this.endLeading();
  }

  /** Tries until acquired (true) or halted (false). */
  private async acquire(): Promise<boolean> {
    this.log.info('attempting to acquire leader lease');
    for (;;) {
      if (this.halt.signal.aborted) return false;
      if (await this.attempt(this.renewDeadlineMs)) {
        // Halted while the write was in flight: do not start leading; release() still clears it.
        if (this.halt.signal.aborted) return false;
        this.log.info('acquired leader lease');
        return true;
      }
      if (this.halt.signal.aborted) return false;
      await sleepOn(this.clock, this.halt.signal, this.retryPeriodMs * (1 + Math.random() * JITTER_FACTOR));
    }
  }

  /**
   * Renews every retryPeriod; 'lost' when renewDeadline has passed since the last successful
   * renewal. (client-go counts the deadline from the first failed attempt, a retry period later;
   * counting from the success keeps the whole leaseDuration - renewDeadline as the safety margin.)
   */
  private async renew(): Promise<'lost' | 'halted'> {
    for (;;) {
      await sleepOn(this.clock, this.halt.signal, this.retryPeriodMs);
      if (this.halt.signal.aborted) return 'halted';
      const deadline = this.renewedAt + this.renewDeadlineMs;
      for (;;) {
        const ok = await this.attempt(deadline - this.nowMs());
        if (this.halt.signal.aborted) return 'halted';
        if (ok) break;
        const holder = this.observed?.holderIdentity;
        if (holder && holder !== this.identity) {
          this.log.warn({ holder }, 'leader lease taken by another holder');
          return 'lost';
        }
        const wait = Math.min(this.retryPeriodMs, deadline - this.nowMs());
        if (wait <= 0) {
          this.log.error(
            { renewDeadlineMs: this.renewDeadlineMs },
            'failed to renew leader lease within the renew deadline',
          );
          return 'lost';
        }
        await sleepOn(this.clock, this.halt.signal, wait);
        if (this.halt.signal.aborted) return 'halted';
      }
    }
  }

  /** One tryAcquireOrRenew bounded by timeoutMs and by stop/release. */
  private async attempt(timeoutMs: number): Promise<boolean> {
    if (timeoutMs <= 0) return false;
    const call = abortAfter(this.clock, timeoutMs, this.halt.signal);
    try {
      return await this.tryAcquireOrRenew(call.signal);
    } catch (err) {
      if (err instanceof LockConflictError) this.log.debug({ err: describe(err) }, 'lost a write race');
      else this.log.warn({ err: describe(err) }, 'leader lease attempt failed');
      return false;
    } finally {
      call.done();
    }
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = this.clock.now();
    const desired: LockRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };

    // 1. The leader renews optimistically against the record it last wrote.
    const last = this.observed;
    if (last && this.observedSelf() && this.leaseValid(now)) {
      desired.acquireTime = last.acquireTime;
      desired.leaseTransitions = last.leaseTransitions;
      try {
        this.wrote(await this.lock.update(desired, last.resourceVersion, signal));
        return true;
      } catch (err) {
        if (signal.aborted) return false;
        this.log.debug({ err: describe(err) }, 'optimistic renew failed; re-reading');
      }
    }

    // 2. Read the record, or create it when there is none (a conflict: another candidate was first).
    const current = await this.lock.get(signal);
    if (signal.aborted) return false;
    if (!current) {
      this.wrote(await this.lock.create(desired, signal));
      return true;
    }

    // 3. Note when the record last changed, and back off while another holder's lease is valid.
    // Judged at `now`, the time this attempt writes as acquireTime: a takeover's acquireTime is
    // at least leaseDuration after the follower saw the last renewal.
    this.observe(current);
    if (current.holderIdentity && !this.observedSelf() && this.leaseValid(now)) return false;

    // 4. Take it over (or renew it after a failed optimistic write); a conflict: someone else won.
    if (this.observedSelf()) {
      desired.acquireTime = current.acquireTime;
      desired.leaseTransitions = current.leaseTransitions;
    } else {
      desired.leaseTransitions = current.leaseTransitions + 1;
    }
    this.wrote(await this.lock.update(desired, current.resourceVersion, signal));
    return true;
  }

  private async releaseLock(): Promise<boolean> {
    const call = abortAfter(this.clock, this.renewDeadlineMs);
    try {
      const current = await this.lock.get(call.signal);
      if (current) this.observe(current);
      if (current?.holderIdentity !== this.identity) {
        this.log.info({ holder: current?.holderIdentity }, 'lease no longer ours');
        return true;
      }
      const now = this.clock.now();
      const released: LockRecord = {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: current.leaseTransitions,
      };
      this.observe(await this.lock.update(released, current.resourceVersion, call.signal));
      this.log.info('released leader lease');
      return true;
    } catch (err) {
      this.log.error({ err: describe(err) }, 'failed to release leader lease');
      return false;
    } finally {
      call.done();
    }
  }

  /** Records a write of this replica's that succeeded. */
  private wrote(record: StoredRecord): void {
    this.observe(record);
    this.observedAt = this.nowMs();
    this.renewedAt = this.observedAt;
  }

  /** Records a read; the local time is noted only when the record differs from the last one. */
  private observe(record: StoredRecord): void {
    this.observed = record;
    const key = recordKey(record);
    if (key === this.observedKey) return;
    this.observedKey = key;
    this.observedAt = this.nowMs();
    this.reportLeader();
  }

  private reportLeader(): void {
    const holder = this.observed?.holderIdentity ?? '';
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    if (!holder) return;
    this.log.info({ holder }, 'new leader observed');
    try {
      this.opts.onNewLeader?.(holder);
    } catch (err) {
      this.log.error({ err: describe(err) }, 'onNewLeader failed');
    }
  }

  private observedSelf(): boolean {
    return this.observed?.holderIdentity === this.identity;
  }

  /** Whether the observed holder's lease still runs at `now`, judged on the local clock only. */
  private leaseValid(now: Date): boolean {
    const seconds = this.observed?.leaseDurationSeconds ?? 0;
    return this.observedAt + seconds * 1000 > now.getTime();
  }

  private beginLeading(): void {
    const controller = new AbortController();
    const leading = { controller, work: Promise.resolve() };
    this.leading = leading;
    try {
      leading.work = Promise.resolve(this.opts.onStartedLeading(controller.signal)).then(
        () => undefined,
        (err) => this.log.error({ err: describe(err) }, 'onStartedLeading failed'),
      );
    } catch (err) {
      this.log.error({ err: describe(err) }, 'onStartedLeading failed');
    }
  }

  private endLeading(): void {
    const leading = this.leading;
    if (!leading) return;
    this.leading = undefined;
    leading.controller.abort();
    this.log.info('stopped leading');
    try {
      this.opts.onStoppedLeading();
    } catch (err) {
      this.log.error({ err: describe(err) }, 'onStoppedLeading failed');
    }
  }

  private nowMs(): number {
    return this.clock.now().getTime();
  }
}
