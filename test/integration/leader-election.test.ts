// Leader election against the real control plane: the Lease decides who leads, with short
// durations (lease 2 s, renew deadline 1.5 s, retry 0.3 s) and the real clock.
import { CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/kube/clock.ts';
import { type LeaderElectionOptions, LeaderElector } from '../../src/operator/leader-election.ts';
import { eventually, kubeConfig, kubectl, newNamespace } from '../support/cluster.ts';
import { tcpProxy, viaServer } from '../support/tcp-proxy.ts';

const LEASE_MS = 2000;
const RENEW_DEADLINE_MS = 1500;
const RETRY_MS = 300;
/** Acquisition waits retry * (1 + up to 1.2 jitter) between attempts, like client-go. */
const MAX_ACQUIRE_WAIT_MS = RETRY_MS * 2.2;

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

type CandidateOptions = Partial<LeaderElectionOptions> & { leaseName?: string };

function candidate(namespace: string, identity: string, extra: CandidateOptions = {}): Candidate {
  const { leaseName = 'chatbot-operator', ...overrides } = extra;
  const log: string[] = [];
  const leaders: string[] = [];
  const signals: AbortSignal[] = [];
  const elector = new LeaderElector({
    kubeConfig: kubeConfig(),
    namespace,
    name: leaseName,
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
  return kubeConfig().makeApiClient(CoordinationV1Api).readNamespacedLease({ name, namespace });
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

async function becomesLeader(c: Candidate, timeoutMs = 10_000): Promise<number> {
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

    await sleep(4 * RETRY_MS);
    const later = await rawLease(ns);
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
    expect((await rawLease(ns)).spec.holderIdentity).toBe('replica-a');
    const took = await becomesLeader(b);
    // b waits for the lease to expire on its own clock: from its last observed renewal
    // (at most one renewal period plus one jittered poll before the crash) plus a lease duration.
    expect(took).toBeGreaterThan(LEASE_MS - RETRY_MS - MAX_ACQUIRE_WAIT_MS);
    expect(took).toBeLessThan(LEASE_MS + 2 * MAX_ACQUIRE_WAIT_MS + 500);

    const lease = await rawLease(ns);
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

    const t0 = performance.now();
    const released = await a.elector.release();
    expect(released).toBe(true);
    expect(workStopped).toBe(true);
    expect(a.elector.isLeader()).toBe(false);
    const cleared = await readLease(ns);
    // Either still released or already taken by b; never still a.
    expect(cleared.spec?.holderIdentity).not.toBe('replica-a');

    await becomesLeader(b);
    const handover = performance.now() - t0;
    expect(handover).toBeLessThan(200 + MAX_ACQUIRE_WAIT_MS + 800); // far below the 2 s lease
    const lease = await rawLease(ns);
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
    const api = kubeConfig().makeApiClient(CoordinationV1Api);
    const current = await api.readNamespacedLease({ name: 'chatbot-operator', namespace: ns });
    await api.replaceNamespacedLease({
      name: 'chatbot-operator',
      namespace: ns,
      body: { ...current, spec: { ...current.spec, holderIdentity: 'intruder', leaseDurationSeconds: 60 } },
    });

    await eventually(() => (a.elector.isLeader() ? undefined : true), {
      timeoutMs: 5000,
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

    const cutAt = performance.now();
    proxy.cut();
    await eventually(() => (a.elector.isLeader() ? undefined : true), {
      timeoutMs: 5000,
      intervalMs: 20,
      what: 'replica-a to give up',
    });
    const gaveUp = performance.now() - cutAt;
    // The last renewal was at most one retry period before the cut.
    expect(gaveUp).toBeLessThan(RETRY_MS + RENEW_DEADLINE_MS + 500);
    expect(a.signals[0]?.aborted).toBe(true);

    await becomesLeader(b);
    const aStopped = timeline.find((e) => e.what === 'replica-a stopped')!.t;
    const bStarted = timeline.find((e) => e.what === 'replica-b started')!.t;
    expect(bStarted).toBeGreaterThan(aStopped); // never two leaders at once
    expect((await rawLease(ns)).spec).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });
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
