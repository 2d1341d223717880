// Wires the operator: informer caches, one controller per kind (Chatbot, Sender) each with its
// own work queue, leader election, metrics and health. See docs/architecture.md.
import { hostname } from 'node:os';
import type { KubeConfig, V1ControllerRevision, V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Chatbot, Sender } from '../api/schema.ts';
import type { InformerSet } from '../kube/cache.ts';
import { allOf, chatbotInformers } from '../kube/chatbot-informers.ts';
import { type Clients, makeClients } from '../kube/clients.ts';
import { type Clock, RealClock } from '../kube/clock.ts';
import { KeyIndex } from '../kube/key-index.ts';
import { objectKey } from '../kube/keys.ts';
import { SendersByAddress } from '../kube/sender-index.ts';
import { type HealthServer, startHealthServer } from '../telemetry/health.ts';
import { IntentWorkers } from '../workers/intent-workers.ts';
import { ChatbotGatherer } from './chatbot-gatherer.ts';
import { ChatbotReconciler } from './chatbot-reconciler.ts';
import { ConfusionChecks } from './confusion-checks.ts';
import { Controller } from './controller.ts';
import { EventRecorder } from './events.ts';
import { LeaderElector, LeaseLock } from './leader-election.ts';
import { OperatorMetrics } from './metrics.ts';
import { WorkQueue } from './queue.ts';
import { SenderReconciler, type SenderReconcilerDeps } from './sender-reconciler.ts';
import { wireWatches } from './watches.ts';
import { Writer } from './writer.ts';

export const LEADER_LEASE_NAME = 'chatbot-operator-leader';

export interface ManagerOptions {
  kc: KubeConfig;
  /** The clock decisions are made on (schedules, drains, leader election); fake in tests. */
  clock: Clock;
  /** Timers that decide nothing (informer backoff and resync, batching sender status); default real time. */
  timers?: Clock;
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
  /** The runtime's public base URL (e.g. https://bots.example.com): status names the QR code URLs. */
  publicUrl?: string;
  /** Called when leadership is lost (main exits, as controller-runtime does, to start clean). */
  onLostLeadership?: () => void;
}

export class Manager {
  readonly metrics = new OperatorMetrics();
  readonly identity: string;
  private readonly clients: Clients;
  private readonly chatbots: InformerSet<Chatbot>;
  private readonly senders: InformerSet<Sender>;
  private readonly leases: InformerSet<V1Lease>;
  private readonly revisions: InformerSet<V1ControllerRevision>;
  private readonly informers: ReturnType<typeof allOf>;
  private readonly controllers: Controller[];
  private elector: LeaderElector | undefined;
  /** The worker thread of the validator's confusion check. */
  private readonly workers = new IntentWorkers();
  private health: HealthServer | undefined;
  private leading = false;

  constructor(private readonly opts: ManagerOptions) {
    const clients = makeClients(opts.kc);
    this.clients = clients;
    this.identity = opts.identity ?? `${hostname()}_${process.pid}`;
    const log = opts.logger;
    const timers = opts.timers ?? new RealClock();
    const namespaces = opts.namespaces ?? [];
    const informers = chatbotInformers(clients, {
      namespaces,
      leaseNamespace: opts.podNamespace,
      logger: log,
      timers,
      ...(opts.resyncMs ? { resyncMs: opts.resyncMs } : {}),
    });
    ({
      chatbots: this.chatbots,
      senders: this.senders,
      leases: this.leases,
      revisions: this.revisions,
    } = informers);
    this.informers = allOf(informers);

    const indexes = { leasesByHolder: new KeyIndex(), revisionsByChatbot: new KeyIndex() };
    const addresses = new SendersByAddress(this.senders);
    const confusions = new ConfusionChecks(this.workers);
    const gatherer = new ChatbotGatherer({
      confusions,
      chatbots: this.chatbots,
      senders: this.senders,
      leases: this.leases,
      revisions: this.revisions,
      leaseNamespace: opts.podNamespace,
      addresses,
      indexes,
      ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
    });
    const writer = new Writer(clients, this.leases, opts.podNamespace, opts.clock);
    const recorder = new EventRecorder(clients.events, opts.clock, this.identity, log);
    const queue = (name: string, clock: Clock) =>
      new WorkQueue({ clock, name, metrics: { onDepth: (d) => this.metrics.queueDepth.set({ name }, d) } });
    const chatbotQueue = queue('chatbots', opts.clock);
    confusions.onReady = (hash) => {
      for (const k of gatherer.waitingOn(hash)) chatbotQueue.add(k);
    };
    const senderQueue = queue('senders', timers);
    const common = { logger: log, metrics: this.metrics };
    const senderDeps: SenderReconcilerDeps = {
      senders: this.senders,
      addresses,
      leases: this.leases,
      leaseNamespace: opts.podNamespace,
      writer,
      clock: opts.clock,
    };
    const senderReconciler = new SenderReconciler(senderDeps);
    this.controllers = [
      new Controller({
        ...common,
        name: 'chatbot',
        queue: chatbotQueue,
        workers: opts.workers ?? 8,
        reconciler: new ChatbotReconciler({
          gatherer,
          writer,
          clock: opts.clock,
          recorder,
          logger: log,
          metrics: this.metrics,
        }),
      }),
      new Controller({
        ...common,
        name: 'sender',
        queue: senderQueue,
        workers: opts.workers ?? 8,
        reconciler: senderReconciler,
      }),
    ];
    this.metrics.countStates = () => this.countStates();
    const watches = wireWatches(
      { chatbots: this.chatbots, senders: this.senders, leases: this.leases, revisions: this.revisions },
      { chatbotQueue, senderQueue, gatherer, indexes, addresses, namespaces },
    );
    senderDeps.claimantsPending = (key) => watches.botsNaming(key).some((k) => chatbotQueue.isPending(k));
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Keys waiting in the controllers' queues (0: nothing left to do right now). */
  pendingKeys(): number {
    return this.controllers.reduce((n, c) => n + c.queue.len(), 0);
  }

  ready(): boolean {
    return this.informers.every((i) => i.hasSynced());
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
    await Promise.all(this.informers.map((i) => i.start()));
    opts.logger.info({ identity: this.identity }, 'caches synced');
    if (opts.leaderElection === false) {
      this.startLeading();
      return;
    }
    this.elector = new LeaderElector({
      lock: new LeaseLock(this.clients.coordination, opts.podNamespace, LEADER_LEASE_NAME),
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
    const [chatbotController, senderController] = this.controllers;
    for (const c of this.controllers) c.start();
    for (const cb of this.chatbots.list()) chatbotController!.queue.add(objectKey(cb));
    for (const sd of this.senders.list()) senderController!.queue.add(objectKey(sd));
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
    await Promise.all(this.controllers.map((c) => c.stop()));
  }

  /** Graceful shutdown: finish in-flight reconciles, release the leader Lease, stop watching. */
  async stop(): Promise<void> {
    await this.stopLeading();
    await this.elector?.release();
    await Promise.all(this.informers.map((i) => i.stop()));
    await this.workers.close();
    await this.health?.close();
  }
}
