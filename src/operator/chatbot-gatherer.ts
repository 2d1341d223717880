// Gathering for the Chatbot controller: everything decide() reads, from the informer caches and
// their indexes, in one pass (cert-manager's gatherer). No writes, no decisions.
import type { V1ControllerRevision, V1Lease } from '@kubernetes/client-node';
import { REVISION_LABEL } from '../api/names.ts';
import type { Chatbot, Issue, Sender } from '../api/schema.ts';
import {
  type Claim,
  heldByPredecessor,
  type LeaseView,
  leaseView,
  senderLeaseName,
} from '../core/claims/claim.ts';
import { type ClaimsView, chatbotKey, claimantOf, type Observed } from '../core/lifecycle/decide.ts';
import type { RevisionInfo } from '../core/lifecycle/revisions.ts';
import { validateChatbot } from '../core/validation/index.ts';
import type { Cache } from '../kube/cache.ts';
import { KeyIndex } from '../kube/key-index.ts';
import { splitKey } from '../kube/keys.ts';
import type { SendersByAddress } from '../kube/sender-index.ts';
import { ConfusionChecks } from './confusion-checks.ts';

interface MemoEntry {
  generation: number | undefined;
  senderGeneration: number | undefined;
  senderFound: boolean;
  issues: Issue[];
  /** The hash of the intents whose confusion report was still pending. */
  waitsFor?: string;
}

export interface GathererDeps {
  chatbots: Cache<Chatbot>;
  senders: Cache<Sender>;
  leases: Cache<V1Lease>;
  revisions: Cache<V1ControllerRevision>;
  /** The operator's namespace, where sender Leases live. */
  leaseNamespace: string;
  /** The Senders of each address, and who may use it. */
  addresses: SendersByAddress;
  /** Secondary indexes kept from informer events (without them, the caches are scanned). */
  indexes?: { leasesByHolder: KeyIndex; revisionsByChatbot: KeyIndex };
  /** The runtime's public base URL: entry points then name the QR code URLs. */
  publicUrl?: string;
  /** The confusion check off the event loop; without it the validator runs it inline. */
  confusions?: ConfusionChecks;
}

export class ChatbotGatherer {
  private readonly memo = new Map<string, MemoEntry>();
  /** Chatbot key -> the sender Lease it competes for (kept as bots are gathered). */
  private readonly claimants = new KeyIndex();
  /** Chatbot key -> the hash of intents whose confusion report it waits for. */
  private readonly waiting = new KeyIndex();

  constructor(private readonly deps: GathererDeps) {}

  chatbot(key: string): Chatbot | undefined {
    const { namespace, name } = splitKey(key);
    return this.deps.chatbots.get(name, namespace);
  }

  /** What decide() needs for this chatbot at `now`. */
  observe(chatbot: Chatbot, now: Date): Observed {
    const sender = this.senderOf(chatbot);
    const issues = this.issuesFor(chatbot, sender);
    const claims = this.observeClaims(chatbot, sender, now);
    const revisions = this.revisionsOf(chatbot);
    const { publicUrl, addresses } = this.deps;
    return {
      chatbot,
      sender,
      ...(sender ? { acceptance: addresses.acceptance(sender) } : {}),
      issues,
      ...(claims ? { claims } : {}),
      revisions,
      ...(publicUrl ? { publicUrl } : {}),
    };
  }

  /** Chatbot keys to reconcile when this sender Lease changes. */
  claimantsOf(leaseName: string): string[] {
    return this.claimants.get(leaseName);
  }

  /** A deleted chatbot: drop what was kept for it. */
  forget(chatbot: Chatbot): void {
    if (chatbot.metadata.uid) this.memo.delete(chatbot.metadata.uid);
    this.claimants.set(chatbotKey(chatbot), undefined);
    this.waiting.set(chatbotKey(chatbot), undefined);
  }

  /** Chatbot keys waiting for the confusion report of these intents (to reconcile when it is there). */
  waitingOn(hash: string): string[] {
    return this.waiting.get(hash);
  }

  /** Sender Leases whose holderIdentity is this chatbot key. */
  leasesHeldBy(key: string): V1Lease[] {
    const { leases, leaseNamespace, indexes } = this.deps;
    if (!indexes) return leases.list(leaseNamespace).filter((l) => l.spec?.holderIdentity === key);
    return indexes.leasesByHolder
      .get(key)
      .map((name) => leases.get(name, leaseNamespace))
      .filter((l): l is V1Lease => l?.spec?.holderIdentity === key);
  }

  senderOf(chatbot: Chatbot): Sender | undefined {
    const ref = chatbot.spec?.senderRef?.name;
    return ref ? this.deps.senders.get(ref, chatbot.metadata.namespace ?? '') : undefined;
  }

  /** Validation is pure but not free (intent matching): reuse it while nothing it reads changed. */
  private issuesFor(chatbot: Chatbot, sender: Sender | undefined): Issue[] {
    const uid = chatbot.metadata.uid ?? chatbotKey(chatbot);
    const hit = this.memo.get(uid);
    const generation = chatbot.metadata.generation;
    const senderGeneration = sender?.metadata.generation;
    const { confusions } = this.deps;
    if (
      hit &&
      hit.generation === generation &&
      hit.senderGeneration === senderGeneration &&
      hit.senderFound === (sender !== undefined) &&
      !(hit.waitsFor && confusions?.has(hit.waitsFor))
    ) {
      return hit.issues;
    }
    let waitsFor: string | undefined;
    const issues = validateChatbot(chatbot, {
      findSender: (name) => (name === sender?.metadata.name ? sender : undefined),
      ...(confusions
        ? {
            confusionReport: (intents) => {
              const hash = ConfusionChecks.hashOf(intents);
              const report = confusions.report(intents, hash);
              if (report === 'pending') waitsFor = hash;
              return report;
            },
          }
        : {}),
    });
    this.waiting.set(chatbotKey(chatbot), waitsFor);
    this.memo.set(uid, {
      generation,
      senderGeneration,
      senderFound: sender !== undefined,
      issues,
      ...(waitsFor ? { waitsFor } : {}),
    });
    return issues;
  }

  private errorsOf(chatbot: Chatbot): number {
    return this.issuesFor(chatbot, this.senderOf(chatbot)).filter((i) => i.severity === 'Error').length;
  }

  private observeClaims(chatbot: Chatbot, sender: Sender | undefined, now: Date): ClaimsView | undefined {
    const { chatbots, leases, leaseNamespace } = this.deps;
    const key = chatbotKey(chatbot);
    const usable = sender && sender.spec.channel === chatbot.spec?.channel;
    const leaseName = usable ? senderLeaseName(sender) : undefined;
    this.claimants.set(key, leaseName);
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
      const c = other && this.competingClaim(other, lease, now);
      if (c) rivals.push(c);
    }
    const view: ClaimsView = { lease, rivals };
    if (lease.holder && lease.holder !== key) {
      const { namespace, name } = splitKey(lease.holder);
      const holder = chatbots.get(name, namespace);
      // A holder deleted and created again under the same name is a new bot: no claim carried over.
      if (holder && !heldByPredecessor(lease, holder)) {
        if (holder.spec?.takeover) view.holderTakeover = holder.spec.takeover;
        // A holder that no longer competes (deactivated, deleted, its Sender refused) has no claim left.
        if (lease.claim && this.competingClaim(holder, lease, now)) view.holderClaim = lease.claim;
      }
    }
    return view;
  }

  /**
   * The claim another chatbot competes for this sender's Lease with, by the same rule its own
   * decision applies (claimantOf): undefined when its Sender is not usable for this address.
   */
  private competingClaim(other: Chatbot, lease: LeaseView, now: Date): Claim | undefined {
    const sender = this.senderOf(other);
    const usable =
      sender !== undefined &&
      sender.spec.channel === other.spec?.channel &&
      senderLeaseName(sender) === lease.name &&
      this.deps.addresses.acceptance(sender).accepted;
    const key = chatbotKey(other);
    const holds = lease.holder === key && !heldByPredecessor(lease, other);
    return claimantOf({ chatbot: other, errors: this.errorsOf(other), senderUsable: usable, holds }, now)
      .competes;
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
}
