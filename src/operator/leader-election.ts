// Leader election on a coordination.k8s.io/v1 Lease, the way client-go tools/leaderelection does it:
// read the Lease, decide, write it back with its resourceVersion as a precondition. A 409 means
// another candidate wrote first; the next round re-reads.
//
// Expiry is judged on this process's own clock: a candidate notes the local time at which it last
// saw the Lease record change and treats the lease as expired leaseDurationSeconds after that.
// The renewTime written by the holder is informational, so clock skew between replicas does not
// matter.
import {
  ApiException,
  type ConfigurationOptions,
  CoordinationV1Api,
  type KubeConfig,
  Observable,
  type ObservableMiddleware,
  type V1Lease,
  type V1LeaseSpec,
  V1MicroTime,
} from '@kubernetes/client-node';
import type { Clock } from '../kube/clock.ts';

/** The subset of a pino logger the elector uses. */
export interface LeaderElectionLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  /** Namespace of the Lease (the operator's own namespace). */
  namespace: string;
  /** Name of the Lease. */
  name: string;
  /** Unique per replica, e.g. the pod name. */
  identity: string;
  /** How long followers wait after the last observed change before taking over (default 15 s). */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying a failed renewal before it gives up (default 10 s). */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew (default 2 s; acquisition adds up to 1.2x jitter). */
  retryPeriodMs?: number;
  /** RealClock in production. */
  clock: Clock;
  /**
   * Called when this replica becomes leader. The signal aborts when leadership ends. If it
   * returns a promise, `release()` waits for it to settle before it gives the Lease up, so return
   * one that settles once the work guarded by the lease has stopped.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once when leadership ends (renewal failed, another holder seen, stop or release). */
  onStoppedLeading(): void;
  /** Called whenever the observed holder changes to a non-empty identity (this one included). */
  onNewLeader?(identity: string): void;
  logger?: LeaderElectionLogger;
}

/** The fields of a Lease that the election reads and writes. */
interface ElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: Date | undefined;
  renewTime: Date | undefined;
  leaseTransitions: number;
}

const JITTER_FACTOR = 1.2;

const silent: LeaderElectionLogger = { debug() {}, info() {}, warn() {}, error() {} };

export class LeaderElector {
  readonly identity: string;
  private readonly api: CoordinationV1Api;
  private readonly clock: Clock;
  private readonly log: LeaderElectionLogger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;

  /** The Lease as last read or written (carries the resourceVersion for the next write). */
  private lease: V1Lease | undefined;
  private observed: ElectionRecord | undefined;
  private observedRaw = '';
  /** Local clock time (ms) at which `observed` last changed. */
  private observedAt = 0;
  private reportedLeader = '';

  private leading: { controller: AbortController; work: Promise<void> } | undefined;
  private readonly halt = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly opts: LeaderElectionOptions) {
    this.identity = opts.identity;
    this.clock = opts.clock;
    this.log = opts.logger ?? silent;
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
    this.api = opts.kubeConfig.makeApiClient(CoordinationV1Api);
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
   * older than the lease duration plus `toleranceMs` is stuck, and other replicas may lead by
   * now; restarting it is the safe way out. A follower is always healthy.
   */
  check(toleranceMs = 20_000): true | string {
    if (!this.leading) return true;
    const since = this.nowMs() - this.observedAt;
    if (since <= this.leaseDurationMs + toleranceMs) return true;
    return `leader lease not renewed for ${Math.round(since / 1000)}s (lease duration ${Math.round(this.leaseDurationMs / 1000)}s)`;
  }

  /** The holder identity last observed on the Lease (undefined if none). */
  getLeader(): string | undefined {
    return this.observed?.holderIdentity || undefined;
  }

  /**
   * Stops campaigning and renewing without touching the Lease (as a crash would): other
   * candidates take over once the lease expires. Ends leadership locally.
   */
  async stop(): Promise<void> {
    this.halt.abort();
    await this.running;
    this.endLeading();
  }

  /**
   * Graceful shutdown: stops renewing, aborts the leading signal and waits for the work started
   * by onStartedLeading, then clears holderIdentity (leaseDurationSeconds=1) so a standby takes
   * over at its next attempt. Resolves false if the Lease could not be written.
   */
  async release(): Promise<boolean> {
    this.halt.abort();
    await this.running;
    const leading = this.leading;
    if (!leading) return true;
    leading.controller.abort();
    await leading.work;
    try {
      return await this.releaseLease();
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
    this.log.info({ lease: this.leaseRef(), identity: this.identity }, 'attempting to acquire leader lease');
    for (;;) {
      if (this.halt.signal.aborted) return false;
      if (await this.attempt(this.renewDeadlineMs)) {
        this.log.info({ lease: this.leaseRef(), identity: this.identity }, 'acquired leader lease');
        return true;
      }
      if (this.halt.signal.aborted) return false;
      await this.sleep(this.retryPeriodMs * (1 + Math.random() * JITTER_FACTOR));
    }
  }

  /** Renews every retryPeriod; 'lost' when a renewal has not succeeded within renewDeadline. */
  private async renew(): Promise<'lost' | 'halted'> {
    for (;;) {
      await this.sleep(this.retryPeriodMs);
      if (this.halt.signal.aborted) return 'halted';
      const deadline = this.nowMs() + this.renewDeadlineMs;
      for (;;) {
        const ok = await this.attempt(deadline - this.nowMs());
        if (this.halt.signal.aborted) return 'halted';
        if (ok) break;
        const holder = this.observed?.holderIdentity;
        if (holder && holder !== this.identity) {
          this.log.warn({ lease: this.leaseRef(), holder }, 'leader lease taken by another holder');
          return 'lost';
        }
        const wait = Math.min(this.retryPeriodMs, deadline - this.nowMs());
        if (wait <= 0) {
          this.log.error(
            { lease: this.leaseRef(), renewDeadlineMs: this.renewDeadlineMs },
            'failed to renew leader lease within the renew deadline',
          );
          return 'lost';
        }
        await this.sleep(wait);
        if (this.halt.signal.aborted) return 'halted';
      }
    }
  }

  /** One tryAcquireOrRenew bounded by timeoutMs and by stop/release. */
  private async attempt(timeoutMs: number): Promise<boolean> {
    if (timeoutMs <= 0) return false;
    const call = this.abortAfter(timeoutMs, this.halt.signal);
    try {
      return await this.tryAcquireOrRenew(call.signal);
    } catch (err) {
      this.log.warn({ lease: this.leaseRef(), err: describe(err) }, 'leader lease attempt failed');
      return false;
    } finally {
      call.done();
    }
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = this.clock.now();
    const desired: ElectionRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };

    // 1. The leader renews optimistically against the Lease it last wrote.
    if (this.lease && this.observed && this.observedSelf() && this.leaseValid(now)) {
      desired.acquireTime = this.observed.acquireTime;
      desired.leaseTransitions = this.observed.leaseTransitions;
      try {
        const written = await this.replace(this.lease, desired, signal);
        if (signal.aborted) return false;
        this.setObserved(written);
        return true;
      } catch (err) {
        if (signal.aborted) return false;
        this.log.debug({ lease: this.leaseRef(), err: describe(err) }, 'optimistic renew failed; re-reading');
      }
    }

    // 2. Read the Lease, or create it when there is none.
    let current: V1Lease;
    try {
      current = await this.api.readNamespacedLease(
        { name: this.opts.name, namespace: this.opts.namespace },
        withSignal(signal),
      );
    } catch (err) {
      if (signal.aborted || !hasStatus(err, 404)) throw err;
      const created = await this.api.createNamespacedLease(
        {
          namespace: this.opts.namespace,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.opts.name, namespace: this.opts.namespace },
            spec: toSpec(desired),
          },
        },
        withSignal(signal),
      ); // a 409 here: another candidate created it first
      if (signal.aborted) return false;
      this.setObserved(created);
      return true;
    }
    if (signal.aborted) return false;

    // 3. Note when the record last changed, and back off while another holder's lease is valid.
    this.lease = current;
    const raw = rawRecord(current.spec);
    if (raw !== this.observedRaw) {
      this.observed = fromSpec(current.spec);
      this.observedRaw = raw;
      this.observedAt = this.nowMs();
      this.reportLeader();
    }
    const observed = this.observed!;
    if (observed.holderIdentity && this.leaseValid(now) && !this.observedSelf()) return false;

    // 4. Take it over (or renew it after a failed optimistic write).
    if (this.observedSelf()) {
      desired.acquireTime = observed.acquireTime;
      desired.leaseTransitions = observed.leaseTransitions;
    } else {
      desired.leaseTransitions = observed.leaseTransitions + 1;
    }
    const written = await this.replace(current, desired, signal); // a 409: someone else won
    if (signal.aborted) return false;
    this.setObserved(written);
    return true;
  }

  private async releaseLease(): Promise<boolean> {
    const call = this.abortAfter(this.renewDeadlineMs);
    try {
      const current = await this.api.readNamespacedLease(
        { name: this.opts.name, namespace: this.opts.namespace },
        withSignal(call.signal),
      );
      const record = fromSpec(current.spec);
      if (record.holderIdentity !== this.identity) {
        this.log.info({ lease: this.leaseRef(), holder: record.holderIdentity }, 'lease no longer ours');
        return true;
      }
      const now = this.clock.now();
      const written = await this.replace(
        current,
        {
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: record.leaseTransitions,
        },
        call.signal,
      );
      this.setObserved(written);
      this.log.info({ lease: this.leaseRef(), identity: this.identity }, 'released leader lease');
      return true;
    } catch (err) {
      this.log.error({ lease: this.leaseRef(), err: describe(err) }, 'failed to release leader lease');
      return false;
    } finally {
      call.done();
    }
  }

  /** Writes record onto base with base's resourceVersion as the precondition. */
  private replace(base: V1Lease, record: ElectionRecord, signal: AbortSignal): Promise<V1Lease> {
    return this.api.replaceNamespacedLease(
      {
        name: this.opts.name,
        namespace: this.opts.namespace,
        body: {
          ...base,
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          spec: { ...base.spec, ...toSpec(record) },
        },
      },
      withSignal(signal),
    );
  }

  private setObserved(lease: V1Lease): void {
    this.lease = lease;
    this.observed = fromSpec(lease.spec);
    this.observedRaw = rawRecord(lease.spec);
    this.observedAt = this.nowMs();
    this.reportLeader();
  }

  private reportLeader(): void {
    const holder = this.observed?.holderIdentity ?? '';
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    if (!holder) return;
    this.log.info({ lease: this.leaseRef(), holder }, 'new leader observed');
    try {
      this.opts.onNewLeader?.(holder);
    } catch (err) {
      this.log.error({ err: describe(err) }, 'onNewLeader failed');
    }
  }

  private observedSelf(): boolean {
    return this.observed?.holderIdentity === this.identity;
  }

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
    this.log.info({ lease: this.leaseRef(), identity: this.identity }, 'stopped leading');
    try {
      this.opts.onStoppedLeading();
    } catch (err) {
      this.log.error({ err: describe(err) }, 'onStoppedLeading failed');
    }
  }

  /** Resolves after ms of clock time, or at once when halted. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.halt.signal.aborted) return resolve();
      const onAbort = () => {
        timer.cancel();
        resolve();
      };
      const timer = this.clock.setTimer(() => {
        this.halt.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.halt.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A signal that aborts after ms of clock time or when parent aborts; call done() after. */
  private abortAfter(ms: number, parent?: AbortSignal): { signal: AbortSignal; done(): void } {
    const controller = new AbortController();
    const timer = this.clock.setTimer(() => controller.abort(new Error(`timed out after ${ms} ms`)), ms);
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

  private nowMs(): number {
    return this.clock.now().getTime();
  }

  private leaseRef(): string {
    return `${this.opts.namespace}/${this.opts.name}`;
  }
}

/** Request options that attach signal to the HTTP request. */
function withSignal(signal: AbortSignal): ConfigurationOptions<ObservableMiddleware> {
  return {
    middleware: [
      {
        pre: (request) => {
          request.setSignal(signal);
          return new Observable(Promise.resolve(request));
        },
        post: (response) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

function toSpec(r: ElectionRecord): V1LeaseSpec {
  // V1MicroTime serializes with microseconds ("...T10:00:00.123000Z"), as MicroTime requires.
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: r.acquireTime && new V1MicroTime(r.acquireTime.getTime()),
    renewTime: r.renewTime && new V1MicroTime(r.renewTime.getTime()),
    leaseTransitions: r.leaseTransitions,
  };
}

function fromSpec(spec: V1LeaseSpec | undefined): ElectionRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? '',
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: toDate(spec?.acquireTime),
    renewTime: toDate(spec?.renewTime),
    leaseTransitions: spec?.leaseTransitions ?? 0,
  };
}

/**
 * client-node declares MicroTime fields as V1MicroTime but, having no deserializer for them,
 * hands back the server's string ("2026-01-01T10:00:00.123456Z"); accept either.
 */
function toDate(v: unknown): Date | undefined {
  if (v instanceof Date) return v;
  if (typeof v === 'string' && v) {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

/** The record as the server stored it, to notice any change (a renewal changes renewTime). */
function rawRecord(spec: V1LeaseSpec | undefined): string {
  return JSON.stringify([
    spec?.holderIdentity ?? '',
    spec?.leaseDurationSeconds ?? 0,
    spec?.acquireTime ?? null,
    spec?.renewTime ?? null,
    spec?.leaseTransitions ?? 0,
  ]);
}

function hasStatus(err: unknown, code: number): boolean {
  return err instanceof ApiException && err.code === code;
}

function describe(err: unknown): string {
  if (err instanceof ApiException) {
    let body: unknown = err.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        // not a Status object: keep the text
      }
    }
    const message =
      typeof body === 'object' && body !== null && 'message' in body
        ? String(body.message)
        : String(body ?? '');
    return `HTTP ${err.code}${message ? `: ${message}` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}
