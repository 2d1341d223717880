// The claim a chatbot makes on its sender: its activation moment, read from the object wherever
// possible so every operator replica computes the same one, and the rule that a preempted bot
// stays preempted until its own next moment (docs/architecture.md, one active chatbot per sender).
// decide() and the reads of other bots' claims (claimOf) both go through here.
import { REACTIVATE_ANNOTATION } from '../../api/names.ts';
import type { Chatbot, ChatbotStatus } from '../../api/schema.ts';
import type { Claim } from '../claims/claim.ts';
import { type DesiredState, effectiveDesiredState } from '../schedule/index.ts';
import { parseTime, rfc3339 } from '../time.ts';

/** namespace/name: how Leases, claims and events name a chatbot. */
export function chatbotKey(cb: Chatbot): string {
  return `${cb.metadata.namespace ?? ''}/${cb.metadata.name ?? ''}`;
}

/**
 * The activation moment a bot claims its sender with, when it wants Active: a schedule edge's
 * instant; the moment recorded while it stays wanted Active; its creationTimestamp when it was
 * created wanting Active; otherwise now, the flip first observed (then also `requestedAt`). A later
 * `chatbots.dev/reactivate` annotation wins over any of these.
 */
export function activationMoment(
  chatbot: Chatbot,
  eff: DesiredState,
  now: Date,
): { moment: Date; requestedAt?: Date } | undefined {
  if (eff.desired !== 'Active') return undefined;
  const prev = chatbot.status?.activation;
  let moment: Date;
  let requestedAt: Date | undefined;
  if (eff.activatedBy) {
    moment = eff.activatedBy.instant; // a schedule edge turned it Active
  } else if (prev?.desired === 'Active' && parseTime(prev.moment)) {
    // Still wanted Active since the last decision: the moment was recorded once, never recomputed.
    moment = parseTime(prev.moment)!;
    requestedAt = parseTime(prev.requestedAt);
  } else if (!prev?.desired) {
    moment = new Date(chatbot.metadata.creationTimestamp ?? now); // created wanting Active
  } else {
    requestedAt = now; // the flip is observed now
    moment = now;
  }
  const re = parseTime(chatbot.metadata.annotations?.[REACTIVATE_ANNOTATION]);
  if (re && re > moment) moment = re;
  return requestedAt ? { moment, requestedAt } : { moment };
}

/** A bot's claim on its sender, and when a manual activation was first observed (if it was one). */
export interface ActivationClaim {
  claim: Claim;
  requestedAt?: Date;
}

/** The claim of a bot that wants Active (the one place a Claim is built), else undefined. */
export function activationClaim(chatbot: Chatbot, eff: DesiredState, now: Date): ActivationClaim | undefined {
  const m = activationMoment(chatbot, eff, now);
  if (!m) return undefined;
  const claim: Claim = {
    key: chatbotKey(chatbot),
    moment: m.moment,
    created: new Date(chatbot.metadata.creationTimestamp ?? now),
  };
  return m.requestedAt ? { claim, requestedAt: m.requestedAt } : { claim };
}

/**
 * A preempted bot stays so until its own next activation moment (no flapping): true when it was
 * preempted (`activation.preemptedBy`) and claims with a moment no later than the one it lost with.
 */
export function isStillPreempted(activation: ChatbotStatus['activation'] | undefined, moment: Date): boolean {
  return Boolean(activation?.preemptedBy && activation.moment && rfc3339(moment) <= activation.moment);
}

/**
 * The claim another replica or another chatbot's reconcile would compute for this bot now, or
 * undefined when it does not compete for its sender (invalid, being deleted, not desired Active,
 * or still preempted at the moment it lost with).
 */
export function claimOf(chatbot: Chatbot, errors: number, now: Date): Claim | undefined {
  if (errors > 0 || chatbot.metadata.deletionTimestamp) return undefined;
  const a = activationClaim(chatbot, effectiveDesiredState(chatbot.spec, now), now);
  if (!a || isStillPreempted(chatbot.status?.activation, a.claim.moment)) return undefined;
  return a.claim;
}
