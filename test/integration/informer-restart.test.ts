// The operator keeps working when its connection to the apiserver is cut: its informers notice,
// restart with backoff, resume, and reconcile what changed while they were away. The operator
// talks to the apiserver through a TCP proxy that the test cuts and restores; the test itself
// writes through the direct connection.
import { CustomObjectsApi } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { collectionPath, REVISION_LABEL } from '../../src/api/names.ts';
import type { Sender } from '../../src/api/schema.ts';
import { chatbotInformers } from '../../src/kube/chatbot-informers.ts';
import { listFn, makeClients } from '../../src/kube/clients.ts';
import { FakeClock } from '../../src/kube/clock.ts';
import { ResilientInformer } from '../../src/kube/informer.ts';
import type { Manager } from '../../src/operator/manager.ts';
import { apply, eventually, kubeConfig, kubectl, newNamespace } from '../support/cluster.ts';
import { botYaml, senderYaml } from '../support/manifests.ts';
import {
  capturingLogger,
  getChatbot,
  logsOf,
  senderLease,
  startOperator,
  waitForChatbot,
} from '../support/operator.ts';
import type { LogLine } from '../support/process.ts';
import { type TcpProxy, tcpProxy, viaServer } from '../support/tcp-proxy.ts';

const sender = senderYaml;
const bot = (name: string, senderName: string, state: 'Active' | 'Inactive' = 'Active') =>
  botYaml(name, { sender: senderName, state });

const RESTARTING = 'informer stopped; restarting';
const setState = (ns: string, name: string, state: string) =>
  kubectl(['patch', 'chatbot', name, '-n', ns, '--type=merge', '-p', JSON.stringify({ spec: { state } })]);
const gone = async (ns: string, name: string) =>
  (await kubectl(['get', 'chatbot', name, '-n', ns, '--ignore-not-found', '-o', 'name'])).trim() === '';

/** The restart warnings logged since line `from` (each names its informer and its retryInMs). */
const restartsIn = (lines: LogLine[], from = 0) => lines.slice(from).filter((l) => l.msg === RESTARTING);

describe('informers behind a connection that is cut', () => {
  const managers: Manager[] = [];
  const proxies: TcpProxy[] = [];
  afterEach(async () => {
    for (const m of managers.splice(0)) await m.stop();
    for (const p of proxies.splice(0)) await p.close();
  });

  it('reconciles what changed while the apiserver was unreachable once the connection is back', async () => {
    const ns = await newNamespace('inf');
    const holderOf = async (address: string) => (await senderLease(ns, address)).spec?.holderIdentity;
    const proxy = await tcpProxy(kubeConfig().getCurrentCluster()!.server);
    proxies.push(proxy);
    const operator = await startOperator(ns, { kc: viaServer(kubeConfig(), proxy.url) });
    managers.push(operator);
    const lines = logsOf(operator);

    await apply(
      ns,
      [
        sender('acme-whatsapp', '+385911234567'),
        sender('acme-second', '+385911234568'),
        sender('acme-third', '+385911234569'),
        bot('kept', 'acme-whatsapp'),
        bot('doomed', 'acme-third'),
      ].join('---\n'),
    );
    await waitForChatbot(ns, 'kept', (cb) => cb.status?.state === 'Active', 'kept Active');
    // An active bot holds its sender's Lease; no finalizer: deleting it never waits for the operator.
    const doomed = await waitForChatbot(ns, 'doomed', (cb) => cb.status?.state === 'Active', 'doomed Active');
    expect(doomed.metadata.finalizers).toBeUndefined();
    expect(await holderOf('+385911234569')).toBe(`${ns}/doomed`);
    const linesBefore = lines.length;
    const watched = ['chatbots', 'senders', 'leases', 'controllerrevisions'].map((name) => `${name}@${ns}`);

    // Cut: every open connection (the watches included) drops, new ones are refused until restore().
    proxy.cut();
    // Changes made meanwhile, through the direct connection: a new bot, an update, a deletion.
    await apply(ns, bot('arrived', 'acme-second'));
    await setState(ns, 'kept', 'Inactive');
    await kubectl(['delete', 'chatbot', 'doomed', '-n', ns, '--wait=true', '--timeout=10s']);
    // Every informer noticed its broken watch, and the chatbots informer has already retried in
    // vain at least once (a second restart warning) while the cut lasts.
    const chatbotRetries = await eventually(
      () => {
        const seen = new Set(restartsIn(lines, linesBefore).map((l) => String(l.informer)));
        const retries = restartsIn(lines, linesBefore)
          .filter((l) => l.informer === `chatbots@${ns}`)
          .map((l) => Number(l.retryInMs));
        return watched.every((i) => seen.has(i)) && retries.length >= 2 ? retries : undefined;
      },
      { what: 'every informer restarting, and the chatbots informer twice' },
    );
    // The operator saw none of it...
    expect((await getChatbot(ns, 'arrived')).status?.state).toBeUndefined();
    expect((await getChatbot(ns, 'kept')).status?.state).toBe('Active');
    expect(await gone(ns, 'doomed')).toBe(true);
    expect(await holderOf('+385911234569')).toBe(`${ns}/doomed`); // not released yet
    // ...and its informers noticed the broken watches and keep retrying, each on a timer.
    const restarts = restartsIn(lines, linesBefore);
    const informers = new Set(restarts.map((l) => String(l.informer)));
    for (const name of watched) expect(informers).toContain(name);
    for (const l of restarts) expect(l.retryInMs).toBeGreaterThan(0);
    // While the cut lasts the retries back off: each wait is at least the one before, and they
    // grow (the exact steps are the informer's own test below, on injected timers).
    for (let i = 1; i < chatbotRetries.length; i++) {
      expect(chatbotRetries[i]).toBeGreaterThanOrEqual(chatbotRetries[i - 1]!);
    }
    expect(chatbotRetries.at(-1)).toBeGreaterThan(chatbotRetries[0]!);

    const connectionsAtRestore = proxy.connections;
    const restoredAt = Date.now();
    proxy.restore();
    await waitForChatbot(ns, 'arrived', (cb) => cb.status?.state === 'Active', 'arrived Active', 15_000);
    await waitForChatbot(ns, 'kept', (cb) => cb.status?.state === 'Inactive', 'kept Inactive', 15_000);
    await eventually(async () => ((await holderOf('+385911234569')) ? undefined : true), {
      what: 'the deleted bot’s sender released',
      timeoutMs: 15_000,
    });
    const caughtUpMs = Date.now() - restoredAt;
    expect(proxy.connections).toBeGreaterThan(connectionsAtRestore);
    // The restarts are at most one backoff step (30 s cap) away; after a 2 s cut, a few seconds.
    expect(caughtUpMs).toBeLessThan(10_000);

    // The watches are live again: a change made now is seen without waiting for a resync.
    await setState(ns, 'arrived', 'Inactive');
    await waitForChatbot(ns, 'arrived', (cb) => cb.status?.state === 'Inactive', 'arrived Inactive', 10_000);
    await apply(ns, bot('later', 'acme-whatsapp'));
    await waitForChatbot(ns, 'later', (cb) => cb.status?.state === 'Active', 'later Active', 10_000);
  });

  it('backs off from minBackoffMs, doubling up to maxBackoffMs while restarts fail, and from the minimum again once through', async () => {
    const ns = await newNamespace('inf');
    await apply(ns, sender('acme-whatsapp', '+385911234571'));
    const proxy = await tcpProxy(kubeConfig().getCurrentCluster()!.server);
    proxies.push(proxy);
    const kc = viaServer(kubeConfig(), proxy.url);
    const { logger, lines } = capturingLogger();
    // Restarts wait on injected timers: nothing restarts until the test moves them.
    const timers = new FakeClock('2026-11-29T12:00:00Z');
    let restarted = 0;
    const informer = new ResilientInformer<Sender>({
      kc,
      name: 'senders',
      path: collectionPath('senders', ns),
      list: listFn(kc.makeApiClient(CustomObjectsApi), 'senders', ns),
      logger,
      minBackoffMs: 100,
      maxBackoffMs: 800,
      timers,
      onRestart: () => restarted++,
    });
    await informer.start();
    try {
      expect(informer.get('acme-whatsapp', ns)?.spec.address).toBe('+385911234571');
      const retries = () => restartsIn(lines).map((l) => Number(l.retryInMs));
      const moreRetries = (than: number, what: string) =>
        eventually(() => (retries().length > than ? true : undefined), { what });

      proxy.cut();
      await moreRetries(0, 'the broken watch noticed');
      // Made during the cut, through the direct connection: delivered once the informer is back.
      await apply(ns, sender('acme-later', '+385911234572'));
      expect(restarted).toBe(0);
      // Each restart is due after the last wait; it fails while the cut lasts, and is retried.
      for (let i = 1; i <= 5; i++) {
        const before = retries().length;
        timers.advance(retries().at(-1)!);
        expect(restarted).toBe(i);
        await moreRetries(before, `restart ${i} failing`);
      }
      const r = retries();
      expect(r[0]).toBe(100);
      for (let i = 1; i < r.length; i++)
        expect(r[i], `retry ${i} of ${r.join(', ')}`).toBe(Math.min(2 * r[i - 1]!, 800));
      expect(r.at(-1)).toBe(800);

      // Back through: the next restart resumes the watch and catches up on the change...
      proxy.restore();
      const failed = r.length;
      timers.advance(800);
      await eventually(() => informer.get('acme-later', ns), { what: 'the sender made during the cut' });
      expect(retries()).toHaveLength(failed);
      // ...and the next cut starts again from the minimum.
      proxy.cut();
      await moreRetries(failed, 'the second cut noticed');
      expect(retries()[failed]).toBe(100);
    } finally {
      await informer.stop();
    }
  });

  it('keeps objects without metadata.managedFields in its cache (the server still serves them)', async () => {
    const ns = await newNamespace('inf');
    await apply(ns, sender('acme-whatsapp', '+385911234570'));
    const kc = kubeConfig();
    const informer = new ResilientInformer<Sender>({
      kc,
      name: 'senders',
      path: collectionPath('senders', ns),
      list: listFn(kc.makeApiClient(CustomObjectsApi), 'senders', ns),
      logger: pino({ level: 'silent' }),
    });
    const seen: Sender[] = [];
    informer.on({ add: (o) => seen.push(o) });
    await informer.start();
    try {
      const cached = informer.get('acme-whatsapp', ns);
      expect(cached?.spec.address).toBe('+385911234570');
      expect(cached?.metadata).not.toHaveProperty('managedFields', expect.anything());
      expect(seen.map((o) => (o.metadata as { managedFields?: unknown }).managedFields)).toEqual([undefined]);
      const served = await kubectl([
        'get',
        'sender',
        'acme-whatsapp',
        '-n',
        ns,
        '--show-managed-fields',
        '-o',
        'json',
      ]);
      expect(JSON.parse(served).metadata.managedFields.length).toBeGreaterThan(0);
    } finally {
      await informer.stop();
    }
  });

  it('drops what a process never reads before caching, also with no handler listening (the runtime’s ControllerRevisions)', async () => {
    const ns = await newNamespace('inf');
    const kc = kubeConfig();
    const informers = chatbotInformers(makeClients(kc, 'test'), {
      namespaces: [ns],
      leaseNamespace: ns,
      logger: pino({ level: 'silent' }),
      timers: new FakeClock('2026-11-29T12:00:00Z'),
      withoutDefinitions: true,
    });
    await apply(
      ns,
      `${senderYaml('acme-whatsapp', '+385911234573')}---\n${botYaml('support', { state: 'Inactive' })}`,
    );
    await kubectl(
      ['create', '-n', ns, '-f', '-'],
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: { name: 'support-1', labels: { [REVISION_LABEL]: 'support' } },
        revision: 1,
        data: { definition: { dialogs: [{ name: 'w', elements: [{ text: 'a large definition' }] }] } },
      }),
    );
    // No handler on either informer: what the cache keeps is all there is.
    await Promise.all([informers.chatbots.start(), informers.revisions.start()]);
    try {
      const revision = await eventually(() => informers.revisions.get('support-1', ns), {
        what: 'the revision cached',
      });
      expect(revision.revision).toBe(1);
      expect(revision.data).toBeUndefined();
      const bot = await eventually(() => informers.chatbots.get('support', ns), { what: 'the bot cached' });
      expect(bot.spec.senderRef?.name).toBe('acme-whatsapp');
      expect(bot.spec.definition).toBeUndefined();
    } finally {
      await Promise.all([informers.chatbots.stop(), informers.revisions.stop()]);
    }
  });
});
