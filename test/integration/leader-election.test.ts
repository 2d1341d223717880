// Leader election against the real control plane: the Lease decides who leads, with short
// durations (lease 2 s, renew deadline 1.5 s, retry 0.3 s) and the real clock. The timing
// edges are the unit tests' (src/operator/leader-election.test.ts, on a fake clock); here only
// safety is timed (nobody takes over before the lease expires), never how fast things happen,
// which depends on how busy the machine is.
import type { KubeConfig, V1Lease } from '@kubernetes/client-node';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { makeClients } from '../../src/kube/clients.ts';
import { RealClock } from '../../src/kube/clock.ts';
import { type LeaderElectionOptions, LeaderElector, LeaseLock } from '../../src/operator/leader-election.ts';
import { eventually, kubeConfig, kubectl, newNamespace } from '../support/cluster.ts';
import { tcpProxy, viaServer } from '../support/tcp-proxy.ts';

const LEASE_MS = 2000;
const RENEW_DEADLINE_MS = 1500;
const RETRY_MS = 300;
/** Acquisition waits retry * (1 + up to 1.2 jitter) between attempts, like client-go. */
const MAX_ACQUIRE_WAIT_MS = RETRY_MS * 2.2;
/** A lease no test waits out: a takeover before it ends can only come from a release. */
const LONG_LEASE_MS = 60_000;

interface Candidate {
  elector: LeaderElector;
  identity: string;
  log: string[];
  leaders: string[];
  signals: AbortSignal[];
}

const timeline: { t: number; what: string }[] = [];
const stops: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
  timeline.length = 0;
});

type CandidateOptions = Partial<LeaderElectionOptions> & { leaseName?: string; kubeConfig?: KubeConfig };

function candidate(namespace: string, identity: string, extra: CandidateOptions = {}): Candidate {
  const { leaseName = 'chatbot-operator', kubeConfig: kc = kubeConfig(), ...overrides } = extra;
  const log: string[] = [];
  const leaders: string[] = [];
  const signals: AbortSignal[] = [];
  const elector = new LeaderElector({
    // The operator's own wiring: the Lease through the process's shared clients.
    lock: new LeaseLock(makeClients(kc).coordination, namespace, leaseName),
    identity,
    leaseDurationMs: LEASE_MS,
    renewDeadlineMs: RENEW_DEADLINE_MS,
    retryPeriodMs: RETRY_MS,
    clock: new RealClock(),
    logger: pino({ level: process.env.LE_DEBUG ? 'debug' : 'silent' }), // LE_DEBUG=1 to see decisions
    onStartedLeading: (signal) => {
      log.push('started');
      signals.push(signal);
      timeline.push({ t: performance.now(), what: `${identity} started` });
    },
    onStoppedLeading: () => {
      log.push('stopped');
      timeline.push({ t: performance.now(), what: `${identity} stopped` });
    },
    onNewLeader: (id) => leaders.push(id),
    ...overrides,
  });
  stops.push(() => elector.stop());
  return { elector, identity, log, leaders, signals };
}

async function readLease(namespace: string, name = 'chatbot-operator'): Promise<V1Lease> {
  return makeClients(kubeConfig(), 'test').coordination.readNamespacedLease({ name, namespace });
}

/** The Lease as the apiserver stores it (raw JSON, so MicroTime strings are untouched). */
async function rawLease(namespace: string, name = 'chatbot-operator') {
  return JSON.parse(await kubectl(['get', 'lease', name, '-n', namespace, '-o', 'json'])) as {
    metadata: { resourceVersion: string };
    spec: {
      holderIdentity?: string;
      leaseDurationSeconds?: number;
      leaseTransitions?: number;
      acquireTime?: string;
      renewTime?: string;
    };
  };
}

async function becomesLeader(c: Candidate, timeoutMs = 20_000): Promise<number> {
  const t0 = performance.now();
  await eventually(() => (c.elector.isLeader() ? true : undefined), {
    timeoutMs,
    intervalMs: 20,
    what: `${c.identity} to lead`,
  });
  return performance.now() - t0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('leader election on a Lease', () => {
  it('acquires a missing Lease, records it with MicroTime stamps, and keeps renewing it', async () => {
    const ns = await newNamespace('le');
    const a = candidate(ns, 'replica-a');
    void a.elector.run();
    await becomesLeader(a);
    expect(a.log).toEqual(['started']);
    expect(a.leaders).toEqual(['replica-a']);
    expect(a.signals[0]?.aborted).toBe(false);

    const first = await rawLease(ns);
    expect(first.spec).toMatchObject({
      holderIdentity: 'replica-a',
      leaseDurationSeconds: 2,
      leaseTransitions: 0,
    });
    expect(first.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(first.spec.acquireTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

    const later = await eventually(
      async () => {
        const l = await rawLease(ns);
        return Date.parse(l.spec.renewTime!) > Date.parse(first.spec.renewTime!) ? l : undefined;
      },
      { what: 'a renewal' },
    );
    expect(Date.parse(later.spec.renewTime!)).toBeGreaterThan(Date.parse(first.spec.renewTime!));
    expect(later.spec.acquireTime).toBe(first.spec.acquireTime);
    expect(later.spec.leaseTransitions).toBe(0);
    expect(a.elector.isLeader()).toBe(true);
  });

  it('a second candidate follows while the leader renews, and takes over after a crash once the lease expires', async () => {
    const ns = await newNamespace('le');
    const a = candidate(ns, 'replica-a');
    void a.elector.run();
    await becomesLeader(a);
    const b = candidate(ns, 'replica-b');
    void b.elector.run();

    // Well past a lease duration: b keeps seeing a's renewals and stays a follower.
    await sleep(LEASE_MS + 1000);
    expect(b.elector.isLeader()).toBe(false);
    expect(b.log).toEqual([]);
    expect(b.leaders).toEqual(['replica-a']);
    expect(b.elector.getLeader()).toBe('replica-a');
    expect(a.elector.isLeader()).toBe(true);

    // Crash: a stops renewing and leaves the Lease as it is.
    await a.elector.stop();
    expect(a.log).toEqual(['started', 'stopped']);
    expect(a.signals[0]?.aborted).toBe(true);
    const left = await rawLease(ns);
    expect(left.spec.holderIdentity).toBe('replica-a');
    const took = await becomesLeader(b);
    // b waits for the lease to expire on its own clock: from its last observed renewal
    // (at most one renewal period plus one jittered poll before the crash) plus a lease duration.
    expect(took).toBeGreaterThan(LEASE_MS - RETRY_MS - MAX_ACQUIRE_WAIT_MS);

    const lease = await rawLease(ns);
    // Exactly: b decided (its acquireTime) no sooner than a lease duration after a's last renewal.
    expect(Date.parse(lease.spec.acquireTime!)).toBeGreaterThanOrEqual(
      Date.parse(left.spec.renewTime!) + LEASE_MS,
    );
    expect(lease.spec).toMatchObject({
      holderIdentity: 'replica-b',
      leaseTransitions: 1,
      leaseDurationSeconds: 2,
    });
    expect(b.leaders).toEqual(['replica-a', 'replica-b']);
  });

  it('a graceful release waits for the leader work, clears the holder, and a standby takes over at once', async () => {
    const ns = await newNamespace('le');
    let workStopped = false;
    const a = candidate(ns, 'replica-a', {
      // A lease b cannot wait out within the test: b leading means a released it.
      leaseDurationMs: LONG_LEASE_MS,
      // The guarded work: stops 200 ms after the signal aborts.
      onStartedLeading: (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () =>
            setTimeout(() => {
              workStopped = true;
              resolve();
            }, 200),
          );
        }),
    });
    void a.elector.run();
    await becomesLeader(a);
    const b = candidate(ns, 'replica-b');
    void b.elector.run();
    await sleep(3 * RETRY_MS);
    expect(b.elector.isLeader()).toBe(false);
    const held = await rawLease(ns);
    expect(held.spec).toMatchObject({
      holderIdentity: 'replica-a',
      leaseDurationSeconds: LONG_LEASE_MS / 1000,
    });

    const released = await a.elector.release();
    expect(released).toBe(true);
    expect(workStopped).toBe(true);
    expect(a.elector.isLeader()).toBe(false);
    const cleared = await readLease(ns);
    // Either still released or already taken by b; never still a.
    expect(cleared.spec?.holderIdentity).not.toBe('replica-a');

    await becomesLeader(b);
    const lease = await rawLease(ns);
    // b took over while a's 60 s lease still ran: from the release, not from expiry.
    expect(Date.parse(lease.spec.acquireTime!)).toBeLessThan(
      Date.parse(held.spec.renewTime!) + LONG_LEASE_MS,
    );
    expect(lease.spec).toMatchObject({
      holderIdentity: 'replica-b',
      leaseTransitions: 1,
      leaseDurationSeconds: 2,
    });
  });

  it('records every transition between holders in leaseTransitions', async () => {
    const ns = await newNamespace('le');
    const a = candidate(ns, 'replica-a');
    void a.elector.run();
    await becomesLeader(a);
    expect((await rawLease(ns)).spec.leaseTransitions).toBe(0);

    const b = candidate(ns, 'replica-b');
    void b.elector.run();
    await a.elector.release();
    await becomesLeader(b);
    expect((await rawLease(ns)).spec).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });

    const a2 = candidate(ns, 'replica-a');
    void a2.elector.run();
    await b.elector.release();
    await becomesLeader(a2);
    expect((await rawLease(ns)).spec).toMatchObject({ holderIdentity: 'replica-a', leaseTransitions: 2 });
  });

  it('a leader that sees another holder on the Lease (its write got a 409) stops leading', async () => {
    const ns = await newNamespace('le');
    const a = candidate(ns, 'replica-a');
    void a.elector.run();
    await becomesLeader(a);

    // Someone else writes the Lease behind a's back (a fresh record a must respect).
    const api = makeClients(kubeConfig(), 'test').coordination;
    const current = await api.readNamespacedLease({ name: 'chatbot-operator', namespace: ns });
    await api.replaceNamespacedLease({
      name: 'chatbot-operator',
      namespace: ns,
      body: { ...current, spec: { ...current.spec, holderIdentity: 'intruder', leaseDurationSeconds: 60 } },
    });

    await eventually(() => (a.elector.isLeader() ? undefined : true), {
      intervalMs: 20,
      what: 'replica-a to stop leading',
    });
    expect(a.log).toEqual(['started', 'stopped']);
    expect(a.signals[0]?.aborted).toBe(true);
    expect(a.leaders).toEqual(['replica-a', 'intruder']);
    expect((await rawLease(ns)).spec.holderIdentity).toBe('intruder');
  });

  it('a leader cut off from the apiserver stops leading after the renew deadline, before anyone else starts', async () => {
    const ns = await newNamespace('le');
    const proxy = await tcpProxy(kubeConfig().getCurrentCluster()!.server);
    stops.push(() => proxy.close());
    const a = candidate(ns, 'replica-a', { kubeConfig: viaServer(kubeConfig(), proxy.url) });
    void a.elector.run();
    await becomesLeader(a);
    const b = candidate(ns, 'replica-b');
    void b.elector.run();
    await sleep(3 * RETRY_MS);

    proxy.cut();
    // a can write no more: this is its last renewal (or one in flight lands later, which only
    // moves the earliest takeover later).
    const left = await rawLease(ns);
    expect(left.spec.holderIdentity).toBe('replica-a');
    await eventually(() => (a.elector.isLeader() ? undefined : true), {
      intervalMs: 20,
      what: 'replica-a to give up',
    });
    expect(a.signals[0]?.aborted).toBe(true);

    await becomesLeader(b);
    const aStopped = timeline.find((e) => e.what === 'replica-a stopped')!.t;
    const bStarted = timeline.find((e) => e.what === 'replica-b started')!.t;
    expect(bStarted).toBeGreaterThan(aStopped); // never two leaders at once
    const lease = await rawLease(ns);
    expect(lease.spec).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });
    expect(Date.parse(lease.spec.acquireTime!)).toBeGreaterThanOrEqual(
      Date.parse(left.spec.renewTime!) + LEASE_MS,
    );
  });

  it('two candidates starting at the same moment: exactly one leads (10 rounds)', async () => {
    const ns = await newNamespace('le');
    for (let round = 0; round < 10; round++) {
      const leaseName = `race-${round}`;
      const leading = new Set<string>();
      let maxLeading = 0;
      const track = (identity: string): CandidateOptions => ({
        leaseName,
        onStartedLeading: () => {
          leading.add(identity);
          maxLeading = Math.max(maxLeading, leading.size);
        },
        onStoppedLeading: () => {
          leading.delete(identity);
        },
      });
      const a = candidate(ns, 'replica-a', track('replica-a'));
      const b = candidate(ns, 'replica-b', track('replica-b'));
      void a.elector.run();
      void b.elector.run();
      await eventually(() => (leading.size > 0 ? true : undefined), {
        timeoutMs: 10_000,
        intervalMs: 10,
        what: `a leader in round ${round}`,
      });
      await sleep(3 * RETRY_MS); // several renewals and polls later
      const leaders = [a, b].filter((c) => c.elector.isLeader()).map((c) => c.identity);
      expect(leaders, `round ${round}`).toHaveLength(1);
      expect(maxLeading, `round ${round}`).toBe(1);
      const lease = await rawLease(ns, leaseName);
      expect(lease.spec.holderIdentity).toBe(leaders[0]);
      expect(lease.spec.leaseTransitions).toBe(0); // created once; the loser never wrote
      await Promise.all([a.elector.release(), b.elector.release()]);
    }
  });
});
