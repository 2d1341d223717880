// LeaderElector on a FakeClock and an in-memory lock: the store plays the apiserver (a write
// names the resourceVersion it read; a stale one is a conflict), each replica reaches it through
// its own client, which a test can make fail or hang (a replica cut off from the apiserver).
// Defaults throughout: lease 15 s, renew deadline 10 s, retry 2 s.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../kube/clock.ts';
import {
  type LeaderElectionOptions,
  LeaderElector,
  type LeaderLock,
  LockConflictError,
  type LockRecord,
  type StoredRecord,
} from './leader-election.ts';

const LEASE_MS = 15_000;
const RENEW_DEADLINE_MS = 10_000;
const RETRY_MS = 2_000;
const T0 = new Date('2026-03-01T10:00:00.000Z').getTime();

/** The apiserver's side: one record, versioned; every write is kept with the clock time. */
class MemoryStore {
  record: StoredRecord | undefined;
  readonly writes: { at: number; record: StoredRecord }[] = [];
  private version = 0;
  constructor(private readonly clock: FakeClock) {}

  client(): MemoryLock {
    return new MemoryLock(this);
  }

  /** A write from outside the candidates (another holder, an admin), with no precondition. */
  put(fields: Partial<LockRecord>): StoredRecord {
    const now = this.clock.now();
    return this.store({
      holderIdentity: '',
      leaseDurationSeconds: 15,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
      ...fields,
    });
  }

  store(record: LockRecord): StoredRecord {
    this.record = { ...record, resourceVersion: String(++this.version) };
    this.writes.push({ at: this.clock.now().getTime(), record: this.record });
    return { ...this.record };
  }

  /** Clock time of the last write, relative to T0. */
  lastWriteAt(): number {
    return this.writes.at(-1)!.at - T0;
  }
}

/**
 * One replica's connection to the store. mode: 'ok'; 'reject' (every call fails at once);
 * 'hang' (calls settle only when their signal aborts, as a cut-off HTTP call does); 'wedge'
 * (calls never settle, ignoring the signal: a broken client).
 */
class MemoryLock implements LeaderLock {
  mode: 'ok' | 'reject' | 'hang' | 'wedge' = 'ok';
  constructor(private readonly store: MemoryStore) {}

  async get(signal: AbortSignal): Promise<StoredRecord | undefined> {
    await this.gate(signal);
    return this.store.record && { ...this.store.record };
  }
  async create(record: LockRecord, signal: AbortSignal): Promise<StoredRecord> {
    await this.gate(signal);
    if (this.store.record) throw new LockConflictError('exists already');
    return this.store.store(record);
  }
  async update(record: LockRecord, resourceVersion: string, signal: AbortSignal): Promise<StoredRecord> {
    await this.gate(signal);
    if (this.store.record?.resourceVersion !== resourceVersion) {
      throw new LockConflictError(`changed since ${resourceVersion}`);
    }
    return this.store.store(record);
  }
  describe(): string {
    return 'memory lock';
  }

  private gate(signal: AbortSignal): Promise<void> {
    switch (this.mode) {
      case 'ok':
        return Promise.resolve();
      case 'reject':
        return Promise.reject(new Error('connection refused'));
      case 'hang':
        return new Promise((_, reject) => {
          if (signal.aborted) reject(signal.reason);
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      case 'wedge':
        return new Promise(() => {});
    }
  }
}

interface Candidate {
  identity: string;
  elector: LeaderElector;
  lock: MemoryLock;
  /** 'started' and 'stopped', in order. */
  events: string[];
  /** Clock times (relative to T0) of onStartedLeading and onStoppedLeading. */
  startedAt: number[];
  stoppedAt: number[];
  signals: AbortSignal[];
  leaders: string[];
}

let clock = new FakeClock(new Date(T0));
let store = new MemoryStore(clock);
const candidates: Candidate[] = [];

afterEach(async () => {
  for (const c of candidates.splice(0)) void c.elector.stop();
  await flush();
  vi.restoreAllMocks();
  clock = new FakeClock(new Date(T0));
  store = new MemoryStore(clock);
});

/** Lets promise chains and I/O callbacks settle (the clock does not move). */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

/** Moves the clock forward in 100 ms steps, letting the elector react after each. */
async function advance(ms: number): Promise<void> {
  const end = clock.now().getTime() + ms;
  while (clock.now().getTime() < end) {
    clock.advance(Math.min(100, end - clock.now().getTime()));
    await flush();
  }
}

/** Advances to T0 + ms. */
async function advanceTo(ms: number): Promise<void> {
  await advance(T0 + ms - clock.now().getTime());
}

const elapsed = () => clock.now().getTime() - T0;

/** No jitter: acquisition polls exactly every retry period. */
const noJitter = () => vi.spyOn(Math, 'random').mockReturnValue(0);

function candidate(identity: string, extra: Partial<LeaderElectionOptions> = {}): Candidate {
  const lock = store.client();
  const c: Candidate = {
    identity,
    lock,
    events: [],
    startedAt: [],
    stoppedAt: [],
    signals: [],
    leaders: [],
    elector: undefined as unknown as LeaderElector,
  };
  c.elector = new LeaderElector({
    lock,
    identity,
    clock,
    onStartedLeading: (signal) => {
      c.events.push('started');
      c.startedAt.push(elapsed());
      c.signals.push(signal);
    },
    onStoppedLeading: () => {
      c.events.push('stopped');
      c.stoppedAt.push(elapsed());
    },
    onNewLeader: (id) => c.leaders.push(id),
    ...extra,
  });
  candidates.push(c);
  return c;
}

async function run(c: Candidate): Promise<void> {
  void c.elector.run();
  await flush();
}

describe('LeaderElector options', () => {
  it.each([
    { opts: { identity: '' }, says: 'identity must not be empty' },
    { opts: { leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }, says: 'leaseDurationMs must be greater' },
    {
      opts: { renewDeadlineMs: 2_400, retryPeriodMs: 2_000 },
      says: 'renewDeadlineMs must be greater than 1.2',
    },
    { opts: { retryPeriodMs: 0 }, says: 'retryPeriodMs must be positive' },
  ])('rejects $opts', ({ opts, says }) => {
    expect(() => candidate('a', opts)).toThrow(says);
  });
});

describe('LeaderElector', () => {
  it('acquires a lock nobody holds at its first attempt and records itself as holder', async () => {
    const a = candidate('a');
    await run(a);

    expect(a.elector.isLeader()).toBe(true);
    expect(a.events).toEqual(['started']);
    expect(a.signals[0]?.aborted).toBe(false);
    expect(a.elector.getLeader()).toBe('a');
    expect(a.leaders).toEqual(['a']);
    expect(store.record).toEqual({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: new Date(T0),
      renewTime: new Date(T0),
      leaseTransitions: 0,
      resourceVersion: '1',
    });
  });

  it('renews every retry period; the leader keeps leading and a second candidate keeps following', async () => {
    const a = candidate('a');
    await run(a);
    const b = candidate('b');
    await run(b);

    await advance(60_000);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.events).toEqual(['started']);
    expect(a.elector.check(0)).toBe(true);
    expect(b.elector.isLeader()).toBe(false);
    expect(b.events).toEqual([]);
    expect(b.elector.getLeader()).toBe('a');
    expect(b.leaders).toEqual(['a']);
    expect(store.record).toMatchObject({
      holderIdentity: 'a',
      acquireTime: new Date(T0),
      renewTime: new Date(T0 + 60_000),
      leaseTransitions: 0,
    });
    // The create at 0 s, then one renewal every 2 s; the follower never wrote.
    expect(store.writes.map((w) => w.at - T0)).toEqual(Array.from({ length: 31 }, (_, i) => i * RETRY_MS));
  });

  it('two candidates starting together: exactly one creates the lock and leads', async () => {
    const a = candidate('a');
    const b = candidate('b');
    void a.elector.run();
    void b.elector.run();
    await flush();
    await advance(30_000);

    const leaders = [a, b].filter((c) => c.elector.isLeader());
    expect(leaders).toHaveLength(1);
    expect(store.record).toMatchObject({ holderIdentity: leaders[0]!.identity, leaseTransitions: 0 });
    expect([...a.events, ...b.events]).toEqual(['started']);
  });

  describe('a follower takes over only after leaseDuration has passed since it last saw the record change', () => {
    // The holder writes its renewTime from its own clock, which may be set anywhere: the follower
    // ignores it and judges expiry from when it saw the record change, on its own clock.
    it.each([
      { holderClock: 'in step', skewMs: 0 },
      { holderClock: 'a day behind', skewMs: -86_400_000 },
      { holderClock: 'a day ahead', skewMs: 86_400_000 },
    ])('holder clock $holderClock', async ({ skewMs }) => {
      noJitter();
      const holderNow = () => new Date(clock.now().getTime() + skewMs);
      store.put({ holderIdentity: 'other', acquireTime: holderNow(), renewTime: holderNow() });
      const b = candidate('b');
      await run(b); // polls at 0, 2, 4, ... s

      await advanceTo(9_000);
      store.put({ holderIdentity: 'other', acquireTime: holderNow(), renewTime: holderNow() });
      // b sees the renewal at its poll at 10 s; the lease runs until 25 s on b's clock.
      await advanceTo(25_000 - 100);
      expect(b.elector.isLeader()).toBe(false);
      expect(b.elector.getLeader()).toBe('other');
      expect(b.elector.check()).toBe(true);
      expect(store.record?.holderIdentity).toBe('other');

      await advanceTo(25_000 + RETRY_MS);
      expect(b.elector.isLeader()).toBe(true);
      expect(b.startedAt[0]).toBeGreaterThanOrEqual(10_000 + LEASE_MS);
      expect(store.record).toMatchObject({
        holderIdentity: 'b',
        leaseTransitions: 1,
        acquireTime: new Date(T0 + b.startedAt[0]!),
      });
      expect(b.leaders).toEqual(['other', 'b']);
    });

    it("waits for the holder's lease duration from the record, not its own", async () => {
      noJitter();
      store.put({ holderIdentity: 'other', leaseDurationSeconds: 40 });
      const b = candidate('b');
      await run(b);

      await advanceTo(40_000 - 100);
      expect(b.elector.isLeader()).toBe(false);
      await advanceTo(40_000 + RETRY_MS);
      expect(b.elector.isLeader()).toBe(true);
      expect(store.record).toMatchObject({ holderIdentity: 'b', leaseDurationSeconds: 15 });
    });

    it('after the leader crashes (stop leaves the lock as it is)', async () => {
      noJitter();
      const a = candidate('a');
      await run(a); // renews at 2, 4, ... s
      await advanceTo(1_000);
      const b = candidate('b');
      await run(b); // polls at 1, 3, 5, ... s

      await advanceTo(5_500);
      await a.elector.stop();
      expect(a.events).toEqual(['started', 'stopped']);
      expect(a.signals[0]?.aborted).toBe(true);
      expect(store.lastWriteAt()).toBe(4_000);
      expect(store.record?.holderIdentity).toBe('a');

      // b saw the 4 s renewal at its 5 s poll: not before 20 s.
      await advanceTo(20_000 - 100);
      expect(b.elector.isLeader()).toBe(false);
      await advanceTo(20_000 + RETRY_MS);
      expect(b.elector.isLeader()).toBe(true);
      expect(b.startedAt[0]).toBeGreaterThanOrEqual(5_000 + LEASE_MS);
      expect(store.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    });
  });

  it.each([
    { failure: 'every call fails at once', mode: 'reject' as const },
    { failure: 'every call hangs until its timeout', mode: 'hang' as const },
  ])(
    'a leader whose renewals fail ($failure) stops leading after the renew deadline, before a follower may take over',
    async ({ mode }) => {
      noJitter();
      const a = candidate('a');
      await run(a);
      const b = candidate('b');
      await run(b);
      await advanceTo(2_500);
      expect(store.lastWriteAt()).toBe(2_000);
      a.lock.mode = mode;

      // The renewals from 4 s on have until 12 s: the renew deadline after the last success.
      const deadline = 2_000 + RENEW_DEADLINE_MS;
      await advanceTo(deadline - 100);
      expect(a.elector.isLeader()).toBe(true);
      await advanceTo(deadline);
      expect(a.elector.isLeader()).toBe(false);
      expect(a.events).toEqual(['started', 'stopped']);
      expect(a.stoppedAt).toEqual([deadline]);
      expect(a.signals[0]?.aborted).toBe(true);
      expect(a.elector.check(0)).toBe(true);

      // b saw the 2 s renewal at its 2 s poll: it takes over at its first poll from 17 s.
      await advanceTo(2_000 + LEASE_MS + RETRY_MS);
      expect(b.elector.isLeader()).toBe(true);
      // a stopped before its lease (last renewed at 2 s) could have expired for anyone else.
      expect(a.stoppedAt[0]).toBeLessThan(2_000 + LEASE_MS);
      expect(b.startedAt[0]).toBeGreaterThanOrEqual(2_000 + LEASE_MS);
      expect(a.events).toEqual(['started', 'stopped']); // once, and it does not campaign again
      await expect(a.elector.run()).resolves.toBeUndefined();
    },
  );

  it('a leader that finds another holder on the lock (its write conflicts) stops leading at once', async () => {
    const a = candidate('a');
    await run(a);
    await advanceTo(3_000);
    store.put({ holderIdentity: 'intruder', leaseDurationSeconds: 60 });

    await advanceTo(4_000); // a's next renewal
    expect(a.elector.isLeader()).toBe(false);
    expect(a.events).toEqual(['started', 'stopped']);
    expect(a.signals[0]?.aborted).toBe(true);
    expect(a.elector.getLeader()).toBe('intruder');
    expect(a.leaders).toEqual(['a', 'intruder']);
    expect(store.record?.holderIdentity).toBe('intruder');
    expect(a.elector.check(0)).toBe(true);

    // Releasing after the loss leaves the other holder's record alone.
    expect(await a.elector.release()).toBe(true);
    await advance(30_000);
    expect(a.events).toEqual(['started', 'stopped']);
    expect(store.record?.holderIdentity).toBe('intruder');
  });

  it('release waits for the leader work, clears the holder, and a standby takes over at its next attempt', async () => {
    noJitter();
    let finishWork: () => void = () => {};
    const a = candidate('a', {
      onStartedLeading: (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            finishWork = resolve;
          });
        }),
    });
    await run(a);
    await advanceTo(1_000);
    const b = candidate('b');
    await run(b); // polls at 1, 3, 5, ... s
    await advanceTo(4_500);

    const released = a.elector.release();
    await flush();
    // The guarded work has not stopped yet: the lock still names a.
    expect(store.record?.holderIdentity).toBe('a');
    finishWork();
    expect(await released).toBe(true);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.events).toEqual(['stopped']);
    expect(store.record).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 0 });

    await advanceTo(5_000); // b's next attempt, 10 s before a's lease could have expired
    expect(b.elector.isLeader()).toBe(true);
    expect(b.startedAt).toEqual([5_000]);
    expect(store.record).toMatchObject({
      holderIdentity: 'b',
      leaseTransitions: 1,
      leaseDurationSeconds: 15,
    });
  });

  it('release after stop() still clears a lock that names this replica', async () => {
    const a = candidate('a');
    await run(a);
    await a.elector.stop(); // as a crash: the lock still names a
    expect(store.record?.holderIdentity).toBe('a');
    expect(await a.elector.release()).toBe(true);
    expect(store.record).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
  });

  it('release resolves false when the lock cannot be written', async () => {
    const a = candidate('a');
    await run(a);
    a.lock.mode = 'reject';
    expect(await a.elector.release()).toBe(false);
    expect(a.events).toEqual(['started', 'stopped']);
    expect(store.record?.holderIdentity).toBe('a');
  });

  it('check() is unhealthy once a wedged leader has not renewed for leaseDuration + tolerance; followers are healthy', async () => {
    const a = candidate('a');
    await run(a);
    const b = candidate('b');
    await run(b);
    await advanceTo(2_500); // last renewal at 2 s
    a.lock.mode = 'wedge'; // the renewal at 4 s never settles, whatever its timeout says

    await advanceTo(2_000 + LEASE_MS + 5_000);
    expect(a.elector.isLeader()).toBe(true); // it cannot know
    expect(a.elector.check(5_000)).toBe(true);
    expect(b.elector.check(5_000)).toBe(true);

    await advance(100);
    expect(a.elector.check(5_000)).toBe('leader lease not renewed for 20s (lease duration 15s)');
    expect(b.elector.check(5_000)).toBe(true);
    // With the default tolerance (20 s) it turns unhealthy 15 s later.
    expect(a.elector.check()).toBe(true);
    await advanceTo(2_000 + LEASE_MS + 20_000 + 100);
    expect(a.elector.check()).toMatch(/^leader lease not renewed for 35s/);
  });
});
