// What activate, deactivate, schedule and unschedule change in a Chatbot, decided purely from the
// object, the flags and `now` (no I/O): the spec and annotations after the command, or an error.
//
// The fields are the API's (a GitOps user writes the same ones): spec.state, spec.takeover,
// spec.deactivation.gracePeriod, spec.schedule and the chatbots.dev/reactivate annotation.
import { REACTIVATE_ANNOTATION } from '../../api/names.ts';
import type { Chatbot, ChatbotSpec, Schedule } from '../../api/schema.ts';
import { parseDuration } from '../../core/duration.ts';
import { effectiveDesiredState, nextEdge } from '../../core/schedule/index.ts';
import { parseWallTime, resolveWall, zoneOf } from '../../core/schedule/wall-time.ts';
import { rfc3339 } from '../../core/time.ts';
import { type Editable, editable } from './changes.ts';
import { PluginError, UsageError } from './errors.ts';
import { checkZone, parseCliWallTime, resolveCliTime, showInstant, showWall } from './times.ts';

export interface Plan {
  after: Editable;
  /** Lines for stderr after the change: things the user should know (they never fail the command). */
  warnings: string[];
}

/** A grace period flag's value, checked as the CRD checks it. */
export function checkDuration(flag: string, value: string, command: string): string {
  if (parseDuration(value) === undefined) {
    throw new UsageError(
      `${flag} ${JSON.stringify(value)} is not a duration: write it as 0s, 30s, 5m or 1h30m`,
      command,
    );
  }
  return value;
}

/** The instant a one-off schedule time names, or undefined when the schedule cannot say. */
function oneOffInstant(schedule: Schedule, field: 'activateAt' | 'deactivateAt'): number | undefined {
  const value = schedule[field];
  const zone = schedule.timeZone ? zoneOf(schedule.timeZone) : undefined;
  const wall = value ? parseWallTime(value) : undefined;
  return zone && wall !== undefined ? resolveWall(zone, wall).instant : undefined;
}

/** Removes spec.schedule when nothing is left in it but its time zone. */
function pruneSchedule(spec: ChatbotSpec): void {
  const s = spec.schedule;
  if (s && s.activateAt === undefined && s.deactivateAt === undefined && !(s.windows?.length ?? 0)) {
    delete spec.schedule;
  }
}

/**
 * A manual activation or deactivation: one-off times at or before now are spent, and left in the
 * spec they would keep deciding the effective state (the latest past edge wins over spec.state).
 */
function dropSpentTimes(spec: ChatbotSpec, now: Date): void {
  const s = spec.schedule;
  if (!s) return;
  for (const field of ['activateAt', 'deactivateAt'] as const) {
    const t = oneOffInstant(s, field);
    if (t !== undefined && t <= now.getTime()) delete s[field];
  }
  pruneSchedule(spec);
}

/** The bot lost its sender to another one (Preempted, or draining because it was taken over). */
export function lostItsSender(cb: Chatbot): boolean {
  const st = cb.status;
  if (st?.state === 'Preempted') return true;
  return st?.state === 'Draining' && (st.draining ?? []).some((d) => d.reason === 'TakenOver');
}

/** A warning when the schedule's windows keep the bot in the other state than the one asked for. */
function scheduleDecides(after: Editable, want: 'Active' | 'Inactive', now: Date, zone: string): string[] {
  const eff = effectiveDesiredState(after.spec, now);
  if (eff.desired === want || !eff.lastEdge) return [];
  const until = eff.nextEdge ? ` until ${showInstant(eff.nextEdge.instant, zone)}` : '';
  return [
    `warning: spec.schedule.${eff.lastEdge.source} keeps it ${eff.desired}${until}; ` +
      `'kubectl chatbot unschedule' makes spec.state decide alone`,
  ];
}

export interface ActivateOptions {
  gracePeriod?: string;
  immediate?: boolean;
}

/** `activate NAME`: spec.state Active (and takeover, and a new reactivate moment when it lost its sender). */
export function planActivate(cb: Chatbot, opts: ActivateOptions, now: Date, zone: string): Plan {
  if (opts.immediate && opts.gracePeriod !== undefined) {
    throw new UsageError('--immediate and --grace-period exclude each other', 'activate');
  }
  const after = editable(cb);
  after.spec.state = 'Active';
  applyTakeover(after, opts);
  dropSpentTimes(after.spec, now);
  if (lostItsSender(cb)) after.annotations[REACTIVATE_ANNOTATION] = rfc3339(now);
  return { after, warnings: scheduleDecides(after, 'Active', now, zone) };
}

/** --grace-period / --immediate of activate: how the displaced bot's sessions end. */
export function applyTakeover(after: Editable, opts: ActivateOptions): void {
  if (opts.gracePeriod !== undefined) {
    const gracePeriod = checkDuration('--grace-period', opts.gracePeriod, 'activate');
    after.spec.takeover = { ...after.spec.takeover, mode: 'Graceful', gracePeriod };
  } else if (opts.immediate) {
    after.spec.takeover = { ...after.spec.takeover, mode: 'Immediate' };
  }
}

/** `deactivate NAME`: spec.state Inactive (and deactivation.gracePeriod). */
export function planDeactivate(cb: Chatbot, opts: { gracePeriod?: string }, now: Date, zone: string): Plan {
  const after = editable(cb);
  after.spec.state = 'Inactive';
  applyDeactivationGrace(after, opts.gracePeriod);
  dropSpentTimes(after.spec, now);
  // A deactivation time with no activation before it says nothing on an inactive bot (and the API
  // refuses it: it needs an activation time with it).
  const s = after.spec.schedule;
  if (s?.deactivateAt !== undefined && s.activateAt === undefined && !(s.windows?.length ?? 0)) {
    delete s.deactivateAt;
    pruneSchedule(after.spec);
  }
  return { after, warnings: scheduleDecides(after, 'Inactive', now, zone) };
}

export function applyDeactivationGrace(after: Editable, gracePeriod: string | undefined): void {
  if (gracePeriod === undefined) return;
  const value = checkDuration('--grace-period', gracePeriod, 'deactivate');
  after.spec.deactivation = { ...after.spec.deactivation, gracePeriod: value };
}

export interface ScheduleRequest {
  /** Local wall time of the activation ("2026-12-01 09:00"). */
  at?: string;
  /** Local wall time of the deactivation. */
  until?: string;
  timeZone?: string;
  /** How the flags are called in messages (deactivate --at is the deactivation time). */
  atFlag?: string;
  untilFlag?: string;
  command: string;
}

/**
 * Sets the one-off schedule, as the seed's dialogs do: "Schedule activation" sets the activation
 * time and, optionally, the deactivation time (no --until: none); "Schedule deactivation" (no
 * --at) sets the deactivation time and keeps a scheduled activation. Windows are kept. The time
 * zone is --time-zone, else the schedule's, else the user's.
 */
export function applySchedule(after: Editable, req: ScheduleRequest, now: Date, localZone: string): string[] {
  const atFlag = req.atFlag ?? '--at';
  const untilFlag = req.untilFlag ?? '--until';
  if (req.at === undefined && req.until === undefined) {
    throw new UsageError(`${req.command} needs ${atFlag} or ${untilFlag}`, req.command);
  }
  const existing: Schedule = after.spec.schedule ?? {};
  const zone = checkZone(req.timeZone ?? existing.timeZone ?? localZone);
  const windows = existing.windows ?? [];
  const keepsActivation = req.at === undefined && existing.activateAt !== undefined;
  if (existing.timeZone && existing.timeZone !== zone && (windows.length > 0 || keepsActivation)) {
    const kept = windows.length > 0 ? 'spec.schedule.windows' : 'spec.schedule.activateAt';
    throw new PluginError(
      `${kept} is in ${existing.timeZone}: use --time-zone ${existing.timeZone}, or unschedule first`,
    );
  }
  const at = req.at !== undefined ? resolveCliTime(atFlag, req.at, zone, now, req.command) : undefined;
  const until =
    req.until !== undefined ? resolveCliTime(untilFlag, req.until, zone, now, req.command) : undefined;
  if (at && until && until.instant <= at.instant) {
    throw new PluginError(
      `${untilFlag} ${showWall(parseWallTime(until.text)!)} is not later than ${atFlag} ${showWall(parseWallTime(at.text)!)}`,
    );
  }
  if (until && keepsActivation) {
    const t = oneOffInstant({ ...existing, timeZone: zone }, 'activateAt');
    if (t !== undefined && until.instant.getTime() <= t) {
      throw new PluginError(
        `${untilFlag} ${showWall(parseWallTime(until.text)!)} is not later than the scheduled activation ` +
          `(spec.schedule.activateAt ${existing.activateAt}): give ${atFlag} too, or unschedule first`,
      );
    }
  }
  const activateAt = at?.text ?? existing.activateAt;
  const next: Schedule = {
    timeZone: zone,
    ...(activateAt !== undefined ? { activateAt } : {}),
    ...(until ? { deactivateAt: until.text } : {}),
    ...(windows.length > 0 ? { windows } : {}),
  };
  if (
    next.deactivateAt !== undefined &&
    after.spec.state !== 'Active' &&
    !next.activateAt &&
    !windows.length
  ) {
    throw new PluginError(
      'the chatbot is inactive: a deactivation time can only be scheduled together with an activation time ' +
        `(give ${req.command === 'deactivate' ? "the activation with 'activate --at'" : '--at too'})`,
    );
  }
  after.spec.schedule = next;
  const notes: string[] = [];
  for (const [flag, t] of [
    [atFlag, at],
    [untilFlag, until],
  ] as const) {
    if (t?.ambiguous) {
      notes.push(
        `note: ${flag} ${showWall(parseWallTime(t.text)!)} happens twice in ${zone} (the clocks go back); the first one counts: ${showInstant(t.instant, 'UTC')}`,
      );
    }
  }
  return notes;
}

/**
 * The checks of the flags alone, before the cluster is asked: the wall times' format, and with
 * --time-zone the zone, gaps, the past and their order (the chatbot's own schedule is checked later).
 */
export function precheckTimes(req: ScheduleRequest, now: Date): void {
  if (req.at !== undefined) parseCliWallTime(req.atFlag ?? '--at', req.at, req.command);
  if (req.until !== undefined) parseCliWallTime(req.untilFlag ?? '--until', req.until, req.command);
  if (req.timeZone === undefined) return;
  applySchedule({ annotations: {}, spec: { state: 'Active' } }, req, now, req.timeZone);
}

/** `schedule NAME --at ... [--until ...]` (also activate/deactivate --at). */
export function planSchedule(cb: Chatbot, req: ScheduleRequest, now: Date, localZone: string): Plan {
  const after = editable(cb);
  const warnings = applySchedule(after, req, now, localZone);
  return { after, warnings };
}

/** `unschedule NAME`: no spec.schedule; spec.state decides alone. */
export function planUnschedule(cb: Chatbot): Plan {
  const after = editable(cb);
  delete after.spec.schedule;
  return { after, warnings: [] };
}

/** "next: Activate at 2026-12-01 09:00:00 Europe/Zagreb (2026-12-01T08:00:00Z), in 3d 2h" or none. */
export function nextActionLine(spec: ChatbotSpec, now: Date, zone: string): string | undefined {
  const edge = nextEdge(spec, now);
  if (!edge) return undefined;
  return `next: ${edge.kind} at ${showInstant(edge.instant, zone)}`;
}
