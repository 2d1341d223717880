// The reconcile shell: read the caches once, decide() in a pure function, apply the plan
// (ControllerRevision, sender Lease, status through /status only when it changed, events,
// pruning), requeue at the next schedule edge or drain deadline.
//
// No finalizer: a Lease lives in the operator's namespace and cannot be owned by a Chatbot in
// another one, so the operator releases the Leases of holders that are gone (deletion event,
// or the Lease's holder missing from the cache at start-up). `kubectl delete` never waits for
// the operator, and uninstalling it cannot leave namespaces stuck terminating.
import type { V1ControllerRevision, V1Lease } from '@kubernetes/client-node';
import { V1MicroTime } from '@kubernetes/client-node';
import equal from 'fast-deep-equal';
import jsonMergePatch from 'json-merge-patch';
import type { Logger } from 'pino';
import {
  ANN_ADDRESS,
  ANN_CHANNEL,
  ANN_CREATED,
  ANN_HOLDER_UID,
  ANN_MOMENT,
  API_VERSION,
  GROUP,
  LEASE_LABEL,
  PLURAL,
  REVISION_LABEL,
  VERSION,
} from '../api/names.ts';
import type { Chatbot, Issue, Sender } from '../api/schema.ts';
import {
  type Claim,
  heldByPredecessor,
  type LeaseView,
  leaseView,
  senderLeaseName,
} from '../core/claims/claim.ts';
import { mergeConditions } from '../core/conditions.ts';
import {
  type ClaimsView,
  chatbotKey,
  claimOf,
  decide,
  type LeaseOp,
  validationMessage,
} from '../core/lifecycle/decide.ts';
import type { RevisionInfo } from '../core/lifecycle/revisions.ts';
import { rfc3339 } from '../core/time.ts';
import { validateChatbot, validateSender } from '../core/validation/index.ts';
import type { Cache } from '../kube/cache.ts';
import type { Clients } from '../kube/clients.ts';
import { mergePatch } from '../kube/clients.ts';
import type { Clock } from '../kube/clock.ts';
import { httpStatus } from '../kube/errors.ts';
import type { KeyIndex } from '../kube/key-index.ts';
import { splitKey } from '../kube/keys.ts';
import type { EventRecorder } from './events.ts';
import type { OperatorMetrics } from './metrics.ts';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** A 409: the cache was behind our last write or another writer's; retry soon. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

interface MemoEntry {
  generation: number | undefined;
  senderGeneration: number | undefined;
  senderFound: boolean;
  issues: Issue[];
}

export interface ReconcilerDeps {
  clients: Clients;
  chatbots: Cache<Chatbot>;
  senders: Cache<Sender>;
  leases: Cache<V1Lease>;
  revisions: Cache<V1ControllerRevision>;
  /** The operator's namespace, where sender Leases live. */
  leaseNamespace: string;
  clock: Clock;
  recorder: EventRecorder;
  logger: Logger;
  metrics?: OperatorMetrics;
  /** Secondary indexes kept from informer events (without them, the caches are scanned). */
  indexes?: { leasesByHolder: KeyIndex; revisionsByChatbot: KeyIndex };
}

export const SENDER_KEY_PREFIX = 'sender:';

export class ChatbotReconciler {
  private readonly memo = new Map<string, MemoEntry>();
  /** Which chatbots compete for which sender Lease (kept as they are reconciled). */
  private readonly claimants = new Map<string, Set<string>>();
  private readonly leaseOf = new Map<string, string>();

  constructor(private readonly deps: ReconcilerDeps) {}

  /** Validation is pure but not free (intent matching): reuse it while nothing it reads changed. */
  private issuesFor(chatbot: Chatbot, sender: Sender | undefined): Issue[] {
    const uid = chatbot.metadata.uid ?? chatbotKey(chatbot);
    const hit = this.memo.get(uid);
    const generation = chatbot.metadata.generation;
    const senderGeneration = sender?.metadata.generation;
    if (
      hit &&
      hit.generation === generation &&
      hit.senderGeneration === senderGeneration &&
      hit.senderFound === (sender !== undefined)
    ) {
      return hit.issues;
    }
    const issues = validateChatbot(chatbot, {
      findSender: (name) => (name === sender?.metadata.name ? sender : undefined),
    });
    this.memo.set(uid, { generation, senderGeneration, senderFound: sender !== undefined, issues });
    return issues;
  }

  private senderOf(chatbot: Chatbot): Sender | undefined {
    const ref = chatbot.spec?.senderRef?.name;
    return ref ? this.deps.senders.get(ref, chatbot.metadata.namespace ?? '') : undefined;
  }

  private errorsOf(chatbot: Chatbot): number {
    return this.issuesFor(chatbot, this.senderOf(chatbot)).filter((i) => i.severity === 'Error').length;
  }

  /** Chatbot keys to reconcile when this sender Lease changes. */
  claimantsOf(leaseName: string): string[] {
    return [...(this.claimants.get(leaseName) ?? [])];
  }

  forget(chatbot: Chatbot): void {
    if (chatbot.metadata.uid) this.memo.delete(chatbot.metadata.uid);
  }

  private track(key: string, leaseName: string | undefined) {
    const before = this.leaseOf.get(key);
    if (before === leaseName) return;
    if (before) this.claimants.get(before)?.delete(key);
    if (leaseName) {
      this.leaseOf.set(key, leaseName);
      if (!this.claimants.has(leaseName)) this.claimants.set(leaseName, new Set());
      this.claimants.get(leaseName)!.add(key);
    } else {
      this.leaseOf.delete(key);
    }
  }

  private leasesHeldBy(key: string): V1Lease[] {
    const { leases, leaseNamespace, indexes } = this.deps;
    if (!indexes) return leases.list(leaseNamespace).filter((l) => l.spec?.holderIdentity === key);
    return indexes.leasesByHolder
      .get(key)
      .map((name) => leases.get(name, leaseNamespace))
      .filter((l): l is V1Lease => l?.spec?.holderIdentity === key);
  }

  private observeClaims(chatbot: Chatbot, sender: Sender | undefined, now: Date): ClaimsView | undefined {
    const { chatbots, leases, leaseNamespace } = this.deps;
    const key = chatbotKey(chatbot);
    const usable = sender && sender.spec.channel === chatbot.spec?.channel;
    const leaseName = usable ? senderLeaseName(sender) : undefined;
    this.track(key, leaseName);
    if (!leaseName) {
      const held = this.leasesHeldBy(key)[0];
      return held ? { lease: leaseView(held), rivals: [] } : undefined;
    }
    const raw = leases.get(leaseName, leaseNamespace);
    const lease: LeaseView = raw ? leaseView(raw) : { name: leaseName, transitions: 0 };
    const rivals: Claim[] = [];
    for (const k of this.claimantsOf(leaseName)) {
      if (k === key) continue;
      const { namespace, name } = splitKey(k);
      const other = chatbots.get(name, namespace);
      const otherSender = other && this.senderOf(other);
      if (!other || !otherSender || otherSender.spec.channel !== other.spec?.channel) continue;
      if (senderLeaseName(otherSender) !== leaseName) continue;
      const c = claimOf(other, this.errorsOf(other), now);
      if (c) rivals.push(c);
    }
    const view: ClaimsView = { lease, rivals };
    if (lease.holder && lease.holder !== key) {
      const { namespace, name } = splitKey(lease.holder);
      const holder = chatbots.get(name, namespace);
      // A holder deleted and created again under the same name is a new bot: no claim carried over.
      if (holder && !heldByPredecessor(lease, holder)) {
        if (holder.spec?.takeover) view.holderTakeover = holder.spec.takeover;
        // A holder that no longer wants the sender (deactivated, deleted) has no claim left.
        if (lease.claim && claimOf(holder, this.errorsOf(holder), now)) view.holderClaim = lease.claim;
      }
    }
    return view;
  }

  private revisionsOf(chatbot: Chatbot): RevisionInfo[] {
    const { revisions, indexes } = this.deps;
    const ns = chatbot.metadata.namespace ?? '';
    const candidates = indexes
      ? indexes.revisionsByChatbot
          .get(chatbotKey(chatbot))
          .map((k) => revisions.get(splitKey(k).name, ns))
          .filter((r): r is V1ControllerRevision => r !== undefined)
      : revisions.list(ns);
    return candidates
      .filter(
        (r) =>
          r.metadata?.labels?.[REVISION_LABEL] === chatbot.metadata.name &&
          r.metadata?.ownerReferences?.some((o) => o.uid === chatbot.metadata.uid),
      )
      .map((r) => ({ name: r.metadata?.name ?? '', revision: Number(r.revision ?? 0) }));
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    if (key.startsWith(SENDER_KEY_PREFIX)) return this.reconcileSender(key.slice(SENDER_KEY_PREFIX.length));
    const { namespace, name } = splitKey(key);
    const { chatbots, clock, logger, metrics } = this.deps;
    const cached = chatbots.get(name, namespace);
    if (!cached) {
      // Deleted: let go of anything it still held (a Lease survives its holder otherwise).
      this.track(key, undefined);
      const held = this.leasesHeldBy(key);
      // A cache that is behind (a new leader's, say) must not release a live bot's Lease.
      if (held.length > 0 && (await this.liveUid(namespace, name)) !== undefined) return {};
      for (const l of held) await this.writeLease(leaseView(l), { op: 'release' }, undefined);
      return {};
    }
    const chatbot = cached;
    const now = clock.now();
    const sender = this.senderOf(chatbot);
    const issues = this.issuesFor(chatbot, sender);
    const claims = this.observeClaims(chatbot, sender, now);
    const revisions = this.revisionsOf(chatbot);
    const plan = decide({ chatbot, sender, issues, ...(claims ? { claims } : {}), revisions }, now);

    // A Lease still held for a sender this bot no longer uses is released first; one held by a
    // deleted bot of the same name too (confirmed live: the cache may be behind), and then
    // decide again once the cache has the release.
    const current = claims?.lease?.name;
    let predecessor = false;
    for (const l of this.leasesHeldBy(key)) {
      const view = leaseView(l);
      const stale =
        heldByPredecessor(view, chatbot) && (await this.liveUid(namespace, name)) === chatbot.metadata.uid;
      predecessor ||= stale && view.name === current;
      if (stale || view.name !== current) await this.writeLease(view, { op: 'release' }, undefined);
    }
    if (predecessor) return { requeueAfterMs: 500 };

    if (plan.createRevision) await this.createRevision(chatbot, plan.createRevision, revisions);
    if (plan.lease && claims?.lease)
      await this.writeLease(claims.lease, plan.lease, sender, chatbot.metadata.uid);

    const log = {
      namespace,
      name,
      generation: chatbot.metadata.generation,
      state: plan.status.state,
      reason: plan.reason,
    };
    if (!equal(plan.status, chatbot.status ?? {})) {
      await this.patchStatus(PLURAL.Chatbot, chatbot, chatbot.status, plan.status);
      if (plan.status.state !== cached.status?.state && plan.lateEdge) {
        metrics?.scheduleLateness.observe((now.getTime() - plan.lateEdge.getTime()) / 1000);
      }
      for (const ev of plan.events) await this.deps.recorder.record(chatbot, ev);
      logger.info({ ...log, events: plan.events.map((e) => e.reason) }, 'status updated');
    } else {
      logger.debug(log, 'status unchanged');
    }
    for (const r of plan.pruneRevisions) await this.deleteRevision(namespace, r);
    return plan.nextWakeAt ? { requeueAfterMs: Math.max(0, plan.nextWakeAt.getTime() - now.getTime()) } : {};
  }

  /** The uid of the Chatbot as the API server has it now (undefined: not found). */
  private async liveUid(namespace: string, name: string): Promise<string | undefined> {
    try {
      const cb = (await this.deps.clients.custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL.Chatbot,
        name,
      })) as Chatbot;
      return cb.metadata.uid;
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }

  /** Merge-patches /status from `before` to `after`, with a resourceVersion precondition (409: ConflictError). */
  private async patchStatus(
    plural: string,
    obj: { metadata: { namespace?: string; name?: string; resourceVersion?: string } },
    before: object | undefined,
    after: object,
  ) {
    const { namespace = '', name = '' } = obj.metadata;
    const body = {
      metadata: { resourceVersion: obj.metadata.resourceVersion },
      status: jsonMergePatch.generate(before ?? {}, after) ?? {},
    };
    try {
      await this.deps.clients.custom.patchNamespacedCustomObjectStatus(
        { group: GROUP, version: VERSION, namespace, plural, name, body },
        mergePatch(),
      );
    } catch (err) {
      throw this.classify(err, `${plural} ${namespace}/${name} status`);
    }
  }

  private classify(err: unknown, what: string): Error {
    const code = httpStatus(err);
    if (code === 409) return new ConflictError(`${what}: changed by someone else; retrying`);
    return err instanceof Error ? err : new Error(String(err));
  }

  private async createRevision(chatbot: Chatbot, name: string, existing: RevisionInfo[]) {
    const namespace = chatbot.metadata.namespace ?? '';
    const body: V1ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace,
        labels: { [REVISION_LABEL]: chatbot.metadata.name ?? '' },
        ownerReferences: [
          {
            apiVersion: API_VERSION,
            kind: 'Chatbot',
            name: chatbot.metadata.name ?? '',
            uid: chatbot.metadata.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      data: {
        definition: chatbot.spec?.definition,
        channel: chatbot.spec?.channel,
        sessionTimeout: chatbot.spec?.sessionTimeout,
        startKeyword: chatbot.spec?.startKeyword,
      },
      revision: Math.max(0, ...existing.map((r) => r.revision)) + 1,
    };
    try {
      await this.deps.clients.apps.createNamespacedControllerRevision({ namespace, body });
    } catch (err) {
      if (httpStatus(err) !== 409) throw err; // 409: it exists (same content, same name)
    }
  }

  private async deleteRevision(namespace: string, name: string) {
    try {
      await this.deps.clients.apps.deleteNamespacedControllerRevision({ namespace, name });
    } catch (err) {
      if (httpStatus(err) !== 404) throw err;
    }
  }

  /** Writes the sender Lease with a resourceVersion precondition: a 409 means decide again. */
  private async writeLease(view: LeaseView, op: LeaseOp, sender: Sender | undefined, holderUid?: string) {
    const { coordination } = this.deps.clients;
    const namespace = this.deps.leaseNamespace;
    const raw = this.deps.leases.get(view.name, namespace);
    const now = new V1MicroTime(this.deps.clock.now().getTime());
    const base: V1Lease = raw
      ? structuredClone(raw)
      : {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: view.name, namespace, labels: { [LEASE_LABEL]: 'true' } },
          spec: { leaseTransitions: 0 },
        };
    base.metadata ??= {};
    base.spec ??= {};
    const ann = { ...(base.metadata.annotations ?? {}) };
    if (op.op === 'acquire') {
      const changing =
        base.spec.holderIdentity !== op.claim.key || (ann[ANN_HOLDER_UID] ?? holderUid) !== holderUid;
      if (changing) {
        if (base.spec.holderIdentity) base.spec.leaseTransitions = (base.spec.leaseTransitions ?? 0) + 1;
        base.spec.acquireTime = now;
      }
      base.spec.holderIdentity = op.claim.key;
      base.spec.renewTime = now;
      ann[ANN_MOMENT] = rfc3339(op.claim.moment);
      ann[ANN_CREATED] = rfc3339(op.claim.created);
      if (holderUid) ann[ANN_HOLDER_UID] = holderUid;
      if (sender) {
        ann[ANN_CHANNEL] = sender.spec.channel;
        ann[ANN_ADDRESS] = sender.spec.address;
      }
    } else {
      if (!base.spec.holderIdentity || !raw) return;
      delete base.spec.holderIdentity;
      delete ann[ANN_MOMENT];
      delete ann[ANN_CREATED];
      delete ann[ANN_HOLDER_UID];
      base.spec.renewTime = now;
    }
    base.metadata.annotations = ann;
    try {
      if (raw) {
        await coordination.replaceNamespacedLease({ namespace, name: view.name, body: base });
      } else {
        await coordination.createNamespacedLease({ namespace, body: base });
      }
    } catch (err) {
      throw this.classify(err, `Lease ${namespace}/${view.name}`);
    }
  }

  /** Mirrors the sender Lease into Sender.status.holder. */
  private async reconcileSender(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const sender = this.deps.senders.get(name, namespace);
    if (!sender) return {};
    const raw = this.deps.leases.get(senderLeaseName(sender), this.deps.leaseNamespace);
    const holderKey = raw?.spec?.holderIdentity;
    const since = raw?.spec?.acquireTime;
    const holder = holderKey
      ? {
          namespace: splitKey(holderKey).namespace,
          name: splitKey(holderKey).name,
          since: rfc3339(new Date(since ? String(since) : this.deps.clock.now())),
        }
      : undefined;
    const issues = validateSender(sender);
    const errors = issues.filter((i) => i.severity === 'Error');
    const message = validationMessage(issues);
    const now = this.deps.clock.now();
    const conditions = mergeConditions(
      sender.status?.conditions,
      [
        errors.length > 0
          ? { type: 'Ready', status: 'False', reason: 'ValidationFailed', message }
          : holder
            ? { type: 'Ready', status: 'True', reason: 'Held', message: `Held by chatbot ${holderKey}` }
            : {
                type: 'Ready',
                status: 'True',
                reason: 'Available',
                message: 'No active chatbot holds this sender',
              },
        errors.length > 0
          ? { type: 'Validated', status: 'False', reason: 'ValidationFailed', message }
          : { type: 'Validated', status: 'True', reason: 'Valid', message },
      ],
      sender.metadata.generation,
      now,
    );
    const status = {
      ...(sender.metadata.generation !== undefined ? { observedGeneration: sender.metadata.generation } : {}),
      conditions,
      ...(holder ? { holder } : {}),
    };
    if (equal(status, sender.status ?? {})) return {};
    try {
      await this.patchStatus(PLURAL.Sender, sender, sender.status, status);
    } catch (err) {
      if (httpStatus(err) === 404) return {};
      throw err;
    }
    return {};
  }
}
