// Steps: the activation record, the schedule block, and the whole status a decision writes
// (status.sessions stays the runtime's: carried over untouched).
import type { ChatbotState, ChatbotStatus } from '../../api/schema.ts';
import { mergeConditions } from '../conditions.ts';
import { formatNext } from '../schedule/index.ts';
import { rfc3339 } from '../time.ts';
import { validationStatus } from '../validation/status.ts';
import { activationMoment } from './activation.ts';
import { chatbotConditions } from './chatbot-conditions.ts';
import type { Drain } from './drains.ts';
import { entryPointsFor } from './entry-points.ts';
import type { DecisionContext } from './observed.ts';
import type { Transitions } from './transitions.ts';

export type Activation = NonNullable<ChatbotStatus['activation']>;

/** It is Active now and was not after the last decision. */
export function becameActive(ctx: DecisionContext, state: ChatbotState): boolean {
  return state === 'Active' && !ctx.wasActive;
}

/**
 * status.activation: the desired state, the claim's moment (and requestedAt, recorded once), who
 * preempts it, and when it last became Active and stopped being so.
 */
export function activationRecord(
  ctx: DecisionContext,
  facts: { state: ChatbotState; holding: boolean; preemptedBy: string | undefined; transitions: Transitions },
): Activation {
  const { state, holding, preemptedBy, transitions } = facts;
  const { now, prevActivation: prev, activation: claimed } = ctx;
  // The moment is recorded whenever the bot wants Active, also while it cannot claim (invalid, or
  // its Sender not in the cache yet): it is read from the object once, and a replica that first
  // saw the bot invalid must not record a later moment than one that saw it valid.
  const unclaimed = claimed ? undefined : activationMoment(ctx.chatbot, ctx.eff, now);
  const moment = claimed?.claim.moment ?? unclaimed?.moment;
  const requestedAt = claimed ? claimed.requestedAt : unclaimed?.requestedAt;
  const activatedAt = becameActive(ctx, state) ? rfc3339(now) : prev.activatedAt;
  const deactivatedAt =
    (transitions.deactivated ? transitions.deactivated.at : prev.deactivatedAt) ||
    (state !== 'Active' && ctx.wasActive ? rfc3339(now) : undefined);
  return {
    desired: ctx.eff.desired,
    ...(moment ? { moment: rfc3339(moment) } : {}),
    ...(requestedAt ? { requestedAt: rfc3339(requestedAt) } : {}),
    ...(preemptedBy && !holding ? { preemptedBy } : {}),
    ...(activatedAt ? { activatedAt } : {}),
    ...(deactivatedAt ? { deactivatedAt } : {}),
  };
}

/** status.schedule: the next edge that flips the desired state, if one is coming. */
export function scheduleStatus(ctx: DecisionContext): ChatbotStatus['schedule'] {
  const next = ctx.eff.next;
  return next ? { nextAction: next.kind, nextAt: rfc3339(next.instant), next: formatNext(next) } : undefined;
}

export interface StatusFacts {
  state: ChatbotState;
  holding: boolean;
  preemptedBy: string | undefined;
  transitions: Transitions;
  draining: Drain[];
}

/** Where the runtime serves this bot's QR codes: {publicUrl}/entry/{namespace}/{name}. */
export function qrBase(
  publicUrl: string | undefined,
  chatbot: DecisionContext['chatbot'],
): string | undefined {
  if (!publicUrl) return undefined;
  const ns = encodeURIComponent(chatbot.metadata.namespace ?? '');
  return `${publicUrl.replace(/\/+$/, '')}/entry/${ns}/${encodeURIComponent(chatbot.metadata.name ?? '')}`;
}

export function chatbotStatus(ctx: DecisionContext, facts: StatusFacts): ChatbotStatus {
  const { prev, generation, sender, now } = ctx;
  const { state, draining } = facts;
  const schedule = scheduleStatus(ctx);
  const entryPoints =
    state === 'Active' && sender
      ? entryPointsFor(sender, ctx.spec.startKeyword, qrBase(ctx.publicUrl, ctx.chatbot))
      : undefined;
  return {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    state,
    conditions: mergeConditions(prev.conditions, chatbotConditions(ctx, facts), generation, now),
    validation: validationStatus(ctx.issues),
    activation: activationRecord(ctx, facts),
    ...(ctx.revision ? { revision: ctx.revision } : {}),
    ...(draining.length > 0 ? { draining } : {}),
    ...(schedule ? { schedule } : {}),
    ...(entryPoints ? { entryPoints } : {}),
    ...(prev.sessions ? { sessions: prev.sessions } : {}), // the runtime's field
  };
}
