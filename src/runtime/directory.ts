// The runtime's view of the cluster, from informers: Chatbots (without their definitions), Senders,
// sender Leases and ControllerRevisions (without their data), plus the Senders' credentials Secrets
// (read on demand, cached briefly: the runtime needs only `get` on Secrets). The definitions it
// serves are read from their ControllerRevisions when a revision starts serving (its bot's status
// names it), compiled, and their intent matcher trained in a worker thread then, not on the first
// message; only serving and draining revisions are kept (docs/architecture.md, "Size limits").
import type { V1ControllerRevision, V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Chatbot, Definition, Sender } from '../api/schema.ts';
import { senderLeaseName } from '../core/claims/claim.ts';
import { type CompiledBot, compileBot, type TrainedMatcher } from '../core/dialog/compile.ts';
import { durationMs } from '../core/duration.ts';
import type { Handlers, InformerSet } from '../kube/cache.ts';
import { allOf, chatbotInformers } from '../kube/chatbot-informers.ts';
import type { Clients } from '../kube/clients.ts';
import type { Clock } from '../kube/clock.ts';
import { httpStatus } from '../kube/errors.ts';
import { objectKey, splitKey } from '../kube/keys.ts';
import { SendersByAddress } from '../kube/sender-index.ts';
import type { IntentWorkers } from '../workers/intent-workers.ts';

/** A revision as the engine runs it. */
export interface ServedRevision {
  bot: CompiledBot;
  sessionTimeoutMs: number;
}

const SECRET_TTL_MS = 10_000;
/** A Secret read that failed (the apiserver down, say) is not retried for every message. */
const SECRET_FAILURE_TTL_MS = 2_000;
/** A bound on compiled revisions, whatever the statuses say (serving and draining ones are kept). */
const COMPILED_MAX = 2000;

/** A bot that routes by no intent needs no matcher. */
const NO_MATCHER: TrainedMatcher = { matcher: undefined, failed: false };

export interface DirectoryOptions {
  clients: Clients;
  namespaces: string[];
  /** Where the operator keeps sender Leases (its namespace). */
  leaseNamespace: string;
  logger: Logger;
  /** Real-time timers (informer backoff and resync). */
  timers: Clock;
  /** Where intent matchers are trained (off the event loop). */
  workers: IntentWorkers;
}

export class Directory {
  readonly chatbots: InformerSet<Chatbot>;
  readonly senders: InformerSet<Sender>;
  private readonly leases: InformerSet<V1Lease>;
  private readonly revisions: InformerSet<V1ControllerRevision>;
  private readonly informers: ReturnType<typeof allOf>;
  /** The Senders of each address, and which may use it (the oldest Sender's namespace owns it). */
  readonly addresses: SendersByAddress;
  /** Compiled revisions (namespace/name), loading or loaded. */
  private readonly compiled = new Map<string, Promise<ServedRevision | undefined>>();
  /** Chatbot key -> the revisions (namespace/name) its status says serve or drain. */
  private readonly kept = new Map<string, Set<string>>();
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
      withoutDefinitions: true,
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
    const follow = (bot: Chatbot) => this.keepServedOf(bot);
    this.chatbots.on({
      add: follow,
      update: follow,
      delete: (bot) => this.keepServedOf(bot, true),
    });
  }

  /**
   * Keeps exactly the revisions a bot's status says serve (Active on status.revision) or drain:
   * a revision that starts serving is loaded and its matcher trained now; one that no longer serves
   * or drains is dropped (its sessions are closed, routing never picks it again).
   */
  private keepServedOf(bot: Chatbot, deleted = false): void {
    const ns = bot.metadata.namespace ?? '';
    const key = objectKey(bot);
    const s = deleted ? undefined : bot.status;
    const want = new Set<string>();
    if (s?.state === 'Active' && s.revision) want.add(`${ns}/${s.revision}`);
    for (const d of s?.draining ?? []) want.add(`${ns}/${d.revision}`);
    for (const k of this.kept.get(key) ?? []) if (!want.has(k)) this.compiled.delete(k);
    if (want.size === 0) this.kept.delete(key);
    else this.kept.set(key, want);
    for (const k of want) {
      if (this.compiled.has(k)) continue;
      const { namespace, name } = splitKey(k);
      this.revision(namespace, name).catch((err: unknown) =>
        this.opts.logger.warn({ namespace, revision: name, err: String(err) }, 'revision not loaded'),
      );
    }
  }

  /** Compiled revisions held (serving, draining, or asked for by a message). */
  get compiledCount(): number {
    return this.compiled.size;
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

  /**
   * The compiled definition of a ControllerRevision `namespace/name`, with its intent matcher
   * trained (in the worker thread); read from the API, once, while it is kept.
   */
  revision(namespace: string, name: string): Promise<ServedRevision | undefined> {
    const key = `${namespace}/${name}`;
    const hit = this.compiled.get(key);
    if (hit) return hit;
    const loading = this.load(namespace, name);
    if (this.compiled.size >= COMPILED_MAX) this.compiled.delete(this.compiled.keys().next().value!);
    this.compiled.set(key, loading);
    // Not found, or failed: asked again next time.
    const forget = () => this.compiled.get(key) === loading && this.compiled.delete(key);
    loading.then((r) => r ?? forget(), forget);
    return loading;
  }

  /**
   * Revisions read and compiled at once, at most: when many bots start serving together (a restart,
   * a mass apply) their definitions, up to 1 MiB each, are not all in memory twice at the same time.
   */
  private static readonly LOADS_AT_ONCE = 4;
  private loads = 0;
  private readonly loadWaiters: (() => void)[] = [];

  private async load(namespace: string, name: string): Promise<ServedRevision | undefined> {
    while (this.loads >= Directory.LOADS_AT_ONCE) await new Promise<void>((r) => this.loadWaiters.push(r));
    this.loads++;
    let read: { plain: CompiledBot; sessionTimeoutMs: number } | undefined;
    try {
      read = await this.read(namespace, name);
    } finally {
      this.loads--;
      this.loadWaiters.shift()?.();
    }
    if (!read) return undefined;
    const { plain, sessionTimeoutMs } = read;
    if (!plain.usesIntents) return { bot: plain.withMatcher(NO_MATCHER), sessionTimeoutMs };
    // Trained in the worker thread (its own queue), outside the read slots.
    const started = performance.now();
    const trained: TrainedMatcher = await this.opts.workers.train(plain.intents).then(
      (matcher) => {
        const seconds = Math.round((performance.now() - started) / 100) / 10;
        this.opts.logger.info({ namespace, revision: name, seconds }, 'intent matcher trained');
        return { matcher, failed: false };
      },
      (err: unknown) => {
        this.opts.logger.warn({ namespace, revision: name, err: String(err) }, 'intent matcher not trained');
        return { matcher: undefined, failed: true };
      },
    );
    return { bot: plain.withMatcher(trained), sessionTimeoutMs };
  }

  /** Reads a ControllerRevision and compiles its definition (undefined: it does not exist). */
  private async read(
    namespace: string,
    name: string,
  ): Promise<{ plain: CompiledBot; sessionTimeoutMs: number } | undefined> {
    let raw: V1ControllerRevision;
    try {
      raw = await this.opts.clients.apps.readNamespacedControllerRevision({ namespace, name });
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
    const data = (raw.data ?? {}) as { definition?: Definition; sessionTimeout?: string };
    return { plain: compileBot(data.definition), sessionTimeoutMs: durationMs(data.sessionTimeout, '30m') };
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
