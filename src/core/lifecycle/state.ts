// Step: the state and its reason. Holding the sender means Active; otherwise a drain other than a
// redeploy's means Draining; then Preempted, Invalid, Scheduled, and Inactive last.
import type { ChatbotState } from '../../api/schema.ts';
import type { DrainPlan } from './drains.ts';
import type { DecisionContext } from './observed.ts';
import { DrainReason, StateReason } from './reasons.ts';
import type { SenderClaim } from './sender-claim.ts';
import type { Displacement } from './takeover.ts';
import type { Transitions } from './transitions.ts';

export interface StateAndReason {
  state: ChatbotState;
  reason: StateReason;
}

export function stateAndReason(
  ctx: DecisionContext,
  parts: { claim: SenderClaim; displacement: Displacement; transitions: Transitions; drains: DrainPlan },
): StateAndReason {
  const s = stateOf(ctx, parts);
  // A redeploy happens to a serving bot: it stays Active, and the log line says why it changed.
  return parts.transitions.redeployed ? { state: s.state, reason: StateReason.Redeployed } : s;
}

function stateOf(
  ctx: DecisionContext,
  { claim, displacement, drains }: { claim: SenderClaim; displacement: Displacement; drains: DrainPlan },
): StateAndReason {
  const { eff } = ctx;
  if (claim.holding) return { state: 'Active', reason: activeReason(ctx) };
  if (drains.draining.some((d) => d.reason !== DrainReason.Redeploy)) {
    const displaced = displacement.takenOver || displacement.preemptedBy;
    return { state: 'Draining', reason: displaced ? StateReason.TakenOver : StateReason.Deactivated };
  }
  if (displacement.preemptedBy && ctx.wantsActive)
    return { state: 'Preempted', reason: StateReason.Preempted };
  if (!ctx.valid) return { state: 'Invalid', reason: StateReason.ValidationFailed };
  if (eff.next?.kind === 'Activate') return { state: 'Scheduled', reason: StateReason.WaitingForActivation };
  return {
    state: 'Inactive',
    reason: eff.deactivatedBy ? StateReason.ScheduledDeactivation : StateReason.Inactive,
  };
}

function activeReason(ctx: DecisionContext): StateReason {
  if (ctx.keepServing) return StateReason.ServingLastValidRevision;
  return ctx.eff.activatedBy ? StateReason.ScheduledActivation : StateReason.ManualActivation;
}
