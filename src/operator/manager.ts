// Wires informers, the work queue, the reconciler, leader election, metrics and health.
import { hostname } from 'node:os';
import type { KubeConfig, V1ControllerRevision, V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { LEASE_LABEL, PLURAL, REVISION_LABEL } from '../api/names.ts';
import type { Chatbot, Sender } from '../api/schema.ts';
import { senderLeaseName } from '../core/claims/claim.ts';
import { customSource, InformerSet } from '../kube/cache.ts';
import { makeClients } from '../kube/clients.ts';
import type { Clock } from '../kube/clock.ts';
import { KeyIndex } from '../kube/key-index.ts';
import { objectKey, splitKey } from '../kube/keys.ts';
import { startHealthServer } from '../telemetry/health.ts';
import { EventRecorder } from './events.ts';
import { LeaderElector } from './leader-election.ts';
import { OperatorMetrics } from './metrics.ts';
import { runWorkers, WorkQueue } from './queue.ts';
import { ChatbotReconciler, ConflictError, SENDER_KEY_PREFIX } from './reconciler.ts';

export interface ManagerOptions {
  kc: KubeConfig;
  clock: Clock;
  logger: Logger;
  /** Namespaces to watch; empty: all. */
  namespaces?: string[];
  /** The operator's own namespace (Leases, leader election). */
  podNamespace: string;
  workers?: number;
  leaderElection?: boolean;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  identity?: string;
  resyncMs?: number;
  /** Health/metrics server; port 0 picks a free one; undefined: none. */
  healthPort?: number;
  healthHost?: string;
  /** Called when leadership is lost (main exits, as controller-runtime does, to start clean). */
  onLostLeadership?: () => void;
}

export class Manager {
  readonly metrics = new OperatorMetrics();
  readonly queue: WorkQueue;
  readonly identity: string;
  private readonly chatbots: InformerSet<Chatbot>;
  private readonly senders: InformerSet<Sender>;
  private readonly leases: InformerSet<V1Lease>;
  private readonly revisions: InformerSet<V1ControllerRevision>;
  private readonly reconciler: ChatbotReconciler;
  private elector: LeaderElector | undefined;
  private stopWorkers: (() => Promise<void>) | undefined;
  private health: Awaited<ReturnType<typeof startHealthServer>> | undefined;
  private leading = false;

  constructor(private readonly opts: ManagerOptions) {
    const clients = makeClients(opts.kc);
    this.identity = opts.identity ?? `${hostname()}_${process.pid}`;
    const log = opts.logger;
    this.queue = new WorkQueue({
      clock: opts.clock,
      name: 'chatbots',
      metrics: { onDepth: (d) => this.metrics.queueDepth.set(d) },
    });
    const base = { logger: log, resyncMs: opts.resyncMs ?? 10 * 60_000 };
    const namespaces = opts.namespaces ?? [];
    this.chatbots = new InformerSet<Chatbot>(
      clients,
      'chatbots',
      namespaces,
      customSource(clients, PLURAL.Chatbot),
      base,
    );
    this.senders = new InformerSet<Sender>(
      clients,
      'senders',
      namespaces,
      customSource(clients, PLURAL.Sender),
      base,
    );
    // Sender Leases live in the operator's own namespace, whatever namespaces are watched.
    const leaseSelector = `${LEASE_LABEL}=true`;
    this.leases = new InformerSet<V1Lease>(
      clients,
      'leases',
      [opts.podNamespace],
      (ns) => ({
        path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
        labelSelector: leaseSelector,
        list: () =>
          clients.coordination.listNamespacedLease({ namespace: ns ?? '', labelSelector: leaseSelector }),
      }),
      base,
    );
    const revSelector = REVISION_LABEL;
    this.revisions = new InformerSet<V1ControllerRevision>(
      clients,
      'controllerrevisions',
      namespaces,
      (ns) => ({
        path: ns ? `/apis/apps/v1/namespaces/${ns}/controllerrevisions` : '/apis/apps/v1/controllerrevisions',
        labelSelector: revSelector,
        list: () =>
          ns
            ? clients.apps.listNamespacedControllerRevision({ namespace: ns, labelSelector: revSelector })
            : clients.apps.listControllerRevisionForAllNamespaces({ labelSelector: revSelector }),
      }),
      base,
    );
    // Lease name -> holder, revision -> chatbot: kept from events, read by the reconciler.
    const leasesByHolder = new KeyIndex();
    const revisionsByChatbot = new KeyIndex();
    const recorder = new EventRecorder(clients.events, opts.clock, this.identity, log);
    this.reconciler = new ChatbotReconciler({
      clients,
      chatbots: this.chatbots,
      senders: this.senders,
      leases: this.leases,
      revisions: this.revisions,
      leaseNamespace: opts.podNamespace,
      indexes: { leasesByHolder, revisionsByChatbot },
      clock: opts.clock,
      recorder,
      logger: log,
      metrics: this.metrics,
    });

    this.metrics.countStates = () => this.countStates();
    // Indexes instead of cache scans: Chatbots by the Sender they name, Senders by their Lease.
    const botsBySender = new KeyIndex();
    const sendersByLease = new KeyIndex();
    const senderRefKey = (cb: Chatbot) =>
      cb.spec?.senderRef?.name ? `${cb.metadata.namespace ?? ''}/${cb.spec.senderRef.name}` : undefined;
    const enqueue = (o: Chatbot) => {
      botsBySender.set(objectKey(o), senderRefKey(o));
      this.queue.add(objectKey(o));
    };
    this.chatbots.on({
      add: enqueue,
      update: enqueue,
      resync: enqueue,
      delete: (o) => {
        this.reconciler.forget(o);
        botsBySender.set(objectKey(o), undefined);
        this.queue.add(objectKey(o));
      },
    });
    // Sender status follows its Lease; a short delay folds the writes of one activation
    // ("Available", then "Held") into one.
    const SENDER_STATUS_DELAY_MS = 500;
    // A real-time timer, not the injected clock: this only batches writes, it decides nothing.
    const pendingSenders = new Map<string, NodeJS.Timeout>();
    const senderStatusLater = (key: string) => {
      if (pendingSenders.has(key)) return;
      const t = setTimeout(() => {
        pendingSenders.delete(key);
        this.queue.add(SENDER_KEY_PREFIX + key);
      }, SENDER_STATUS_DELAY_MS);
      t.unref();
      pendingSenders.set(key, t);
    };
    // A Sender change re-validates the chatbots that name it, and refreshes its own status.
    const senderChanged = (sd: Sender, deleted = false) => {
      const key = objectKey(sd);
      sendersByLease.set(key, deleted ? undefined : senderLeaseName(sd));
      for (const k of botsBySender.get(key)) this.queue.add(k);
      senderStatusLater(key);
    };
    this.senders.on({
      add: (sd) => senderChanged(sd),
      update: (sd) => senderChanged(sd),
      delete: (sd) => senderChanged(sd, true),
      resync: (sd) => senderChanged(sd),
    });
    const watches = (ns: string) => namespaces.length === 0 || namespaces.includes(ns);
    // A sender Lease change wakes its holder, every bot that competes for it and its Senders.
    const leaseChanged = (l: V1Lease, deleted = false) => {
      const name = l.metadata?.name ?? '';
      leasesByHolder.set(name, deleted ? undefined : l.spec?.holderIdentity || undefined);
      // Its holder is woken (and released if gone) only by the operator that watches its namespace.
      const holder = l.spec?.holderIdentity;
      if (holder && watches(splitKey(holder).namespace)) this.queue.add(holder);
      for (const k of this.reconciler.claimantsOf(name)) this.queue.add(k);
      for (const k of sendersByLease.get(name)) senderStatusLater(k);
    };
    this.leases.on({
      add: (l) => leaseChanged(l),
      update: (l) => leaseChanged(l),
      delete: (l) => leaseChanged(l, true),
    });
    // A revision deleted behind our back is created again.
    const revisionKey = (r: V1ControllerRevision) =>
      `${r.metadata?.namespace ?? ''}/${r.metadata?.name ?? ''}`;
    const ownerKey = (r: V1ControllerRevision) => {
      const bot = r.metadata?.labels?.[REVISION_LABEL];
      return bot ? `${r.metadata?.namespace ?? ''}/${bot}` : undefined;
    };
    const revisionSeen = (r: V1ControllerRevision) => revisionsByChatbot.set(revisionKey(r), ownerKey(r));
    this.revisions.on({
      add: revisionSeen,
      update: revisionSeen,
      delete: (r) => {
        revisionsByChatbot.set(revisionKey(r), undefined);
        const owner = ownerKey(r);
        if (owner) this.queue.add(owner);
      },
    });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  ready(): boolean {
    return [this.chatbots, this.senders, this.leases, this.revisions].every((i) => i.hasSynced());
  }

  async start(): Promise<void> {
    const { opts } = this;
    if (opts.healthPort !== undefined) {
      this.health = await startHealthServer({
        host: opts.healthHost ?? '127.0.0.1',
        port: opts.healthPort,
        registry: this.metrics.registry,
        healthz: { leaderElection: () => this.elector?.check() ?? true },
        readyz: { informers: () => this.ready() || 'caches have not synced yet' },
      });
      opts.logger.info({ port: this.health.port }, 'health and metrics server listening');
    }
    await Promise.all([this.chatbots, this.senders, this.leases, this.revisions].map((i) => i.start()));
    opts.logger.info({ identity: this.identity }, 'caches synced');
    if (opts.leaderElection === false) {
      this.startLeading();
      return;
    }
    this.elector = new LeaderElector({
      kubeConfig: opts.kc,
      namespace: opts.podNamespace,
      name: 'chatbot-operator-leader',
      identity: this.identity,
      clock: opts.clock,
      ...(opts.leaseDurationMs ? { leaseDurationMs: opts.leaseDurationMs } : {}),
      ...(opts.renewDeadlineMs ? { renewDeadlineMs: opts.renewDeadlineMs } : {}),
      ...(opts.retryPeriodMs ? { retryPeriodMs: opts.retryPeriodMs } : {}),
      logger: opts.logger,
      onStartedLeading: () => this.startLeading(),
      onStoppedLeading: () => {
        void this.stopLeading().then(() => this.opts.onLostLeadership?.());
      },
    });
    this.elector.start();
  }

  private startLeading() {
    if (this.leading) return;
    this.leading = true;
    this.metrics.isLeader.set(1);
    this.opts.logger.info({ identity: this.identity }, 'leading: reconciling');
    this.stopWorkers = runWorkers(this.queue, this.opts.workers ?? 2, (key) => this.reconcileKey(key), {
      onError: (key, err) => {
        const conflict = err instanceof ConflictError;
        this.metrics.reconcileTotal.inc({ result: conflict ? 'conflict' : 'error' });
        this.opts.logger[conflict ? 'debug' : 'error'](
          { key, err: String(err) },
          'reconcile failed; retrying',
        );
      },
    });
    for (const cb of this.chatbots.list()) this.queue.add(objectKey(cb));
    for (const sd of this.senders.list()) this.queue.add(SENDER_KEY_PREFIX + objectKey(sd));
  }

  private async reconcileKey(key: string) {
    const t0 = performance.now();
    try {
      const res = await this.reconciler.reconcile(key);
      this.metrics.reconcileTotal.inc({ result: res.requeueAfterMs !== undefined ? 'requeue' : 'success' });
      return res;
    } finally {
      this.metrics.reconcileDuration.observe((performance.now() - t0) / 1000);
    }
  }

  private countStates(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const cb of this.chatbots.list()) {
      const s = cb.status?.state ?? 'Unknown';
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    return counts;
  }

  private async stopLeading() {
    if (!this.leading) return;
    this.leading = false;
    this.metrics.isLeader.set(0);
    this.opts.logger.warn({ identity: this.identity }, 'lost leadership: stopped reconciling');
    await this.stopWorkers?.();
  }

  /** Graceful shutdown: finish in-flight reconciles, release the leader Lease, stop watching. */
  async stop(): Promise<void> {
    await this.stopLeading();
    await this.elector?.release();
    await Promise.all([this.chatbots, this.senders, this.leases, this.revisions].map((i) => i.stop()));
    await this.health?.close();
  }
}
