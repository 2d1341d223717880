// Grace periods (step: plan drains): a revision that stops serving new conversations may keep its
// open sessions until `until` (redeploy.gracePeriod, the new holder's takeover.gracePeriod,
// deactivation.gracePeriod), or less when the runtime reports that none are left. A rollback to a
// draining revision serves it again, and its drain ends.
import type { ChatbotStatus } from '../../api/schema.ts';
import { durationMs } from '../duration.ts';
import { rfc3339 } from '../time.ts';
import type { DecisionContext } from './observed.ts';
import { DrainReason } from './reasons.ts';
import type { SenderClaim } from './sender-claim.ts';
import type { Displacement } from './takeover.ts';
import type { Transitions } from './transitions.ts';

export type Drain = NonNullable<ChatbotStatus['draining']>[number];
export type Sessions = ChatbotStatus['sessions'];
export type EndedDrain = Drain & { why: 'deadline' | 'no open sessions' };

export interface DrainResult {
  remaining: Drain[];
  ended: EndedDrain[];
}

/** Drains at or past their deadline end, and so do those the runtime reports empty since they began. */
export function endDrains(draining: readonly Drain[], now: Date, sessions: Sessions): DrainResult {
  const remaining: Drain[] = [];
  const ended: DrainResult['ended'] = [];
  for (const d of draining) {
    if (new Date(d.until) <= now) ended.push({ ...d, why: 'deadline' });
    else if (sessions?.byRevision?.[d.revision] === 0 && reportedSince(sessions.observedAt, d.since)) {
      ended.push({ ...d, why: 'no open sessions' });
    } else remaining.push(d);
  }
  return { remaining, ended };
}

/** Only a count taken after the drain began can end it early. */
function reportedSince(observedAt: string | undefined, since: string | undefined): boolean {
  if (!observedAt || !since) return false;
  return new Date(observedAt) >= new Date(since);
}

/**
 * Adds the new drains that mean something: a revision, a deadline still ahead, and not the same
 * (revision, reason) as one already listed.
 */
export function startDrains(
  existing: readonly Drain[],
  candidates: readonly (Drain | undefined)[],
  now: Date,
): { draining: Drain[]; started: Drain[] } {
  return candidates.reduce<{ draining: Drain[]; started: Drain[] }>(
    (acc, d) =>
      d?.revision &&
      new Date(d.until) > now &&
      !acc.draining.some((x) => x.revision === d.revision && x.reason === d.reason)
        ? { draining: [...acc.draining, d], started: [...acc.started, d] }
        : acc,
    { draining: [...existing], started: [] },
  );
}

/** Deactivated with a grace period: the revision that served drains until deactivatedAt + grace. */
export function deactivationDrain(ctx: DecisionContext, transitions: Transitions): Drain | undefined {
  const { prev, spec, now } = ctx;
  const at = transitions.deactivated?.at;
  const grace = durationMs(spec.deactivation?.gracePeriod, '0s');
  if (at === undefined || !prev.revision || grace <= 0 || ctx.deleting) return undefined;
  return {
    revision: prev.revision,
    since: rfc3339(now),
    until: rfc3339(new Date(new Date(at).getTime() + grace)),
    reason: DrainReason.Deactivated,
  };
}

/** Redeployed: the previous revision drains for redeploy.gracePeriod from now. */
export function redeployDrain(ctx: DecisionContext, transitions: Transitions): Drain | undefined {
  const from = transitions.redeployed?.from;
  if (from === undefined) return undefined;
  const grace = durationMs(ctx.spec.redeploy?.gracePeriod, '10m');
  return {
    revision: from,
    since: rfc3339(ctx.now),
    until: rfc3339(new Date(ctx.now.getTime() + grace)),
    reason: DrainReason.Redeploy,
  };
}

export interface DrainPlan {
  /** status.draining after this decision. */
  draining: Drain[];
  /** Drains that began now (a DrainStarted event each). */
  started: Drain[];
  /** Drains that ended now (a DrainEnded event each). */
  ended: EndedDrain[];
}

export function planDrains(
  ctx: DecisionContext,
  parts: { claim: SenderClaim; displacement: Displacement; transitions: Transitions },
): DrainPlan {
  const { claim, displacement, transitions } = parts;
  const { draining, started } = startDrains(
    ctx.prev.draining ?? [],
    [displacement.drain, deactivationDrain(ctx, transitions), redeployDrain(ctx, transitions)],
    ctx.now,
  );
  // A rollback to a draining revision serves it again: that drain is dropped, not ended.
  const servedAgain = (d: Drain) => claim.holding && d.revision === ctx.revision;
  const { remaining, ended } = endDrains(
    draining.filter((d) => !servedAgain(d)),
    ctx.now,
    ctx.prev.sessions,
  );
  return { draining: remaining, started, ended };
}
