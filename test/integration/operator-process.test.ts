// The operator as users run it: `node src/operator/main.ts` processes against the real control
// plane. Two replicas elect one leader on the Lease chatbot-operator-leader; only the leader
// reconciles; a crashed leader is replaced once its lease expires; SIGTERM releases the lease at
// once; health, readiness and metrics on the port it logs; usage and bad flags. Who leads is
// read from the chatbot_operator_leader gauge and the Lease, never from log lines; only safety is
// timed (no takeover before the lease expires), never speed, which depends on the machine's load.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Lease } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { makeClients } from '../../src/kube/clients.ts';
import { apply, eventually, kubeConfig, kubeconfigPath, newNamespace } from '../support/cluster.ts';
import { botYaml, senderYaml } from '../support/manifests.ts';
import { waitForChatbot } from '../support/operator.ts';
import {
  httpGet,
  killAllOperators,
  metricSum,
  type OperatorProcess,
  runOperator,
  scrapeMetrics,
  spawnOperator,
} from '../support/process.ts';
import { type TcpProxy, tcpProxy, viaServer, writeKubeConfig } from '../support/tcp-proxy.ts';

const LEASE_S = 3;
const LEASE_MS = LEASE_S * 1000;
/** main.ts: retry period = max(200 ms, 2/15 of the lease); acquisition adds up to 1.2x jitter. */
const RETRY_MS = Math.max(200, Math.round((LEASE_MS * 2) / 15));
/** A lease no test waits out: a takeover before it ends can only come from a release. */
const LONG_LEASE_S = 60;
const LEADER_LEASE = 'chatbot-operator-leader';

const sender = senderYaml;
const bot = (name: string, senderName: string) => botYaml(name, { sender: senderName });

const isActive = (ns: string, name: string) =>
  waitForChatbot(ns, name, (cb) => cb.status?.state === 'Active', `${name} Active`);

const operatorArgs = (ns: string, identity: string, kubeconfig = kubeconfigPath(), leaseS = LEASE_S) => [
  '--kubeconfig',
  kubeconfig,
  '--namespaces',
  ns,
  '--pod-namespace',
  ns,
  '--lease-duration',
  String(leaseS),
  '--health-port',
  '0',
  '--identity',
  identity,
];

async function readLease(ns: string): Promise<V1Lease> {
  return makeClients(kubeConfig(), 'test').coordination.readNamespacedLease({
    name: LEADER_LEASE,
    namespace: ns,
  });
}

/** A MicroTime of the Lease in ms (client-node hands the server's string back). */
const msOf = (t: unknown) => new Date(t as string).getTime();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The metrics once a reconcile has been counted: a reconcile is counted when it returns, after its
 * status write and events, so a bot can show Active a moment before.
 */
async function counted(port: number) {
  return eventually(
    async () => {
      const m = await scrape(port);
      return m.reconciles > 0 ? m : undefined;
    },
    { what: 'a counted reconcile' },
  );
}

/** Leader gauge and reconcile count as scraped from one process's /metrics. */
async function scrape(port: number) {
  const text = await scrapeMetrics(port);
  return {
    leader: metricSum(text, 'chatbot_operator_leader'),
    reconciles: metricSum(text, 'chatbot_operator_reconcile_total') ?? 0,
  };
}

interface Replica {
  proc: OperatorProcess;
  identity: string;
  port: number;
}

/** Starts one replica and waits until it serves /readyz 200. */
async function replica(ns: string, identity: string, leaseS = LEASE_S): Promise<Replica> {
  const proc = spawnOperator(operatorArgs(ns, identity, kubeconfigPath(), leaseS), { name: identity });
  const r = { identity, proc, port: await proc.healthPort() };
  await eventually(async () => ((await httpGet(r.port, '/readyz')).status === 200 ? true : undefined), {
    what: `${identity} /readyz 200`,
  });
  return r;
}

/** Waits until r's chatbot_operator_leader gauge reads 1. */
function leads(r: Replica, timeoutMs?: number): Promise<true> {
  return eventually(async () => ((await scrape(r.port)).leader === 1 ? true : undefined), {
    what: `${r.identity} to lead (chatbot_operator_leader 1)`,
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

/** Starts op-a and op-b, waits until both serve /readyz 200 and one leads; returns [leader, standby]. */
async function twoReplicas(ns: string): Promise<[Replica, Replica]> {
  const started = await Promise.all(['op-a', 'op-b'].map((identity) => replica(ns, identity)));
  const leader = await eventually(
    async () => {
      const gauges = await Promise.all(started.map(async (r) => (await scrape(r.port)).leader));
      const leading = started.filter((_, i) => gauges[i] === 1);
      return leading.length === 1 ? leading[0] : undefined;
    },
    { what: 'a leader' },
  );
  expect((await readLease(ns)).spec?.holderIdentity).toBe(leader.identity);
  const standby = started.find((r) => r !== leader)!;
  return [leader, standby];
}

describe('operator process', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async (ctx) => {
    await killAllOperators({ dump: ctx.task.result?.state === 'fail' });
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('--help prints the usage and exits 0', async () => {
    const r = await runOperator(['--help']);
    expect(r).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(r.stdout).toMatch(/^chatbot-operator \[flags\]/);
    for (const flag of ['--kubeconfig', '--namespaces', '--pod-namespace', '--workers', '--lease-duration']) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toContain('--health-port');
    expect(r.stdout).toContain('--identity');
  });

  it.each([
    { args: ['--workers', 'abc'], says: '--workers must be a whole number >= 1, got "abc"' },
    { args: ['--lease-duration=-1'], says: '--lease-duration must be a whole number >= 1, got "-1"' },
    { args: ['--lease-duration', '0.1'], says: '--lease-duration must be a whole number >= 1, got "0.1"' },
    { args: ['--health-port', 'http'], says: '--health-port must be a whole number >= 0, got "http"' },
    { args: ['--leader-elect=no'], says: '--leader-elect must be true or false, got "no"' },
    { args: ['--bogus'], says: "Unknown option '--bogus'" },
    { args: ['--workers'], says: "Option '--workers <value>' argument missing" },
    {
      args: ['--kubeconfig', '/nonexistent/kubeconfig'],
      says: 'cannot load kubeconfig /nonexistent/kubeconfig',
    },
  ])('a bad flag ($args) exits 2 with one line that names it, no stack trace', async ({ args, says }) => {
    const r = await runOperator(['--kubeconfig', kubeconfigPath(), ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toContain(`chatbot-operator: ${says}`);
    expect(r.stderr).toContain('(see --help)');
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/^\s+at /m);
    // It stops before doing anything: no health server, no API calls, no logs.
    expect(r.stdout).toBe('');
  });

  it('serves /healthz at once, /readyz only once its caches synced, /metrics; leads alone; SIGTERM exits 0 and clears the Lease holder', async () => {
    const ns = await newNamespace('proc');
    // Start it cut off from the apiserver, so "not ready yet" lasts long enough to see.
    const proxy: TcpProxy = await tcpProxy(kubeConfig().getCurrentCluster()!.server);
    cleanups.push(() => proxy.close());
    const dir = mkdtempSync(join(tmpdir(), 'op-proc-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const kubeconfig = writeKubeConfig(viaServer(kubeConfig(), proxy.url), join(dir, 'kubeconfig'));
    proxy.cut();

    const op = spawnOperator(operatorArgs(ns, 'op-a', kubeconfig), { name: 'op-a' });
    const port = await op.healthPort();
    expect(await httpGet(port, '/healthz')).toEqual({ status: 200, body: 'ok' });
    await sleep(500);
    // Not ready, and the answer names the failing check (src/telemetry/health.ts).
    const notReady = await httpGet(port, '/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatch(/^\[-\]informers failed: /);
    expect((await scrape(port)).leader).toBe(0);

    proxy.restore();
    await eventually(async () => ((await httpGet(port, '/readyz')).status === 200 ? true : undefined), {
      what: '/readyz 200',
    });
    expect(await httpGet(port, '/readyz')).toEqual({ status: 200, body: 'ok' });
    await leads({ proc: op, identity: 'op-a', port });
    expect((await scrape(port)).leader).toBe(1);
    expect((await readLease(ns)).spec).toMatchObject({
      holderIdentity: 'op-a',
      leaseDurationSeconds: LEASE_S,
    });

    await apply(ns, `${sender('acme-whatsapp', '+385911234567')}---\n${bot('support', 'acme-whatsapp')}`);
    await isActive(ns, 'support');
    // The status is visible a moment before the reconcile that wrote it is counted.
    const metrics = await eventually(
      async () => {
        const m = await scrapeMetrics(port);
        return (metricSum(m, 'chatbot_operator_reconcile_total') ?? 0) > 0 ? m : undefined;
      },
      { what: 'a counted reconcile' },
    );
    expect(metrics).toMatch(/^chatbot_operator_chatbots\{state="Active"\} 1$/m);
    expect(metrics).toContain('# TYPE chatbot_operator_reconcile_duration_seconds histogram');

    op.kill('SIGTERM');
    const exit = await op.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(op.stderr()).toBe('');
    const released = await readLease(ns);
    expect(released.spec?.holderIdentity ?? '').toBe('');
    expect(released.spec?.leaseDurationSeconds).toBe(1);
    // The port is closed with the process.
    await expect(httpGet(port, '/healthz')).rejects.toThrow();
  });

  it('two replicas: only the leader reconciles; after SIGKILL the standby takes over once the lease expires', async () => {
    const ns = await newNamespace('proc');
    const [leader, standby] = await twoReplicas(ns);
    // Several renewals and polls later there is still exactly one leader.
    await sleep(LEASE_MS);
    expect((await scrape(standby.port)).leader).toBe(0);
    expect((await readLease(ns)).spec?.holderIdentity).toBe(leader.identity);

    await apply(
      ns,
      `${sender('acme-whatsapp', '+385911234567')}---\n${sender('acme-second', '+385911234568')}---\n${bot('support', 'acme-whatsapp')}`,
    );
    await isActive(ns, 'support');
    const lm = await counted(leader.port);
    const sm = await scrape(standby.port);
    expect(lm.leader).toBe(1);
    expect(sm.leader).toBe(0);
    expect(lm.reconciles).toBeGreaterThan(0);
    expect(sm.reconciles).toBe(0);
    // The standby is ready too (its caches are warm for a takeover).
    expect((await httpGet(standby.port, '/readyz')).status).toBe(200);

    const killedAt = Date.now();
    leader.proc.kill('SIGKILL');
    expect(await leader.proc.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // The crashed leader left the Lease as it was.
    const left = await readLease(ns);
    expect(left.spec?.holderIdentity).toBe(leader.identity);

    await leads(standby, LEASE_MS + 30_000);
    const taken = await readLease(ns);
    expect(taken.spec).toMatchObject({
      holderIdentity: standby.identity,
      leaseTransitions: 1,
    });
    // It waited for the lease to expire (from its last observed renewal, at most one renewal
    // period before the kill): never two leaders at once. The standby's acquireTime is when it
    // decided to take over.
    const took = msOf(taken.spec?.acquireTime) - killedAt;
    expect(took).toBeGreaterThan(LEASE_MS - RETRY_MS - 500);
    // Exactly: no sooner than a lease duration after the last renewal the leader wrote.
    expect(msOf(taken.spec?.acquireTime)).toBeGreaterThanOrEqual(msOf(left.spec?.renewTime) + LEASE_MS);

    await apply(ns, bot('second', 'acme-second'));
    await isActive(ns, 'second');
    const after = await counted(standby.port);
    expect(after.leader).toBe(1);
    expect(after.reconciles).toBeGreaterThan(0);
    expect(standby.proc.stderr()).toBe('');
  });

  it('two replicas: SIGTERM on the leader exits 0 and releases the lease, so the standby takes over at once', async () => {
    const ns = await newNamespace('proc');
    // The leader holds a lease the standby cannot wait out within the test: the standby leading
    // means the lease was released.
    const leader = await replica(ns, 'op-a', LONG_LEASE_S);
    await leads(leader);
    const standby = await replica(ns, 'op-b');
    await apply(
      ns,
      `${sender('acme-whatsapp', '+385911234567')}---\n${sender('acme-second', '+385911234568')}`,
    );
    await sleep(2 * RETRY_MS); // a few polls by the standby
    expect((await scrape(standby.port)).leader).toBe(0);
    const held = await readLease(ns);
    expect(held.spec).toMatchObject({ holderIdentity: leader.identity, leaseDurationSeconds: LONG_LEASE_S });

    leader.proc.kill('SIGTERM');
    expect(await leader.proc.exited).toEqual({ code: 0, signal: null });
    expect(leader.proc.stderr()).toBe('');
    // Released (holder cleared) or already taken by the standby; never the leader that left.
    expect((await readLease(ns)).spec?.holderIdentity ?? '').toMatch(new RegExp(`^(${standby.identity})?$`));

    await leads(standby, 30_000);
    const taken = await readLease(ns);
    expect(taken.spec).toMatchObject({
      holderIdentity: standby.identity,
      leaseTransitions: 1,
      leaseDurationSeconds: LEASE_S,
    });
    // Long before the leader's lease could have expired: the release, not expiry, handed it over.
    expect(msOf(taken.spec?.acquireTime)).toBeLessThan(msOf(held.spec?.renewTime) + LONG_LEASE_S * 1000);

    await apply(ns, bot('support', 'acme-whatsapp'));
    await isActive(ns, 'support');
    expect((await counted(standby.port)).reconciles).toBeGreaterThan(0);
  });
});
