// Wires informers, the work queue, the reconciler, leader election, metrics and health.
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Chatbot, Sender } from '../api/schema.ts';
import type { Clock } from '../core/clock.ts';
import { InformerSet } from './cache.ts';
import { EventRecorder } from './events.ts';
import { startHealthServer } from './health.ts';
import { makeClients, objectKey, PLURAL } from './kube.ts';
import { LeaderElector } from './leader-election.ts';
import { OperatorMetrics } from './metrics.ts';
import { runWorkers, WorkQueue } from './queue.ts';
import { ChatbotReconciler, ConflictError } from './reconciler.ts';

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
    this.chatbots = new InformerSet<Chatbot>(clients, PLURAL.Chatbot, opts.namespaces ?? [], base);
    this.senders = new InformerSet<Sender>(clients, PLURAL.Sender, opts.namespaces ?? [], base);
    const recorder = new EventRecorder(clients.events, opts.clock, this.identity, log);
    this.reconciler = new ChatbotReconciler({
      clients,
      chatbots: this.chatbots,
      senders: this.senders,
      clock: opts.clock,
      recorder,
      logger: log,
      metrics: this.metrics,
    });

    this.metrics.countStates = () => this.countStates();
    const enqueue = (o: Chatbot) => this.queue.add(objectKey(o));
    this.chatbots.on({
      add: enqueue,
      update: enqueue,
      resync: enqueue,
      delete: (o) => {
        this.reconciler.forget(o);
        this.queue.add(objectKey(o));
      },
    });
    // A Sender change re-validates the chatbots that name it.
    const senderChanged = (s: Sender) => {
      const ns = s.metadata.namespace ?? '';
      for (const cb of this.chatbots.list(ns)) {
        if (cb.spec?.senderRef?.name === s.metadata.name) enqueue(cb);
      }
    };
    this.senders.on({ add: senderChanged, update: senderChanged, delete: senderChanged });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  ready(): boolean {
    return this.chatbots.hasSynced() && this.senders.hasSynced();
  }

  async start(): Promise<void> {
    const { opts } = this;
    if (opts.healthPort !== undefined) {
      this.health = await startHealthServer({
        host: opts.healthHost ?? '127.0.0.1',
        port: opts.healthPort,
        registry: this.metrics.registry,
        ready: () => this.ready(),
      });
      opts.logger.info({ port: this.health.port }, 'health and metrics server listening');
    }
    await Promise.all([this.chatbots.start(), this.senders.start()]);
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
    await Promise.all([this.chatbots.stop(), this.senders.stop()]);
    await this.health?.app.close();
  }
}
