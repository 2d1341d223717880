// Step: the events of a decision, one per transition, in the order they happened: validation,
// takeover, drains started and ended, activation, deactivation, redeploy, next schedule edge.
import type { ChatbotState } from '../../api/schema.ts';
import { formatNext } from '../schedule/index.ts';
import { rfc3339 } from '../time.ts';
import { becameActive } from './chatbot-status.ts';
import type { DrainPlan } from './drains.ts';
import type { DecisionContext } from './observed.ts';
import type { PlannedEvent } from './plan.ts';
import { EventAction, EventReason } from './reasons.ts';
import type { Displacement } from './takeover.ts';
import type { Transitions } from './transitions.ts';

export interface EventFacts {
  state: ChatbotState;
  reason: string;
  displacement: Displacement;
  transitions: Transitions;
  drains: DrainPlan;
}

export function plannedEvents(ctx: DecisionContext, facts: EventFacts): PlannedEvent[] {
  const { displacement, drains } = facts;
  return [
    validationEvent(ctx, facts.state),
    displacement.event,
    ...drains.started.map(
      (d): PlannedEvent => ({
        type: 'Normal',
        reason: EventReason.DrainStarted,
        action: EventAction.Drain,
        note: `Open sessions on revision ${d.revision} may finish until ${d.until} (${d.reason})`,
      }),
    ),
    ...drains.ended.map(
      (d): PlannedEvent => ({
        type: 'Normal',
        reason: EventReason.DrainEnded,
        action: EventAction.Drain,
        note: `Sessions on revision ${d.revision} closed (${d.reason}: ${d.why})`,
      }),
    ),
    activatedEvent(ctx, facts.state),
    deactivatedEvent(facts),
    redeployedEvent(facts.transitions),
    scheduledEvent(ctx),
  ].filter((e): e is PlannedEvent => e !== undefined);
}

/**
 * A new bot that is valid and activates at once gets one event (Activated names the validation
 * result): events cost API writes, and this is the common case at scale.
 */
export function validationFoldsIntoActivated(ctx: DecisionContext, state: ChatbotState): boolean {
  return ctx.valid && becameActive(ctx, state) && ctx.prev.observedGeneration === undefined;
}

/** Validated or ValidationFailed, for a new generation or a changed result (a Sender appeared). */
export function validationEvent(ctx: DecisionContext, state: ChatbotState): PlannedEvent | undefined {
  const { prev, generation, errors, message } = ctx;
  const changed = prev.observedGeneration !== generation || prev.validation?.errors !== errors;
  if (!changed || validationFoldsIntoActivated(ctx, state)) return undefined;
  if (ctx.valid) {
    return {
      type: 'Normal',
      reason: EventReason.Validated,
      action: EventAction.Validate,
      note: `Generation ${generation}: ${message}`,
    };
  }
  return {
    type: 'Warning',
    reason: EventReason.ValidationFailed,
    action: EventAction.Validate,
    note: ctx.keepServing ? `${message} (revision ${prev.revision} keeps serving)` : message,
  };
}

export function activatedEvent(ctx: DecisionContext, state: ChatbotState): PlannedEvent | undefined {
  if (!becameActive(ctx, state)) return undefined;
  const how = ctx.eff.activatedBy ? 'by schedule' : 'by hand';
  const claim = ctx.activation?.claim;
  const moment = claim ? ` (activation moment ${rfc3339(claim.moment)})` : '';
  const validation = validationFoldsIntoActivated(ctx, state)
    ? `; generation ${ctx.generation}: ${ctx.message}`
    : '';
  return {
    type: 'Normal',
    reason: EventReason.Activated,
    action: EventAction.Activate,
    note: `Activated ${how}${moment}${validation}`,
  };
}

export function deactivatedEvent({
  state,
  reason,
  transitions,
}: Pick<EventFacts, 'state' | 'reason' | 'transitions'>): PlannedEvent | undefined {
  if (!transitions.deactivated) return undefined;
  return {
    type: 'Normal',
    reason: EventReason.Deactivated,
    action: EventAction.Deactivate,
    note: `Now ${state}: ${reason}`,
  };
}

export function redeployedEvent(transitions: Transitions): PlannedEvent | undefined {
  const r = transitions.redeployed;
  if (!r) return undefined;
  return {
    type: 'Normal',
    reason: EventReason.Redeployed,
    action: EventAction.Redeploy,
    note: `Revision ${r.to} serves new sessions; ${r.from} drains`,
  };
}

/** The next schedule edge changed (a new one after an edge passed, or a schedule edit). */
export function scheduledEvent(ctx: DecisionContext): PlannedEvent | undefined {
  const next = ctx.eff.next;
  if (!next) return undefined;
  const prev = ctx.prev.schedule;
  if (prev?.nextAt === rfc3339(next.instant) && prev?.nextAction === next.kind) return undefined;
  return {
    type: 'Normal',
    reason: EventReason.Scheduled,
    action: EventAction.Schedule,
    note: formatNext(next),
  };
}
