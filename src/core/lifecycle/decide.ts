// The reconcile decision for one Chatbot: a pure function of what was observed and `now`.
// The operator shell reads the cache, calls decide(), then applies the plan (status, events,
// requeue at plan.nextWakeAt).
import type { Chatbot, ChatbotState, ChatbotStatus, Issue, Sender } from '../../api/schema.ts';
import { type ConditionInput, mergeConditions, rfc3339 } from '../conditions.ts';
import { type DesiredState, effectiveDesiredState, formatNext } from '../schedule/index.ts';
import { entryPointsFor } from './entry-points.ts';

export const REACTIVATE_ANNOTATION = 'chatbots.dev/reactivate';
/** At most this many issues are kept in status; the rest are counted in validation.omitted. */
export const MAX_STATUS_ISSUES = 100;

export interface Observed {
  chatbot: Chatbot;
  /** The Sender named by spec.senderRef, if it exists. */
  sender: Sender | undefined;
  /** Issues of the current generation (the shell memoizes validateChatbot). */
  issues: Issue[];
}

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  action: string;
  note: string;
}

export interface Plan {
  status: ChatbotStatus;
  events: PlannedEvent[];
  /** When to reconcile again (the next schedule edge), if ever. */
  nextWakeAt?: Date;
  /** One word for the decision log line. */
  reason: string;
  /** The instant of the schedule edge that decided the state (for the lateness metric). */
  lateEdge?: Date;
}

const activeLike = (s: ChatbotState | undefined) => s === 'Active';

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

function parseTime(s: string | undefined): Date | undefined {
  if (!s) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
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
  } else if (prev?.desired === 'Active' && parseTime(prev.requestedAt)) {
    requestedAt = parseTime(prev.requestedAt)!;
    moment = requestedAt; // recorded once, never recomputed
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

export function decide(obs: Observed, now: Date): Plan {
  const { chatbot, sender, issues } = obs;
  const prev = chatbot.status ?? {};
  const generation = chatbot.metadata.generation;
  const errors = issues.filter((i) => i.severity === 'Error').length;
  const warnings = issues.length - errors;
  const eff = effectiveDesiredState(chatbot.spec, now);
  const events: PlannedEvent[] = [];

  // --- state
  let state: ChatbotState;
  let reason: string;
  if (errors > 0) {
    state = 'Invalid';
    reason = 'ValidationFailed';
  } else if (eff.desired === 'Active') {
    state = 'Active';
    reason = eff.activatedBy ? 'ScheduledActivation' : 'ManualActivation';
  } else if (eff.next?.kind === 'Activate') {
    state = 'Scheduled';
    reason = 'WaitingForActivation';
  } else {
    state = 'Inactive';
    reason = eff.deactivatedBy ? 'ScheduledDeactivation' : 'Inactive';
  }

  // --- activation record
  const claim = state === 'Active' ? activationMoment(chatbot, eff, now) : undefined;
  const prevAct = prev.activation ?? {};
  const activation: NonNullable<ChatbotStatus['activation']> = { desired: eff.desired };
  if (claim) {
    activation.moment = rfc3339(claim.moment);
    if (claim.requestedAt) activation.requestedAt = rfc3339(claim.requestedAt);
  }
  const becameActive = activeLike(state) && !activeLike(prev.state);
  const stoppedActive = !activeLike(state) && activeLike(prev.state);
  const activatedAt = becameActive ? rfc3339(now) : prevAct.activatedAt;
  const deactivatedAt = stoppedActive ? rfc3339(now) : prevAct.deactivatedAt;
  if (activatedAt) activation.activatedAt = activatedAt;
  if (deactivatedAt) activation.deactivatedAt = deactivatedAt;

  // --- schedule
  const schedule: ChatbotStatus['schedule'] = eff.next
    ? { nextAction: eff.next.kind, nextAt: rfc3339(eff.next.instant), next: formatNext(eff.next) }
    : undefined;

  // --- conditions (kstatus: Ready, Reconciling, Stalled; plus our own)
  const senderOk = sender !== undefined && sender.spec.channel === chatbot.spec.channel;
  const message = validationMessage(issues);
  const conds: ConditionInput[] = [
    errors > 0
      ? { type: 'Ready', status: 'False', reason: 'ValidationFailed', message }
      : { type: 'Ready', status: 'True', reason: state, message: readyMessage(state, eff) },
    { type: 'Reconciling', status: 'False', reason: 'Reconciled', message: 'Status is up to date' },
    errors > 0
      ? {
          type: 'Stalled',
          status: 'True',
          reason: 'ValidationFailed',
          message: `Fix the manifest: ${message}`,
        }
      : { type: 'Stalled', status: 'False', reason: 'Reconciled', message: 'Not stalled' },
    errors > 0
      ? { type: 'Validated', status: 'False', reason: 'ValidationFailed', message }
      : { type: 'Validated', status: 'True', reason: 'Valid', message },
    state === 'Active'
      ? {
          type: 'SenderBound',
          status: 'True',
          reason: 'Bound',
          message: `Serving on Sender ${sender?.metadata.name}`,
        }
      : {
          type: 'SenderBound',
          status: 'False',
          reason: !senderOk ? 'SenderUnavailable' : 'NotActive',
          message: !senderOk ? 'The Sender is missing or its channel differs' : `The chatbot is ${state}`,
        },
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
  if (schedule) status.schedule = schedule;
  if (state === 'Active' && sender) {
    const entryPoints = entryPointsFor(sender, chatbot.spec.startKeyword);
    if (entryPoints) status.entryPoints = entryPoints;
  }
  // Fields other writers own are carried over untouched.
  if (prev.sessions) status.sessions = prev.sessions;
  if (prev.revision) status.revision = prev.revision;
  if (prev.draining) status.draining = prev.draining;

  // --- events, one per transition
  if (prev.observedGeneration !== generation || prev.validation?.errors !== errors) {
    events.push(
      errors > 0
        ? { type: 'Warning', reason: 'ValidationFailed', action: 'Validate', note: message }
        : {
            type: 'Normal',
            reason: 'Validated',
            action: 'Validate',
            note: `Generation ${generation}: ${message}`,
          },
    );
  }
  if (becameActive) {
    events.push({
      type: 'Normal',
      reason: 'Activated',
      action: 'Activate',
      note: activatedNote(reason, claim),
    });
  }
  if (stoppedActive) {
    events.push({
      type: 'Normal',
      reason: 'Deactivated',
      action: 'Deactivate',
      note: `Now ${state}: ${reason}`,
    });
  }
  if (
    schedule &&
    (prev.schedule?.nextAt !== schedule.nextAt || prev.schedule?.nextAction !== schedule.nextAction)
  ) {
    events.push({ type: 'Normal', reason: 'Scheduled', action: 'Schedule', note: schedule.next! });
  }

  return {
    status,
    events,
    reason,
    ...(eff.next ? { nextWakeAt: eff.next.instant } : {}),
    ...(eff.lastEdge ? { lateEdge: eff.lastEdge.instant } : {}),
  };
}

function readyMessage(state: ChatbotState, eff: DesiredState): string {
  if (state === 'Active') return 'Active and serving';
  if (state === 'Scheduled' && eff.next) return `Inactive until ${rfc3339(eff.next.instant)}`;
  return 'Inactive';
}

function activatedNote(reason: string, claim: { moment: Date } | undefined): string {
  const how = reason === 'ScheduledActivation' ? 'by schedule' : 'by hand';
  return `Activated ${how}${claim ? ` (activation moment ${rfc3339(claim.moment)})` : ''}`;
}
