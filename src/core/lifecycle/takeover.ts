// Step: notice a takeover. A bot that served (or held the Lease) and finds another chatbot holding
// its sender was taken over: the holder's spec.takeover decides how its open sessions end
// (Graceful: they drain until the holder's acquireTime + gracePeriod; Immediate: now). A bot that
// never served and lost the claim is told it was preempted.
import { durationMs } from '../duration.ts';
import { rfc3339 } from '../time.ts';
import type { Drain } from './drains.ts';
import type { DecisionContext } from './observed.ts';
import type { PlannedEvent } from './plan.ts';
import { DrainReason, EventAction, EventReason } from './reasons.ts';
import type { SenderClaim } from './sender-claim.ts';

/** How this bot lost its sender, if it did. */
export interface Displacement {
  /** Another chatbot holds the sender this bot wants. */
  takenOver: boolean;
  /** namespace/name of the chatbot that displaced or preempts it. */
  preemptedBy?: string;
  /** TakenOver or Preempted, when it happened now. */
  event?: PlannedEvent;
  /** A Graceful takeover: the serving revision drains for the holder's grace period. */
  drain?: Drain;
}

/** Another chatbot holds the sender this bot wants and does not hold. */
export function isHeldByAnother(ctx: DecisionContext, claim: SenderClaim): boolean {
  return !claim.holding && ctx.wantsActive && ctx.lease?.holder !== undefined && ctx.lease.holder !== ctx.me;
}

/**
 * It served and another chatbot holds its sender now. (A bot still preempted was told so when it
 * lost; the Lease never names this bot here, so holding it before cannot be the reason.)
 */
export function wasTakenOver(ctx: DecisionContext, claim: SenderClaim): boolean {
  return isHeldByAnother(ctx, claim) && ctx.wasActive && !ctx.stillPreempted;
}

/** It never served, and a greater claim beat its own now. */
export function lostTheClaim(ctx: DecisionContext, claim: SenderClaim): boolean {
  return !claim.holding && Boolean(claim.preemptedBy) && !ctx.stillPreempted && !ctx.wasActive;
}

export function noticeTakeover(ctx: DecisionContext, claim: SenderClaim): Displacement {
  const takenOver = isHeldByAnother(ctx, claim);
  const holder = ctx.lease?.holder;
  if (holder && wasTakenOver(ctx, claim))
    return { takenOver, preemptedBy: holder, ...takeoverBy(ctx, holder) };
  const by = claim.preemptedBy;
  if (by && lostTheClaim(ctx, claim)) {
    return {
      takenOver,
      preemptedBy: by,
      event: {
        type: 'Warning',
        reason: EventReason.Preempted,
        action: EventAction.Claim,
        note: `Sender is held by ${by}, whose activation is later (claims order by activation moment)`,
      },
    };
  }
  return { takenOver, ...(by ? { preemptedBy: by } : {}) };
}

/** The event and drain of a takeover by `holder`, per the holder's spec.takeover. */
function takeoverBy(ctx: DecisionContext, holder: string): Pick<Displacement, 'event' | 'drain'> {
  const { now, prev } = ctx;
  if (ctx.claims?.holderTakeover?.mode === 'Immediate') {
    return {
      event: {
        type: 'Warning',
        reason: EventReason.Preempted,
        action: EventAction.Takeover,
        note: `Sender taken over by ${holder}: open sessions closed now`,
      },
    };
  }
  const grace = durationMs(ctx.claims?.holderTakeover?.gracePeriod, '15m');
  const until = rfc3339(new Date((ctx.lease?.acquireTime ?? now).getTime() + grace));
  return {
    event: {
      type: 'Warning',
      reason: EventReason.TakenOver,
      action: EventAction.Takeover,
      note: `Sender taken over by ${holder}: open sessions may finish until ${until}`,
    },
    ...(prev.revision
      ? { drain: { revision: prev.revision, since: rfc3339(now), until, reason: DrainReason.TakenOver } }
      : {}),
  };
}
