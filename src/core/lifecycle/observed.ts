// What decide() reads: the world as the operator shell observed it (Observed), and the facts
// derived from it once (DecisionContext) that every step of the decision shares, read-only.
import type { Chatbot, ChatbotSpec, ChatbotStatus, Issue, Sender } from '../../api/schema.ts';
import type { Claim, LeaseView } from '../claims/claim.ts';
import type { Acceptance } from '../claims/ownership.ts';
import { type DesiredState, effectiveDesiredState } from '../schedule/index.ts';
import { summarize, validationMessage } from '../validation/status.ts';
import { type ActivationClaim, chatbotKey, claimantOf } from './activation.ts';
import { type RevisionInfo, revisionName } from './revisions.ts';

export interface ClaimsView {
  /** The Lease standing for the sender (absent: nobody ever claimed it). */
  lease?: LeaseView;
  /** The holder's own claim, when the holder is another chatbot that still wants the sender. */
  holderClaim?: Claim;
  /** spec.takeover of the holder: what happens to this bot when the holder displaced it. */
  holderTakeover?: { mode?: string; gracePeriod?: string };
  /** Claims of the other chatbots that want the same sender now (valid, desired Active). */
  rivals: Claim[];
}

export interface Observed {
  chatbot: Chatbot;
  /** The Sender named by spec.senderRef, if it exists. */
  sender: Sender | undefined;
  /** Whether that Sender may use its address (ownership.ts); absent: not judged (accepted). */
  acceptance?: Acceptance;
  /** Issues of the current generation (the shell memoizes validateChatbot). */
  issues: Issue[];
  /** The sender's Lease and competing claims; absent when there is no usable sender. */
  claims?: ClaimsView;
  /** ControllerRevisions this chatbot owns. */
  revisions?: RevisionInfo[];
  /** The runtime's public base URL (the operator's --public-url): entry points then name QR URLs. */
  publicUrl?: string;
}

/** The facts every decision step reads: computed once from Observed and now, never changed. */
export interface DecisionContext {
  readonly now: Date;
  readonly chatbot: Chatbot;
  readonly sender: Sender | undefined;
  readonly claims: ClaimsView | undefined;
  /** namespace/name of this chatbot. */
  readonly me: string;
  readonly spec: Readonly<Partial<ChatbotSpec>>;
  /** The runtime's public base URL, if configured. */
  readonly publicUrl: string | undefined;
  /** The status as the last decision wrote it (empty for a new bot). */
  readonly prev: Readonly<ChatbotStatus>;
  readonly prevActivation: Readonly<NonNullable<ChatbotStatus['activation']>>;
  readonly generation: number | undefined;
  readonly issues: readonly Issue[];
  readonly errors: number;
  /** No errors: nothing blocks activation (warnings never do). */
  readonly valid: boolean;
  /** The validation message of the conditions and events ("1 error; first: ..."). */
  readonly message: string;
  readonly deleting: boolean;
  /** The effective desired state now (spec.state, then the schedule). */
  readonly eff: DesiredState;
  readonly lease: LeaseView | undefined;
  /** The Lease names this bot as its holder. */
  readonly heldBefore: boolean;
  /** The last decision left it Active. */
  readonly wasActive: boolean;
  /** Whether the Sender may use its address (absent: no Sender, or not judged). */
  readonly acceptance: Acceptance | undefined;
  /** The Sender exists, is on the bot's channel, is accepted for its address, and its Lease was observed. */
  readonly senderUsable: boolean;
  /** It wants to hold its sender now: desired Active, not being deleted, with a usable Sender. */
  readonly wantsActive: boolean;
  /** Invalid, but held the sender with a revision: an invalid change never deactivates. */
  readonly keepServing: boolean;
  /** Its claim on the sender, when it competes for it (wants Active, and valid or keepServing). */
  readonly activation: ActivationClaim | undefined;
  /** Lost the sender earlier and claims with no later moment: it stays preempted. */
  readonly stillPreempted: boolean;
  /** The revision of the current definition, when it is valid. */
  readonly currentRevision: string | undefined;
  /** The serving revision: the current one, else the last valid one. */
  readonly revision: string | undefined;
  /** The ControllerRevisions this bot owns. */
  readonly knownRevisions: readonly RevisionInfo[];
}

/** Derives the shared facts of one decision. */
export function contextOf(obs: Observed, now: Date): DecisionContext {
  const { chatbot, sender, issues, claims } = obs;
  const me = chatbotKey(chatbot);
  const spec = chatbot.spec ?? {};
  const prev = chatbot.status ?? {};
  const prevActivation = prev.activation ?? {};
  const { errors } = summarize(issues);
  const valid = errors === 0;
  const deleting = Boolean(chatbot.metadata.deletionTimestamp);
  const eff = effectiveDesiredState(spec, now);
  const lease = claims?.lease;
  const heldBefore = lease?.holder === me;
  const senderUsable =
    sender !== undefined &&
    sender.spec.channel === spec.channel &&
    claims !== undefined &&
    obs.acceptance?.accepted !== false;
  const { wantsActive, keepServing, activation, stillPreempted } = claimantOf(
    { chatbot, errors, senderUsable, holds: heldBefore, eff },
    now,
  );
  const currentRevision = valid ? revisionName(chatbot.metadata.name ?? '', spec.definition) : undefined;
  return {
    now,
    publicUrl: obs.publicUrl,
    chatbot,
    sender,
    claims,
    me,
    spec,
    prev,
    prevActivation,
    generation: chatbot.metadata.generation,
    issues,
    errors,
    valid,
    message: validationMessage(issues),
    deleting,
    eff,
    lease,
    heldBefore,
    wasActive: prev.state === 'Active',
    acceptance: obs.acceptance,
    senderUsable,
    wantsActive,
    keepServing,
    activation,
    stillPreempted,
    currentRevision,
    revision: currentRevision ?? prev.revision,
    knownRevisions: obs.revisions ?? [],
  };
}
