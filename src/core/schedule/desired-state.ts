// The effective desired state (docs/architecture.md, "Lifecycle rules"): start from spec.state, then apply the schedule's
// edges at or before now in time order. Recurring windows reach back forever, so instead of
// replaying edges, the latest edge at or before now is found directly (cron prev()): it is the
// one applied last, so it decides. Missed edges after downtime are not replayed either: the
// state at now is this function, and edgesBetween(lastSeen, now) lists them for events.
import type { ChatbotSpec } from '../../api/schema.ts';
import { compareHits, type Hit, hitAfter, hitAtOrBefore, maxHit, minHit, toEdge } from './edges.ts';
import { parseSchedule } from './parse.ts';
import type { Edge, ParsedSchedule, ScheduleError } from './types.ts';

export type Desired = 'Active' | 'Inactive';

export interface DesiredState {
  desired: Desired;
  /** The latest edge at or before now: it decided `desired`. Absent when spec.state decides. */
  lastEdge?: Edge;
  /**
   * The next edge strictly after now that flips `desired` (the next action): when to reconcile
   * again. Edges that repeat the current state (an Activate while Active) are skipped. Absent
   * when no future edge changes the state.
   */
  nextEdge?: Edge;
  /** The same edge as nextEdge, under the name the lifecycle decision reads. */
  next?: Edge;
  /**
   * Set when the schedule made the bot Active: the Activate edge that began the current Active
   * run (the first applied after the state was last Inactive). Its instant is the activation moment
   * the bot claims its sender with; every replica computes the same one from the spec alone.
   * Absent when the bot was Active by spec.state before any edge.
   */
  activatedBy?: Edge;
  /** Set when the schedule made the bot Inactive: the deciding Deactivate edge (= lastEdge). */
  deactivatedBy?: Edge;
  /** Why the schedule was ignored; then `desired` is spec.state. Empty when it was applied. */
  errors: ScheduleError[];
}

/** The effective desired state of a Chatbot spec at `now`. Pure; never throws. */
export function effectiveDesiredState(
  spec: Pick<ChatbotSpec, 'state' | 'schedule'> | undefined,
  now: Date,
): DesiredState {
  const base: Desired = spec?.state === 'Active' ? 'Active' : 'Inactive';
  const parsed = parseSchedule(spec?.schedule);
  if (!parsed.ok) return { desired: base, errors: parsed.errors };
  return desiredStateAt(parsed.schedule, base, now);
}

/**
 * The next action: the first edge strictly after now that flips the effective desired state,
 * for the requeue and status.schedule (nextAction, nextAt, next). Undefined if none is coming.
 */
export function nextEdge(
  spec: Pick<ChatbotSpec, 'state' | 'schedule'> | undefined,
  now: Date,
): Edge | undefined {
  return effectiveDesiredState(spec, now).nextEdge;
}

/** effectiveDesiredState for a schedule parsed once (`base` is spec.state). */
export function desiredStateAt(schedule: ParsedSchedule, base: Desired, now: Date): DesiredState {
  const t = now.getTime();
  if (Number.isNaN(t)) return { desired: base, errors: [] };
  const latest = schedule.streams.map((s) => hitAtOrBefore(s, t));
  const last = maxHit(latest);
  const state: DesiredState = { desired: base, errors: [] };
  if (last) {
    state.lastEdge = toEdge(last);
    if (last.stream.kind === 'Deactivate') {
      state.desired = 'Inactive';
      state.deactivatedBy = state.lastEdge;
    } else {
      state.desired = 'Active';
      const first = activationStart(schedule, base, latest, last);
      if (first) state.activatedBy = first === last ? state.lastEdge : toEdge(first);
    }
  }
  const next = nextFlip(schedule, state.desired, t);
  if (next) {
    state.nextEdge = toEdge(next);
    state.next = state.nextEdge;
  }
  return state;
}

// Bounds the walks below. A sane schedule needs one or two steps (back-to-back windows: two);
// more only when one source always overrides another (an hourly Activate hiding every
// Deactivate), and then the state never changes that way: give up rather than walk for ever.
const MAX_WALK = 64;

/**
 * The first edge after t that flips `desired`. Only edges of the other kind can flip it; one
 * is skipped when an edge of the current kind at the same instant is applied after it.
 */
function nextFlip(schedule: ParsedSchedule, desired: Desired, t: number): Hit | undefined {
  const flipKind = desired === 'Active' ? 'Deactivate' : 'Activate';
  const flips = schedule.streams.filter((s) => s.kind === flipKind);
  const holds = schedule.streams.filter((s) => s.kind !== flipKind);
  let after = t;
  for (let i = 0; i < MAX_WALK; i++) {
    const candidates = flips.map((s) => hitAfter(s, after));
    const first = minHit(candidates);
    if (!first) return undefined;
    const at = first.instant;
    const flip = maxHit(candidates.filter((h) => h?.instant === at))!;
    const hold = maxHit(holds.map((s) => hitAfter(s, at - 1)).filter((h) => h?.instant === at));
    if (!hold || compareHits(flip, hold) > 0) return flip;
    after = at;
  }
  return undefined;
}

/**
 * The first Activate of the current Active run. The run began after the latest instant whose
 * edges left the state Inactive; a Deactivate followed by an Activate at the same instant
 * (back-to-back windows) never showed, so it does not end the run.
 */
function activationStart(
  schedule: ParsedSchedule,
  base: Desired,
  latest: readonly (Hit | undefined)[],
  last: Hit,
): Hit | undefined {
  const acts = schedule.streams.filter((s) => s.kind === 'Activate');
  const offs = schedule.streams.filter((s) => s.kind === 'Deactivate');
  let off = maxHit(latest.filter((h) => h?.stream.kind === 'Deactivate'));
  for (let i = 0; off; i++) {
    if (i === MAX_WALK) return undefined; // every Deactivate is hidden: no schedule moment
    const d = off;
    const hidden = acts.some((s) => {
      const h = hitAtOrBefore(s, d.instant);
      return h?.instant === d.instant && compareHits(h, d) > 0;
    });
    if (!hidden) break;
    off = maxHit(offs.map((s) => hitAtOrBefore(s, d.instant - 1)));
  }
  if (!off && base === 'Active') return undefined; // Active by hand before any edge
  const starts = acts.map((s) => {
    if (!off) return 'once' in s ? hitAtOrBefore(s, last.instant) : undefined;
    let h = hitAfter(s, off.instant - 1); // at or after the Deactivate's instant
    if (h && compareHits(h, off) < 0) h = hitAfter(s, off.instant); // same instant, applied before it
    return h && compareHits(h, last) <= 0 ? h : undefined;
  });
  return minHit(starts) ?? last;
}
