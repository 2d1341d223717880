// Step: the conditions of a Chatbot, in a stable order: kstatus Ready, Reconciling and Stalled
// (what Argo CD, Flux and `kubectl wait` read), then Validated, SenderBound and Scheduled.
import type { ChatbotState } from '../../api/schema.ts';
import { refusalMessage } from '../claims/ownership.ts';
import type { ConditionInput } from '../conditions.ts';
import { formatNext } from '../schedule/index.ts';
import { rfc3339 } from '../time.ts';
import type { Drain } from './drains.ts';
import type { DecisionContext } from './observed.ts';
import {
  ConditionType,
  ReadyReason,
  ReconcilingReason,
  ScheduledReason,
  SenderBoundReason,
  StalledReason,
  ValidatedReason,
} from './reasons.ts';

export interface ConditionFacts {
  state: ChatbotState;
  holding: boolean;
  preemptedBy: string | undefined;
  draining: readonly Drain[];
}

export function chatbotConditions(ctx: DecisionContext, facts: ConditionFacts): ConditionInput[] {
  return [
    readyCondition(ctx, facts),
    reconcilingCondition(facts),
    stalledCondition(ctx, facts),
    validatedCondition(ctx),
    senderBoundCondition(ctx, facts),
    scheduledCondition(ctx),
  ];
}

export function readyCondition(
  ctx: DecisionContext,
  { state, preemptedBy }: Pick<ConditionFacts, 'state' | 'preemptedBy'>,
): ConditionInput {
  const ready = (status: 'True' | 'False', reason: string, message: string): ConditionInput => ({
    type: ConditionType.Ready,
    status,
    reason,
    message,
  });
  if (!ctx.valid) return ready('False', ReadyReason.ValidationFailed, ctx.message);
  const refusal = refusedWhileWanted(ctx);
  if (refusal && state !== 'Draining') return ready('False', ReadyReason.SenderNotAccepted, refusal);
  switch (state) {
    case 'Active':
      return ready('True', ReadyReason.Active, 'Active and serving');
    case 'Draining':
      return ready('False', ReadyReason.Draining, 'Open sessions are draining');
    case 'Preempted':
      return ready(
        'False',
        ReadyReason.Preempted,
        `Sender held by ${preemptedBy}; set the annotation chatbots.dev/reactivate to claim it again`,
      );
    case 'Scheduled': {
      const next = ctx.eff.next;
      return ready(
        'True',
        ReadyReason.Scheduled,
        next ? `Inactive until ${rfc3339(next.instant)}` : 'Inactive',
      );
    }
    case 'Inactive':
      return ready('True', ReadyReason.Inactive, 'Inactive');
    default:
      // Invalid: not reached, an invalid bot is not ready (above).
      return ready('True', state, state);
  }
}

export function reconcilingCondition({
  state,
  draining,
}: Pick<ConditionFacts, 'state' | 'draining'>): ConditionInput {
  if (state !== 'Draining') {
    return {
      type: ConditionType.Reconciling,
      status: 'False',
      reason: ReconcilingReason.Reconciled,
      message: 'Status is up to date',
    };
  }
  return {
    type: ConditionType.Reconciling,
    status: 'True',
    reason: ReconcilingReason.Draining,
    message: draining.map((d) => `${d.revision} until ${d.until} (${d.reason})`).join('; '),
  };
}

/**
 * The refusal message when the bot wants Active but its Sender's address belongs to another
 * namespace that has not granted this one (core/claims/ownership.ts), else undefined.
 */
export function refusedWhileWanted(ctx: DecisionContext): string | undefined {
  const a = ctx.acceptance;
  if (!a || a.accepted || !ctx.sender || ctx.eff.desired !== 'Active' || ctx.deleting) return undefined;
  return refusalMessage(ctx.sender, a);
}

export function stalledCondition(
  ctx: DecisionContext,
  facts?: Pick<ConditionFacts, 'state'>,
): ConditionInput {
  const refusal = ctx.valid ? refusedWhileWanted(ctx) : undefined;
  if (refusal) {
    return {
      type: ConditionType.Stalled,
      status: 'True',
      reason: StalledReason.AddressOwnedElsewhere,
      message: refusal,
    };
  }
  // Preempted waits for a person (or its own next activation moment): kstatus calls that
  // Stalled, so Flux reports Failed instead of waiting for ever (docs/architecture.md, GitOps).
  if (ctx.valid && facts?.state === 'Preempted') {
    return {
      type: ConditionType.Stalled,
      status: 'True',
      reason: StalledReason.Preempted,
      message:
        'Another chatbot holds the sender; set the annotation chatbots.dev/reactivate to claim it again',
    };
  }
  return ctx.valid
    ? {
        type: ConditionType.Stalled,
        status: 'False',
        reason: StalledReason.Reconciled,
        message: 'Not stalled',
      }
    : {
        type: ConditionType.Stalled,
        status: 'True',
        reason: StalledReason.ValidationFailed,
        message: `Fix the manifest: ${ctx.message}`,
      };
}

export function validatedCondition(ctx: Pick<DecisionContext, 'valid' | 'message'>): ConditionInput {
  return ctx.valid
    ? { type: ConditionType.Validated, status: 'True', reason: ValidatedReason.Valid, message: ctx.message }
    : {
        type: ConditionType.Validated,
        status: 'False',
        reason: ValidatedReason.ValidationFailed,
        message: ctx.message,
      };
}

export function senderBoundCondition(
  ctx: DecisionContext,
  { state, holding, preemptedBy }: Pick<ConditionFacts, 'state' | 'holding' | 'preemptedBy'>,
): ConditionInput {
  const bound = (status: 'True' | 'False', reason: string, message: string): ConditionInput => ({
    type: ConditionType.SenderBound,
    status,
    reason,
    message,
  });
  if (holding)
    return bound('True', SenderBoundReason.Bound, `Holds Sender ${ctx.spec.senderRef?.name ?? ''}`);
  if (ctx.sender && ctx.acceptance && !ctx.acceptance.accepted) {
    return bound('False', SenderBoundReason.SenderNotAccepted, refusalMessage(ctx.sender, ctx.acceptance));
  }
  if (!ctx.senderUsable) {
    return bound(
      'False',
      SenderBoundReason.SenderUnavailable,
      'The Sender is missing or its channel differs',
    );
  }
  if (preemptedBy) return bound('False', SenderBoundReason.HeldByOther, `Sender held by ${preemptedBy}`);
  return bound('False', SenderBoundReason.NotActive, `The chatbot is ${state}`);
}

export function scheduledCondition(ctx: DecisionContext): ConditionInput {
  const next = ctx.eff.next;
  if (!next) {
    return {
      type: ConditionType.Scheduled,
      status: 'False',
      reason: ScheduledReason.NothingScheduled,
      message: 'No future schedule edge',
    };
  }
  return {
    type: ConditionType.Scheduled,
    status: 'True',
    reason: next.kind === 'Activate' ? ScheduledReason.NextActivate : ScheduledReason.NextDeactivate,
    message: formatNext(next),
  };
}
