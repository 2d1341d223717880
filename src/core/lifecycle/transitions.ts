// Step: detect the transitions of a serving bot that are not about its sender. Deactivation: it was
// Active and stops without losing its sender to anyone (by hand, by schedule, deleted, or its
// Sender gone). Redeploy: it keeps serving and a valid change made a new revision.
import { rfc3339 } from '../time.ts';
import type { DecisionContext } from './observed.ts';
import type { SenderClaim } from './sender-claim.ts';
import type { Displacement } from './takeover.ts';

export interface Transitions {
  /** Deactivated now, at this instant (the schedule edge's, so every replica agrees, else now). */
  deactivated?: { at: string };
  /** Redeployed now: `to` serves new sessions, `from` drains. */
  redeployed?: { from: string; to: string };
}

/** It was Active, holds nothing now, and nobody took its sender. */
export function isDeactivation(
  ctx: DecisionContext,
  claim: SenderClaim,
  displacement: Displacement,
): boolean {
  return ctx.wasActive && !claim.holding && !displacement.takenOver && !displacement.preemptedBy;
}

/** It keeps serving and its valid definition is no longer the revision that served. */
export function isRedeploy(ctx: DecisionContext, claim: SenderClaim): boolean {
  const { prev, currentRevision } = ctx;
  return (
    claim.holding &&
    ctx.wasActive &&
    ctx.valid &&
    Boolean(prev.revision) &&
    currentRevision !== undefined &&
    prev.revision !== currentRevision
  );
}

export function detectTransitions(
  ctx: DecisionContext,
  { claim, displacement }: { claim: SenderClaim; displacement: Displacement },
): Transitions {
  const { prev, currentRevision, eff, now } = ctx;
  return {
    ...(isDeactivation(ctx, claim, displacement)
      ? { deactivated: { at: rfc3339(eff.deactivatedBy?.instant ?? now) } }
      : {}),
    ...(isRedeploy(ctx, claim) ? { redeployed: { from: prev.revision!, to: currentRevision! } } : {}),
  };
}
