// The runtime's view of the cluster, from informers: Chatbots, Senders, sender Leases and
// ControllerRevisions (the definitions it serves), plus the Senders' credentials Secrets
// (read on demand, cached briefly: the runtime needs only `get` on Secrets).
import type { V1ControllerRevision, V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Chatbot, Definition, Sender } from '../api/schema.ts';
import { senderLeaseName } from '../core/claims/claim.ts';
import { type CompiledBot, compileBot } from '../core/dialog/engine.ts';
import { durationMs } from '../core/duration.ts';
import type { Handlers, InformerSet } from '../kube/cache.ts';
import { allOf, chatbotInformers } from '../kube/chatbot-informers.ts';
import type { Clients } from '../kube/clients.ts';
import type { Clock } from '../kube/clock.ts';
import { httpStatus } from '../kube/errors.ts';
import { KeyIndex } from '../kube/key-index.ts';
import { objectKey, splitKey } from '../kube/keys.ts';

/** A revision as the engine runs it. */
export interface ServedRevision {
  bot: CompiledBot;
  sessionTimeoutMs: number;
}

const SECRET_TTL_MS = 10_000;
const COMPILED_MAX = 500;

export interface DirectoryOptions {
  clients: Clients;
  namespaces: string[];
  /** Where the operator keeps sender Leases (its namespace). */
  leaseNamespace: string;
  logger: Logger;
  /** Real-time timers (informer backoff and resync). */
  timers: Clock;
}

export class Directory {
  readonly chatbots: InformerSet<Chatbot>;
  readonly senders: InformerSet<Sender>;
  private readonly leases: InformerSet<V1Lease>;
  private readonly revisions: InformerSet<V1ControllerRevision>;
  private readonly informers: ReturnType<typeof allOf>;
  private readonly sendersByLease = new KeyIndex();
  private readonly compiled = new Map<string, ServedRevision>();
  /** Secret data by namespace/name, with when it was read; one read in flight per Secret. */
  private readonly secrets = new Map<
    string,
    { at: number; data: Promise<Record<string, string> | undefined> }
  >();

  constructor(private readonly opts: DirectoryOptions) {
    const { clients, namespaces, logger, timers } = opts;
    const informers = chatbotInformers(clients, {
      namespaces,
      leaseNamespace: opts.leaseNamespace,
      logger,
      timers,
    });
    ({
      chatbots: this.chatbots,
      senders: this.senders,
      leases: this.leases,
      revisions: this.revisions,
    } = informers);
    this.informers = allOf(informers);
    const senderSeen = (s: Sender) => this.sendersByLease.set(objectKey(s), senderLeaseName(s));
    this.senders.on({
      add: senderSeen,
      update: senderSeen,
      delete: (s) => this.sendersByLease.set(objectKey(s), undefined),
    });
    this.revisions.on({ delete: (r) => this.compiled.delete(objectKey(r)) });
  }

  async start(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  synced(): boolean {
    return this.informers.every((i) => i.hasSynced());
  }

  onChatbot(h: Handlers<Chatbot>): void {
    this.chatbots.on(h);
  }

  chatbot(key: string): Chatbot | undefined {
    const { namespace, name } = splitKey(key);
    return this.chatbots.get(name, namespace);
  }

  /** The holder (namespace/name) of the sender Lease for this channel and address. */
  holderOf(leaseName: string): string | undefined {
    return this.leases.get(leaseName, this.opts.leaseNamespace)?.spec?.holderIdentity || undefined;
  }

  /**
   * The Sender objects for a channel and address (the same number may be declared in several
   * namespaces: one Lease). The holder's own Sender comes first.
   */
  sendersFor(channel: Sender['spec']['channel'], address: string): { leaseName: string; senders: Sender[] } {
    const leaseName = senderLeaseName({ spec: { channel, address } });
    const senders = this.sendersByLease
      .get(leaseName)
      .sort()
      .map((k) => this.senders.get(splitKey(k).name, splitKey(k).namespace))
      .filter((s): s is Sender => s !== undefined && s.spec.channel === channel);
    const holder = this.holderOf(leaseName);
    const bot = holder ? this.chatbot(holder) : undefined;
    const own =
      bot &&
      senders.findIndex(
        (s) =>
          s.metadata.namespace === bot.metadata.namespace && s.metadata.name === bot.spec?.senderRef?.name,
      );
    if (own !== undefined && own > 0) senders.unshift(...senders.splice(own, 1));
    return { leaseName, senders };
  }

  allSenders(): Sender[] {
    return this.senders.list();
  }

  /** The revision number of a ControllerRevision in the cache (undefined: not seen). */
  revisionNumber(namespace: string, name: string): number | undefined {
    const r = this.revisions.get(name, namespace)?.revision;
    return r === undefined ? undefined : Number(r);
  }

  /** The compiled definition of a ControllerRevision `namespace/name` (fetched if the cache lacks it). */
  async revision(namespace: string, name: string): Promise<ServedRevision | undefined> {
    const key = `${namespace}/${name}`;
    const hit = this.compiled.get(key);
    if (hit) return hit;
    let raw = this.revisions.get(name, namespace);
    if (!raw) {
      try {
        raw = await this.opts.clients.apps.readNamespacedControllerRevision({ namespace, name });
      } catch (err) {
        if (httpStatus(err) === 404) return undefined;
        throw err;
      }
    }
    const data = (raw.data ?? {}) as { definition?: Definition; sessionTimeout?: string };
    const served = {
      bot: compileBot(data.definition),
      sessionTimeoutMs: durationMs(data.sessionTimeout, '30m'),
    };
    if (this.compiled.size >= COMPILED_MAX) this.compiled.delete(this.compiled.keys().next().value!);
    this.compiled.set(key, served);
    return served;
  }

  /** The data of the Sender's credentials Secret (undefined: missing). Cached for 10 s, read once. */
  credentials(sender: Sender): Promise<Record<string, string> | undefined> {
    const ref = sender.spec.credentialsSecretRef?.name;
    if (!ref) return Promise.resolve(undefined);
    const namespace = sender.metadata.namespace ?? '';
    const key = `${namespace}/${ref}`;
    const nowMs = performance.now(); // a cache lifetime, not a decision: real time
    const hit = this.secrets.get(key);
    if (hit && nowMs - hit.at < SECRET_TTL_MS) return hit.data;
    const data = this.readSecret(namespace, ref);
    this.secrets.set(key, { at: nowMs, data });
    // A failed read is not cached: the next message tries again.
    data.catch(() => this.secrets.get(key)?.data === data && this.secrets.delete(key));
    return data;
  }

  private async readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      const secret = await this.opts.clients.core.readNamespacedSecret({ namespace, name });
      return Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
      );
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }
}
