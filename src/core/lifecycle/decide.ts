// The reconcile decision for one Chatbot: a pure function of what was observed and `now`.
// The operator shell reads the caches, calls decide(), then applies the plan (ControllerRevision,
// sender Lease, status, events) and requeues at plan.nextWakeAt.
import { REACTIVATE_ANNOTATION } from '../../api/names.ts';
import type { Chatbot, ChatbotState, ChatbotStatus, Issue, Sender } from '../../api/schema.ts';
import { type Claim, compareClaims, greatestClaim, type LeaseView } from '../claims/claim.ts';
import { type ConditionInput, mergeConditions } from '../conditions.ts';
import { durationMs } from '../duration.ts';
import { type DesiredState, effectiveDesiredState, formatNext } from '../schedule/index.ts';
import { parseTime, rfc3339 } from '../time.ts';
import { type Drain, endDrains } from './drains.ts';
import { entryPointsFor } from './entry-points.ts';
import { type RevisionInfo, revisionName, revisionsToPrune } from './revisions.ts';

/** At most this many issues are kept in status; the rest are counted in validation.omitted. */
export const MAX_STATUS_ISSUES = 100;

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
  /** Issues of the current generation (the shell memoizes validateChatbot). */
  issues: Issue[];
  /** The sender's Lease and competing claims; absent when there is no usable sender. */
  claims?: ClaimsView;
  /** ControllerRevisions this chatbot owns. */
  revisions?: RevisionInfo[];
}

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  action: string;
  note: string;
}

export type LeaseOp = { op: 'acquire'; claim: Claim; takeover: boolean } | { op: 'release' };

export interface Plan {
  status: ChatbotStatus;
  events: PlannedEvent[];
  /** When to reconcile again (next schedule edge or drain deadline), if ever. */
  nextWakeAt?: Date;
  /** One word for the decision log line. */
  reason: string;
  /** The instant of the schedule edge that decided the state (for the lateness metric). */
  lateEdge?: Date;
  lease?: LeaseOp;
  /** A ControllerRevision to create for the current definition. */
  createRevision?: string;
  pruneRevisions: string[];
}

/** "3 errors; first: path: message; path: message" */
export function validationMessage(issues: Issue[]): string {
  const errors = issues.filter((i) => i.severity === 'Error');
  const warnings = issues.length - errors.length;
  if (errors.length === 0) {
    return warnings === 0 ? 'No issues' : `${warnings} warning${warnings === 1 ? '' : 's'}; no errors`;
  }
  const first = errors
    .slice(0, 3)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
  return `${errors.length} error${errors.length === 1 ? '' : 's'}; first: ${first}`;
}

export function chatbotKey(cb: Chatbot): string {
  return `${cb.metadata.namespace ?? ''}/${cb.metadata.name ?? ''}`;
}

/**
 * The activation moment a bot claims its sender with. Read from the object wherever possible so
 * every operator replica computes the same one (DESIGN.md "One active chatbot per sender").
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

/**
 * The claim another replica or another chatbot's reconcile would compute for this bot now, or
 * undefined when it does not compete for its sender (invalid, not desired Active, or still
 * preempted at the moment it lost with).
 */
export function claimOf(chatbot: Chatbot, errors: number, now: Date): Claim | undefined {
  if (errors > 0 || chatbot.metadata.deletionTimestamp) return undefined;
  const eff = effectiveDesiredState(chatbot.spec, now);
  const m = activationMoment(chatbot, eff, now);
  if (!m) return undefined;
  const act = chatbot.status?.activation;
  if (act?.preemptedBy && act.moment && rfc3339(m.moment) <= act.moment) return undefined;
  return {
    key: chatbotKey(chatbot),
    moment: m.moment,
    created: new Date(chatbot.metadata.creationTimestamp ?? now),
  };
}

export function decide(obs: Observed, now: Date): Plan {
  const { chatbot, sender, issues } = obs;
  const me = chatbotKey(chatbot);
  const spec = chatbot.spec ?? {};
  const prev = chatbot.status ?? {};
  const prevAct = prev.activation ?? {};
  const generation = chatbot.metadata.generation;
  const errors = issues.filter((i) => i.severity === 'Error').length;
  const warnings = issues.length - errors;
  const valid = errors === 0;
  const deleting = Boolean(chatbot.metadata.deletionTimestamp);
  const eff = effectiveDesiredState(spec, now);
  const events: PlannedEvent[] = [];
  const lease = obs.claims?.lease;
  const heldBefore = lease?.holder === me;
  const wasActive = prev.state === 'Active';

  // --- does it want its sender, and with which claim?
  const senderOk = sender !== undefined && sender.spec.channel === spec.channel && obs.claims !== undefined;
  const wantsActive = !deleting && eff.desired === 'Active' && senderOk;
  // An invalid change never deactivates: the last valid revision keeps serving.
  const keepServing = !valid && wantsActive && heldBefore && Boolean(prev.revision);
  const m = wantsActive && (valid || keepServing) ? activationMoment(chatbot, eff, now) : undefined;
  const myClaim: Claim | undefined = m && {
    key: me,
    moment: m.moment,
    created: new Date(chatbot.metadata.creationTimestamp ?? now),
  };
  // A preempted bot stays so until its own next activation moment: no flapping.
  const stillPreempted =
    myClaim &&
    !heldBefore &&
    prevAct.preemptedBy &&
    prevAct.moment &&
    rfc3339(myClaim.moment) <= prevAct.moment;

  let holding = false;
  let leaseOp: LeaseOp | undefined;
  let preemptedBy: string | undefined = stillPreempted ? prevAct.preemptedBy : undefined;
  if (myClaim && !stillPreempted) {
    const stronger = greatestClaim(
      [obs.claims?.holderClaim, ...(obs.claims?.rivals ?? [])].filter(
        (c): c is Claim => c !== undefined && c.key !== me && compareClaims(c, myClaim) > 0,
      ),
    );
    if (heldBefore) {
      holding = true;
      if (lease?.claim?.moment.getTime() !== myClaim.moment.getTime()) {
        leaseOp = { op: 'acquire', claim: myClaim, takeover: false };
      }
    } else if (stronger) {
      preemptedBy = stronger.key;
    } else {
      holding = true;
      leaseOp = { op: 'acquire', claim: myClaim, takeover: Boolean(lease?.holder) };
    }
  } else if (heldBefore) {
    leaseOp = { op: 'release' };
  }

  // --- revisions: content-addressed, the last valid one serves
  const currentRevision = valid ? revisionName(chatbot.metadata.name ?? '', spec.definition) : undefined;
  const revision = currentRevision ?? prev.revision;
  const knownRevisions = obs.revisions ?? [];
  const createRevision =
    currentRevision && !knownRevisions.some((r) => r.name === currentRevision) ? currentRevision : undefined;

  // --- drains
  let draining: Drain[] = [...(prev.draining ?? [])];
  const addDrain = (d: Drain) => {
    if (
      d.revision &&
      new Date(d.until) > now &&
      !draining.some((x) => x.revision === d.revision && x.reason === d.reason)
    ) {
      draining.push(d);
      events.push({
        type: 'Normal',
        reason: 'DrainStarted',
        action: 'Drain',
        note: `Open sessions on revision ${d.revision} may finish until ${d.until} (${d.reason})`,
      });
    }
  };
  const takenOver = !holding && wantsActive && lease?.holder !== undefined && lease.holder !== me;
  if (takenOver && (wasActive || heldBefore) && !stillPreempted) {
    // Displaced by the holder: its takeover settings decide how our sessions end.
    const mode = obs.claims?.holderTakeover?.mode ?? 'Graceful';
    const grace = durationMs(obs.claims?.holderTakeover?.gracePeriod, '15m');
    const from = lease?.acquireTime ?? now;
    preemptedBy = lease?.holder;
    events.push({
      type: 'Warning',
      reason: mode === 'Immediate' ? 'Preempted' : 'TakenOver',
      action: 'Takeover',
      note:
        mode === 'Immediate'
          ? `Sender taken over by ${lease?.holder}: open sessions closed now`
          : `Sender taken over by ${lease?.holder}: open sessions may finish until ${rfc3339(new Date(from.getTime() + grace))}`,
    });
    if (mode !== 'Immediate' && prev.revision) {
      addDrain({
        revision: prev.revision,
        since: rfc3339(now),
        until: rfc3339(new Date(from.getTime() + grace)),
        reason: 'TakenOver',
      });
    }
  } else if (!holding && preemptedBy && !stillPreempted && !wasActive) {
    events.push({
      type: 'Warning',
      reason: 'Preempted',
      action: 'Claim',
      note: `Sender is held by ${preemptedBy}, whose activation is later (claims order by activation moment)`,
    });
  }
  const deactivatedNow = wasActive && !holding && !takenOver && !preemptedBy;
  let deactivatedAt = prevAct.deactivatedAt;
  if (deactivatedNow) {
    deactivatedAt = rfc3339(eff.deactivatedBy?.instant ?? now);
    const grace = durationMs(spec.deactivation?.gracePeriod, '0s');
    if (prev.revision && grace > 0 && !deleting) {
      addDrain({
        revision: prev.revision,
        since: rfc3339(now),
        until: rfc3339(new Date(new Date(deactivatedAt).getTime() + grace)),
        reason: 'Deactivated',
      });
    }
  }
  let redeployed = false;
  if (
    holding &&
    wasActive &&
    valid &&
    prev.revision &&
    currentRevision &&
    prev.revision !== currentRevision
  ) {
    redeployed = true;
    const grace = durationMs(spec.redeploy?.gracePeriod, '10m');
    addDrain({
      revision: prev.revision,
      since: rfc3339(now),
      until: rfc3339(new Date(now.getTime() + grace)),
      reason: 'Redeploy',
    });
  }
  // A rollback to a draining revision serves it again; a drain also ends at its deadline or
  // when the runtime reports no open sessions on it.
  const drainResult = endDrains(
    draining.filter((d) => !(holding && d.revision === revision)),
    now,
    prev.sessions,
  );
  draining = drainResult.remaining;
  for (const d of drainResult.ended) {
    events.push({
      type: 'Normal',
      reason: 'DrainEnded',
      action: 'Drain',
      note: `Sessions on revision ${d.revision} closed (${d.reason}: ${d.why})`,
    });
  }

  // --- state
  let state: ChatbotState;
  let reason: string;
  if (holding) {
    state = 'Active';
    reason = keepServing
      ? 'ServingLastValidRevision'
      : eff.activatedBy
        ? 'ScheduledActivation'
        : 'ManualActivation';
  } else if (draining.some((d) => d.reason !== 'Redeploy')) {
    state = 'Draining';
    reason = takenOver || preemptedBy ? 'TakenOver' : 'Deactivated';
  } else if (preemptedBy && wantsActive) {
    state = 'Preempted';
    reason = 'Preempted';
  } else if (!valid) {
    state = 'Invalid';
    reason = 'ValidationFailed';
  } else if (eff.next?.kind === 'Activate') {
    state = 'Scheduled';
    reason = 'WaitingForActivation';
  } else {
    state = 'Inactive';
    reason = eff.deactivatedBy ? 'ScheduledDeactivation' : 'Inactive';
  }
  if (redeployed) reason = 'Redeployed';

  // --- activation record
  const activation: NonNullable<ChatbotStatus['activation']> = { desired: eff.desired };
  if (m) {
    activation.moment = rfc3339(myClaim?.moment ?? m.moment);
    if (m.requestedAt) activation.requestedAt = rfc3339(m.requestedAt);
  }
  if (preemptedBy && !holding) activation.preemptedBy = preemptedBy;
  const becameActive = state === 'Active' && !wasActive;
  const activatedAt = becameActive ? rfc3339(now) : prevAct.activatedAt;
  if (activatedAt) activation.activatedAt = activatedAt;
  if (state !== 'Active' && wasActive && !deactivatedAt) deactivatedAt = rfc3339(now);
  if (deactivatedAt) activation.deactivatedAt = deactivatedAt;

  // --- schedule
  const schedule: ChatbotStatus['schedule'] = eff.next
    ? { nextAction: eff.next.kind, nextAt: rfc3339(eff.next.instant), next: formatNext(eff.next) }
    : undefined;

  // --- conditions (kstatus: Ready, Reconciling, Stalled; plus our own)
  const message = validationMessage(issues);
  const senderName = spec.senderRef?.name ?? '';
  const conds: ConditionInput[] = [
    readyCondition(state, valid, message, preemptedBy, eff),
    state === 'Draining'
      ? { type: 'Reconciling', status: 'True', reason: 'Draining', message: drainMessage(draining) }
      : { type: 'Reconciling', status: 'False', reason: 'Reconciled', message: 'Status is up to date' },
    valid
      ? { type: 'Stalled', status: 'False', reason: 'Reconciled', message: 'Not stalled' }
      : {
          type: 'Stalled',
          status: 'True',
          reason: 'ValidationFailed',
          message: `Fix the manifest: ${message}`,
        },
    valid
      ? { type: 'Validated', status: 'True', reason: 'Valid', message }
      : { type: 'Validated', status: 'False', reason: 'ValidationFailed', message },
    holding
      ? { type: 'SenderBound', status: 'True', reason: 'Bound', message: `Holds Sender ${senderName}` }
      : senderBoundFalse(state, senderOk, preemptedBy),
    schedule
      ? { type: 'Scheduled', status: 'True', reason: `Next${eff.next!.kind}`, message: schedule.next! }
      : {
          type: 'Scheduled',
          status: 'False',
          reason: 'NothingScheduled',
          message: 'No future schedule edge',
        },
  ];

  const status: ChatbotStatus = {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    state,
    conditions: mergeConditions(prev.conditions, conds, generation, now),
    validation: {
      errors,
      warnings,
      summary: `${errors}/${warnings}`,
      issues: issues.slice(0, MAX_STATUS_ISSUES),
      ...(issues.length > MAX_STATUS_ISSUES ? { omitted: issues.length - MAX_STATUS_ISSUES } : {}),
    },
    activation,
  };
  if (revision) status.revision = revision;
  if (draining.length > 0) status.draining = draining;
  if (schedule) status.schedule = schedule;
  if (state === 'Active' && sender) {
    const entryPoints = entryPointsFor(sender, spec.startKeyword);
    if (entryPoints) status.entryPoints = entryPoints;
  }
  if (prev.sessions) status.sessions = prev.sessions; // the runtime's field

  // --- events, one per transition
  // A new bot that is valid and activates at once gets one event (Activated names the
  // validation result): events cost API writes, and this is the common case at scale.
  const foldIntoActivated = valid && becameActive && prev.observedGeneration === undefined;
  if ((prev.observedGeneration !== generation || prev.validation?.errors !== errors) && !foldIntoActivated) {
    events.unshift(
      valid
        ? {
            type: 'Normal',
            reason: 'Validated',
            action: 'Validate',
            note: `Generation ${generation}: ${message}`,
          }
        : {
            type: 'Warning',
            reason: 'ValidationFailed',
            action: 'Validate',
            note: keepServing ? `${message} (revision ${prev.revision} keeps serving)` : message,
          },
    );
  }
  if (becameActive) {
    events.push({
      type: 'Normal',
      reason: 'Activated',
      action: 'Activate',
      note: `${activatedNote(eff, myClaim)}${foldIntoActivated ? `; generation ${generation}: ${message}` : ''}`,
    });
  }
  if (deactivatedNow) {
    events.push({
      type: 'Normal',
      reason: 'Deactivated',
      action: 'Deactivate',
      note: `Now ${state}: ${reason}`,
    });
  }
  if (redeployed) {
    events.push({
      type: 'Normal',
      reason: 'Redeployed',
      action: 'Redeploy',
      note: `Revision ${revision} serves new sessions; ${prev.revision} drains`,
    });
  }
  if (
    schedule &&
    (prev.schedule?.nextAt !== schedule.nextAt || prev.schedule?.nextAction !== schedule.nextAction)
  ) {
    events.push({ type: 'Normal', reason: 'Scheduled', action: 'Schedule', note: schedule.next! });
  }

  // --- owned objects
  const keep = new Set<string>([...(revision ? [revision] : []), ...draining.map((d) => d.revision)]);
  const pruneRevisions = revisionsToPrune(knownRevisions, keep, spec.revisionHistoryLimit ?? 5);

  const wakes = [eff.next?.instant, ...draining.map((d) => new Date(d.until))].filter((d): d is Date => !!d);
  const nextWakeAt = wakes.length ? new Date(Math.min(...wakes.map((d) => d.getTime()))) : undefined;
  return {
    status,
    events,
    reason,
    pruneRevisions,
    ...(nextWakeAt ? { nextWakeAt } : {}),
    ...(eff.lastEdge ? { lateEdge: eff.lastEdge.instant } : {}),
    ...(leaseOp ? { lease: leaseOp } : {}),
    ...(createRevision && !deleting ? { createRevision } : {}),
  };
}

function readyCondition(
  state: ChatbotState,
  valid: boolean,
  message: string,
  preemptedBy: string | undefined,
  eff: DesiredState,
): ConditionInput {
  if (!valid) return { type: 'Ready', status: 'False', reason: 'ValidationFailed', message };
  switch (state) {
    case 'Active':
      return { type: 'Ready', status: 'True', reason: 'Active', message: 'Active and serving' };
    case 'Draining':
      return { type: 'Ready', status: 'False', reason: 'Draining', message: 'Open sessions are draining' };
    case 'Preempted':
      return {
        type: 'Ready',
        status: 'False',
        reason: 'Preempted',
        message: `Sender held by ${preemptedBy}; set the annotation chatbots.dev/reactivate to claim it again`,
      };
    case 'Scheduled':
      return {
        type: 'Ready',
        status: 'True',
        reason: 'Scheduled',
        message: eff.next ? `Inactive until ${rfc3339(eff.next.instant)}` : 'Inactive',
      };
    default:
      return { type: 'Ready', status: 'True', reason: state, message: state };
  }
}

function senderBoundFalse(
  state: ChatbotState,
  senderOk: boolean,
  preemptedBy: string | undefined,
): ConditionInput {
  if (!senderOk) {
    return {
      type: 'SenderBound',
      status: 'False',
      reason: 'SenderUnavailable',
      message: 'The Sender is missing or its channel differs',
    };
  }
  if (preemptedBy) {
    return {
      type: 'SenderBound',
      status: 'False',
      reason: 'HeldByOther',
      message: `Sender held by ${preemptedBy}`,
    };
  }
  return { type: 'SenderBound', status: 'False', reason: 'NotActive', message: `The chatbot is ${state}` };
}

function drainMessage(draining: Drain[]): string {
  return draining.map((d) => `${d.revision} until ${d.until} (${d.reason})`).join('; ');
}

function activatedNote(eff: DesiredState, claim: Claim | undefined): string {
  const how = eff.activatedBy ? 'by schedule' : 'by hand';
  return `Activated ${how}${claim ? ` (activation moment ${rfc3339(claim.moment)})` : ''}`;
}
