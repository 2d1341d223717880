// Every reason the lifecycle decision gives a user: why a chatbot is in its state (the decision
// log line), the reasons of its conditions (`kubectl describe`), and of its events
// (`kubectl get events`). Values are stable: tools and users match on them. See
// docs/architecture.md for the lifecycle they describe.

/** Why a chatbot is in its state: `plan.reason`, one word on the operator's decision log line. */
export const StateReason = {
  /** Active: it was set Active by hand (spec.state or the reactivate annotation) and holds its sender. */
  ManualActivation: 'ManualActivation',
  /** Active: a schedule edge (activateAt or a window) turned it Active and it holds its sender. */
  ScheduledActivation: 'ScheduledActivation',
  /** Active: the last edit is invalid, so the last valid revision keeps serving. */
  ServingLastValidRevision: 'ServingLastValidRevision',
  /** Active: a valid edit made a new revision; the previous one drains. */
  Redeployed: 'Redeployed',
  /** Draining: another chatbot took its sender; open sessions finish during the grace period. */
  TakenOver: 'TakenOver',
  /** Draining: deactivated (by hand or by schedule); open sessions finish during deactivation.gracePeriod. */
  Deactivated: 'Deactivated',
  /** Preempted: it wants Active, but a chatbot with a later activation holds the sender. */
  Preempted: 'Preempted',
  /** Invalid: the manifest has errors; fix them to activate it. */
  ValidationFailed: 'ValidationFailed',
  /** Scheduled: inactive until its next scheduled activation. */
  WaitingForActivation: 'WaitingForActivation',
  /** Inactive: a schedule edge (deactivateAt or a window's end) turned it Inactive. */
  ScheduledDeactivation: 'ScheduledDeactivation',
  /** Inactive: spec.state is Inactive and no schedule says otherwise. */
  Inactive: 'Inactive',
} as const;
export type StateReason = (typeof StateReason)[keyof typeof StateReason];

/** The condition types of a Chatbot (kstatus Ready, Reconciling, Stalled; then our own) and a Sender. */
export const ConditionType = {
  /** The object is what its spec asks for (kstatus): `kubectl wait --for=condition=Ready`. */
  Ready: 'Ready',
  /** The operator is still moving it towards its spec: sessions are draining (kstatus). */
  Reconciling: 'Reconciling',
  /** Progress needs a change by the user: the manifest has errors (kstatus). */
  Stalled: 'Stalled',
  /** The validation result of the current generation. */
  Validated: 'Validated',
  /** Whether the chatbot holds its Sender's Lease. */
  SenderBound: 'SenderBound',
  /** Whether a schedule edge is coming, and which. */
  Scheduled: 'Scheduled',
  /** A Sender's: whether it may use its address (the oldest Sender's namespace owns it, others need a grant). */
  Accepted: 'Accepted',
} as const;

/** Reasons of a Chatbot's Ready condition. */
export const ReadyReason = {
  /** True: Active and serving new conversations. */
  Active: 'Active',
  /** True: Inactive, as asked. */
  Inactive: 'Inactive',
  /** True: inactive until the next scheduled activation, as asked. */
  Scheduled: 'Scheduled',
  /** False: open sessions of a revision that no longer serves are finishing. */
  Draining: 'Draining',
  /** False: another chatbot holds the sender; the reactivate annotation claims it again. */
  Preempted: 'Preempted',
  /** False: the manifest has errors (the message names the first). */
  ValidationFailed: 'ValidationFailed',
  /** False: it wants Active, but its Sender's address belongs to another namespace that has not granted this one. */
  SenderNotAccepted: 'SenderNotAccepted',
} as const;

/** Reasons of the Reconciling condition. */
export const ReconcilingReason = {
  /** True: open sessions are draining; the message lists each revision and its deadline. */
  Draining: 'Draining',
  /** False: the status is up to date and nothing is in progress. */
  Reconciled: 'Reconciled',
} as const;

/** Reasons of the Stalled condition. */
export const StalledReason = {
  /** False: nothing waits for the user. */
  Reconciled: 'Reconciled',
  /** True: the manifest has errors; nothing changes until it is fixed. */
  ValidationFailed: 'ValidationFailed',
  /** True: another chatbot holds the sender; nothing changes until this one gets a new activation moment. */
  Preempted: 'Preempted',
  /** True: the address belongs to another namespace that has not granted this one (Sender, and its chatbots). */
  AddressOwnedElsewhere: 'AddressOwnedElsewhere',
} as const;

/** Reasons of the Validated condition (of a Chatbot and of a Sender). */
export const ValidatedReason = {
  /** True: no errors (warnings, if any, never block). */
  Valid: 'Valid',
  /** False: errors block activation; the message names the first. */
  ValidationFailed: 'ValidationFailed',
} as const;

/** Reasons of the SenderBound condition. */
export const SenderBoundReason = {
  /** True: the chatbot holds its Sender's Lease. */
  Bound: 'Bound',
  /** False: the Sender does not exist or is on another channel. */
  SenderUnavailable: 'SenderUnavailable',
  /** False: the Sender's address belongs to another namespace that has not granted this one. */
  SenderNotAccepted: 'SenderNotAccepted',
  /** False: another chatbot holds the sender. */
  HeldByOther: 'HeldByOther',
  /** False: the chatbot does not want its sender now (Inactive, Scheduled, Invalid). */
  NotActive: 'NotActive',
} as const;

/** Reasons of the Scheduled condition. */
export const ScheduledReason = {
  /** True: the next schedule edge activates the chatbot. */
  NextActivate: 'NextActivate',
  /** True: the next schedule edge deactivates the chatbot. */
  NextDeactivate: 'NextDeactivate',
  /** False: no schedule edge is coming. */
  NothingScheduled: 'NothingScheduled',
} as const;

/** Reasons of a Sender's Ready condition. */
export const SenderReadyReason = {
  /** True: an active chatbot holds the sender (the message names it). */
  Held: 'Held',
  /** True: no chatbot holds the sender; the next one to activate takes it. */
  Available: 'Available',
  /** False: the Sender manifest has errors. */
  ValidationFailed: 'ValidationFailed',
  /** False: the address belongs to another namespace that has not granted this one. */
  NotAccepted: 'NotAccepted',
} as const;

/** Reasons of a Sender's Accepted condition. */
export const AcceptedReason = {
  /** True: its namespace owns the address (it declared it first). */
  OwnsAddress: 'OwnsAddress',
  /** True: the owner namespace grants this namespace in spec.sharedWith of its Sender. */
  Granted: 'Granted',
  /** False: another namespace owns the address and grants this one nothing. */
  AddressOwnedElsewhere: 'AddressOwnedElsewhere',
} as const;

/** Reasons of the events about a Chatbot, one per transition. */
export const EventReason = {
  /** A new generation (or a changed validation result) is valid; the note gives the warnings count. */
  Validated: 'Validated',
  /** The manifest has errors; the note names the first, and the revision that keeps serving, if any. */
  ValidationFailed: 'ValidationFailed',
  /** The chatbot became Active and holds its sender; the note gives its activation moment. */
  Activated: 'Activated',
  /** The chatbot stopped serving by deactivation, by hand or by schedule. */
  Deactivated: 'Deactivated',
  /** A new revision serves new conversations; the previous one drains. */
  Redeployed: 'Redeployed',
  /** Another chatbot took the sender with a Graceful takeover: open sessions may finish until the note's time. */
  TakenOver: 'TakenOver',
  /** The sender is held by another chatbot: taken with an Immediate takeover, or claimed later than it. */
  Preempted: 'Preempted',
  /** Open sessions on a revision that no longer serves may finish until a deadline. */
  DrainStarted: 'DrainStarted',
  /** A drain is over (deadline, or no open sessions left): its sessions are closed. */
  DrainEnded: 'DrainEnded',
  /** The next schedule edge changed; the note says which and when. */
  Scheduled: 'Scheduled',
} as const;

/** The `action` of an event: what the operator did. */
export const EventAction = {
  Validate: 'Validate',
  Activate: 'Activate',
  Deactivate: 'Deactivate',
  Redeploy: 'Redeploy',
  Takeover: 'Takeover',
  Claim: 'Claim',
  Drain: 'Drain',
  Schedule: 'Schedule',
} as const;

/** Why a revision drains (status.draining[].reason). */
export const DrainReason = {
  /** A valid change made a new revision; the previous one's sessions finish during redeploy.gracePeriod. */
  Redeploy: 'Redeploy',
  /** Another chatbot took the sender; sessions finish during the new holder's takeover.gracePeriod. */
  TakenOver: 'TakenOver',
  /** The chatbot was deactivated; sessions finish during deactivation.gracePeriod. */
  Deactivated: 'Deactivated',
} as const;
