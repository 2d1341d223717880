// The Chatbot controller's reconciler: gather (caches, one `now`) → decide() (pure, in core) →
// apply the plan (ControllerRevision, sender Lease, status through /status only when it
// changed, events, pruning) → requeue at plan.nextWakeAt. See docs/architecture.md.
//
// No finalizer: a Lease lives in the operator's namespace and cannot be owned by a Chatbot in
// another one, so the operator releases the Leases of holders that are gone (deletion event,
// or the Lease's holder missing from the cache at start-up). `kubectl delete` never waits for
// the operator, and uninstalling it cannot leave namespaces stuck terminating.
import equal from 'fast-deep-equal';
import type { Logger } from 'pino';
import { PLURAL } from '../api/names.ts';
import { heldByPredecessor, leaseView } from '../core/claims/claim.ts';
import { mergeConditions } from '../core/conditions.ts';
import { decide } from '../core/lifecycle/decide.ts';
import type { Clock } from '../kube/clock.ts';
import { splitKey } from '../kube/keys.ts';
import type { ChatbotGatherer } from './chatbot-gatherer.ts';
import type { Reconciler, Result, TerminalError } from './controller.ts';
import type { EventRecorder } from './events.ts';
import type { OperatorMetrics } from './metrics.ts';
import type { Writer } from './writer.ts';

export interface ChatbotReconcilerDeps {
  gatherer: ChatbotGatherer;
  writer: Writer;
  clock: Clock;
  recorder: EventRecorder;
  logger: Logger;
  metrics?: OperatorMetrics;
}

/** How soon a bot is looked at again after the Lease of a deleted predecessor was released. */
const AFTER_PREDECESSOR_RELEASE_MS = 500;

export class ChatbotReconciler implements Reconciler {
  constructor(private readonly deps: ChatbotReconcilerDeps) {}

  async reconcile(key: string): Promise<Result> {
    const { gatherer, writer, clock, logger, metrics } = this.deps;
    const { namespace, name } = splitKey(key);
    const chatbot = gatherer.chatbot(key);
    if (!chatbot) return this.releaseGone(key);
    const now = clock.now();
    const observed = gatherer.observe(chatbot, now);
    const plan = decide(observed, now);

    // A Lease still held for a sender this bot no longer uses is released first; one held by a
    // deleted bot of the same name too (confirmed live: the cache may be behind), and then
    // decide again once the cache has the release.
    const current = observed.claims?.lease?.name;
    let predecessor = false;
    for (const l of gatherer.leasesHeldBy(key)) {
      const view = leaseView(l);
      const stale =
        heldByPredecessor(view, chatbot) && (await writer.liveUid(namespace, name)) === chatbot.metadata.uid;
      predecessor ||= stale && view.name === current;
      if (stale || view.name !== current) await writer.writeLease(view, { op: 'release' }, undefined);
    }
    if (predecessor) return { requeueAfterMs: AFTER_PREDECESSOR_RELEASE_MS };

    if (plan.createRevision)
      await writer.createRevision(chatbot, plan.createRevision, observed.revisions ?? []);
    if (plan.lease && observed.claims?.lease) {
      await writer.writeLease(observed.claims.lease, plan.lease, observed.sender, chatbot.metadata.uid);
    }

    const log = {
      controller: 'chatbot',
      namespace,
      name,
      generation: chatbot.metadata.generation,
      state: plan.status.state,
      reason: plan.reason,
    };
    if (!equal(plan.status, chatbot.status ?? {})) {
      await writer.patchStatus(PLURAL.Chatbot, chatbot, chatbot.status, plan.status);
      if (plan.status.state !== chatbot.status?.state && plan.lateEdge) {
        metrics?.scheduleLateness.observe((now.getTime() - plan.lateEdge.getTime()) / 1000);
      }
      for (const ev of plan.events) await this.deps.recorder.record(chatbot, ev);
      logger.info({ ...log, events: plan.events.map((e) => e.reason) }, 'status updated');
    } else {
      logger.debug(log, 'status unchanged');
    }
    for (const r of plan.pruneRevisions) await writer.deleteRevision(namespace, r);
    return plan.nextWakeAt ? { requeueAfterMs: Math.max(0, plan.nextWakeAt.getTime() - now.getTime()) } : {};
  }

  /** Deleted: let go of anything it still held (a Lease survives its holder otherwise). */
  private async releaseGone(key: string): Promise<Result> {
    const { gatherer, writer } = this.deps;
    const { namespace, name } = splitKey(key);
    const held = gatherer.leasesHeldBy(key);
    // A cache that is behind (a new leader's, say) must not release a live bot's Lease.
    if (held.length > 0 && (await writer.liveUid(namespace, name)) !== undefined) return {};
    for (const l of held) await writer.writeLease(leaseView(l), { op: 'release' }, undefined);
    return {};
  }

  /**
   * The apiserver refused a write for good: say so where users look. A Warning event, and
   * Stalled=True with the apiserver's message (best effort: the status write may be what was
   * refused). The bot is reconciled again when it changes.
   */
  async reportTerminal(key: string, err: TerminalError): Promise<void> {
    const { gatherer, writer, recorder, clock } = this.deps;
    const chatbot = gatherer.chatbot(key);
    if (!chatbot) return;
    // Said already: every later change of the bot (a runtime's status.sessions, a resync) runs the
    // failing reconcile again, and must not add one more event each time.
    const stalled = chatbot.status?.conditions?.find((c) => c.type === 'Stalled');
    if (stalled?.status === 'True' && stalled.reason === 'ReconcileError' && stalled.message === err.message)
      return;
    await recorder.record(chatbot, {
      type: 'Warning',
      reason: 'ReconcileError',
      action: 'Reconcile',
      note: err.message,
    });
    const conditions = mergeConditions(
      chatbot.status?.conditions,
      [{ type: 'Stalled', status: 'True', reason: 'ReconcileError', message: err.message }],
      chatbot.metadata.generation,
      clock.now(),
    );
    const others = (chatbot.status?.conditions ?? []).filter((c) => c.type !== 'Stalled');
    const status = { ...chatbot.status, conditions: [...others, ...conditions] };
    await writer.patchStatus(PLURAL.Chatbot, chatbot, chatbot.status, status);
  }
}
