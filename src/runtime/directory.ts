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
import { objectKey, splitKey } from '../kube/keys.ts';
import { SendersByAddress } from '../kube/sender-index.ts';

/** A revision as the engine runs it. */
export interface ServedRevision {
  bot: CompiledBot;
  sessionTimeoutMs: number;
}

const SECRET_TTL_MS = 10_000;
/** A Secret read that failed (the apiserver down, say) is not retried for every message. */
const SECRET_FAILURE_TTL_MS = 2_000;
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
  /** The Senders of each address, and which may use it (the oldest Sender's namespace owns it). */
  readonly addresses: SendersByAddress;
  private readonly compiled = new Map<string, ServedRevision>();
  /** Secret data by namespace/name, with when it was read; one read in flight per Secret. */
  private readonly secrets = new Map<
    string,
    { at: number; data: Promise<Record<string, string> | undefined>; failed?: boolean }
  >();
  /** Namespaces whose Secrets the runtime may not read (warned once). */
  private readonly forbidden = new Set<string>();

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
    this.addresses = new SendersByAddress(this.senders);
    const senderSeen = (s: Sender) => void this.addresses.update(s);
    this.senders.on({
      add: senderSeen,
      update: senderSeen,
      resync: senderSeen,
      delete: (s) => void this.addresses.update(s, true),
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
   * The Senders declaring a channel and address that may use it (the owner namespace's, and those
   * it grants: core/claims/ownership.ts), oldest first, with the address's Lease name.
   */
  acceptedSenders(
    channel: Sender['spec']['channel'],
    address: string,
  ): { leaseName: string; senders: Sender[] } {
    const leaseName = senderLeaseName({ spec: { channel, address } });
    const all = this.addresses.sendersOf(leaseName).filter((s) => s.spec.channel === channel);
    return { leaseName, senders: all.filter((s) => this.addresses.acceptance(s).accepted) };
  }

  /** Every Sender of a channel that may use its address. */
  acceptedSendersOf(channel: Sender['spec']['channel']): Sender[] {
    return this.senders
      .list()
      .filter((s) => s.spec.channel === channel && this.addresses.acceptance(s).accepted);
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

  /**
   * The data of the Sender's credentials Secret (undefined: missing, or not readable by the runtime
   * in that namespace). Cached for 10 s and read once at a time; a failed read for 2 s.
   */
  credentials(sender: Sender): Promise<Record<string, string> | undefined> {
    const ref = sender.spec.credentialsSecretRef?.name;
    if (!ref) return Promise.resolve(undefined);
    const namespace = sender.metadata.namespace ?? '';
    const key = `${namespace}/${ref}`;
    const nowMs = performance.now(); // a cache lifetime, not a decision: real time
    const hit = this.secrets.get(key);
    if (hit && nowMs - hit.at < (hit.failed ? SECRET_FAILURE_TTL_MS : SECRET_TTL_MS)) return hit.data;
    const data = this.readSecret(namespace, ref);
    const entry: { at: number; data: typeof data; failed?: boolean } = { at: nowMs, data };
    this.secrets.set(key, entry);
    data.catch(() => {
      entry.failed = true;
    });
    return data;
  }

  private async readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      const secret = await this.opts.clients.core.readNamespacedSecret({ namespace, name });
      return Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
      );
    } catch (err) {
      const status = httpStatus(err);
      if (status === 404) return undefined;
      if (status === 403) {
        // The runtime reads Secrets only where a tenant lets it (README, "Install"): no binding here.
        if (!this.forbidden.has(namespace)) {
          this.forbidden.add(namespace);
          this.opts.logger.warn(
            { namespace },
            'the runtime may not read Secrets in this namespace: bind the chatbot-runtime-secrets ClusterRole there',
          );
        }
        return undefined;
      }
      throw err;
    }
  }
}
