// The reconcile decision for one Chatbot: a pure function of what was observed and `now`, made as
// a chain of named steps over one read-only context (docs/architecture.md, the lifecycle). The
// operator shell reads the caches, calls decide(), then applies the plan (ControllerRevision,
// sender Lease, status, events) and requeues at plan.nextWakeAt.
import { chatbotStatus } from './chatbot-status.ts';
import { type Drain, planDrains } from './drains.ts';
import { plannedEvents } from './events.ts';
import { contextOf, type DecisionContext, type Observed } from './observed.ts';
import type { Plan } from './plan.ts';
import { ownedRevisions } from './revisions.ts';
import { claimTheSender } from './sender-claim.ts';
import { stateAndReason } from './state.ts';
import { noticeTakeover } from './takeover.ts';
import { detectTransitions } from './transitions.ts';

export { validationMessage } from '../validation/status.ts';
export { activationMoment, chatbotKey, claimantOf } from './activation.ts';
export type { ClaimsView, Observed } from './observed.ts';
export type { LeaseOp, Plan, PlannedEvent } from './plan.ts';

export function decide(obs: Observed, now: Date): Plan {
  const ctx = contextOf(obs, now);
  const claim = claimTheSender(ctx);
  const displacement = noticeTakeover(ctx, claim);
  const transitions = detectTransitions(ctx, { claim, displacement });
  const drains = planDrains(ctx, { claim, displacement, transitions });
  const { state, reason } = stateAndReason(ctx, { claim, displacement, transitions, drains });
  const facts = {
    state,
    holding: claim.holding,
    preemptedBy: displacement.preemptedBy,
    transitions,
    draining: drains.draining,
  };
  const { createRevision, pruneRevisions } = ownedRevisions(ctx, drains.draining);
  const nextWakeAt = nextWake(ctx, drains.draining);
  return {
    status: chatbotStatus(ctx, facts),
    events: plannedEvents(ctx, { state, reason, displacement, transitions, drains }),
    reason,
    pruneRevisions,
    ...(nextWakeAt ? { nextWakeAt } : {}),
    ...(ctx.eff.lastEdge ? { lateEdge: ctx.eff.lastEdge.instant } : {}),
    ...(claim.lease ? { lease: claim.lease } : {}),
    ...(createRevision ? { createRevision } : {}),
  };
}

/** When to decide again: the next schedule edge or the first drain deadline, whichever is sooner. */
export function nextWake(ctx: Pick<DecisionContext, 'eff'>, draining: readonly Drain[]): Date | undefined {
  const wakes = [ctx.eff.next?.instant, ...draining.map((d) => new Date(d.until))].filter(
    (d): d is Date => d !== undefined,
  );
  return wakes.length ? new Date(Math.min(...wakes.map((d) => d.getTime()))) : undefined;
}
