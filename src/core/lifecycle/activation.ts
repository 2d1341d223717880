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

/** What decides whether a chatbot competes for its sender, as any reconcile can observe it. */
export interface ClaimantFacts {
  chatbot: Chatbot;
  /** Validation errors of its current generation. */
  errors: number;
  /**
   * Its Sender exists, is on its channel, is accepted for the address (ownership.ts) and the
   * sender's Lease was observed.
   */
  senderUsable: boolean;
  /** The sender's Lease names this bot (not a predecessor of the same name) as its holder. */
  holds: boolean;
  /** The effective desired state now, when the caller computed it already. */
  eff?: DesiredState;
}

/** A chatbot as a claimant of its sender: the one rule every reconcile applies to every bot. */
export interface Claimant {
  /** Desired Active now, not being deleted, with a usable Sender. */
  wantsActive: boolean;
  /** Invalid, but holds the sender with a revision: an invalid change never deactivates. */
  keepServing: boolean;
  /** Its claim, when it wants the sender and may have it (valid, or keepServing). */
  activation: ActivationClaim | undefined;
  /** Lost the sender earlier and claims with no later moment: it stays preempted. */
  stillPreempted: boolean;
  /** The claim it competes with (what rivals compare against), or undefined: it does not compete. */
  competes: Claim | undefined;
}

/**
 * The claim rule, written once (docs/architecture.md, "One active chatbot per sender"): a bot
 * competes for its sender when it wants Active with a usable Sender, is valid or keeps serving its
 * last valid revision while it holds the sender, and is not still preempted at the moment it lost
 * with. Its own decision and every rival's read of it go through here, so an invalid holder is a
 * claimant for both.
 */
export function claimantOf(facts: ClaimantFacts, now: Date): Claimant {
  const { chatbot, errors, senderUsable, holds } = facts;
  const eff = facts.eff ?? effectiveDesiredState(chatbot.spec, now);
  const wantsActive = !chatbot.metadata.deletionTimestamp && eff.desired === 'Active' && senderUsable;
  const keepServing = errors > 0 && wantsActive && holds && Boolean(chatbot.status?.revision);
  const activation =
    wantsActive && (errors === 0 || keepServing) ? activationClaim(chatbot, eff, now) : undefined;
  const stillPreempted =
    activation !== undefined &&
    !holds &&
    isStillPreempted(chatbot.status?.activation, activation.claim.moment);
  return {
    wantsActive,
    keepServing,
    activation,
    stillPreempted,
    competes: activation && !stillPreempted ? activation.claim : undefined,
  };
}
