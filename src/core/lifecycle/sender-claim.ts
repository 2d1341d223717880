// Step: claim the sender. A bot that competes for its sender holds it when it already did, or
// when no claim is greater than its own (claims order by activation moment, creationTimestamp,
// namespace/name); otherwise the greater claim preempts it. A bot that no longer competes gives
// the Lease up.
import { type Claim, compareClaims, greatestClaim } from '../claims/claim.ts';
import type { DecisionContext } from './observed.ts';
import type { LeaseOp } from './plan.ts';

export interface SenderClaim {
  /** It holds the sender after this decision, and serves. */
  holding: boolean;
  /** The write to the sender's Lease, if one is needed. */
  lease?: LeaseOp;
  /** namespace/name of the chatbot whose claim beats its own, or that still preempts it. */
  preemptedBy?: string;
}

/** The greatest claim on the sender that beats `mine` (the holder's or a rival's), if any. */
export function strongerClaimThan(ctx: DecisionContext, mine: Claim): Claim | undefined {
  return greatestClaim(
    [ctx.claims?.holderClaim, ...(ctx.claims?.rivals ?? [])].filter(
      (c): c is Claim => c !== undefined && c.key !== ctx.me && compareClaims(c, mine) > 0,
    ),
  );
}

export function claimTheSender(ctx: DecisionContext): SenderClaim {
  const mine = ctx.activation?.claim;
  if (ctx.stillPreempted) {
    const by = ctx.prevActivation.preemptedBy;
    return { holding: false, ...(by ? { preemptedBy: by } : {}) };
  }
  if (!mine) return ctx.heldBefore ? { holding: false, lease: { op: 'release' } } : { holding: false };
  if (ctx.heldBefore) {
    // Held already: the Lease is written again only when the claim's moment moved (reactivation).
    const renew = ctx.lease?.claim?.moment.getTime() !== mine.moment.getTime();
    return { holding: true, ...(renew ? { lease: { op: 'acquire', claim: mine, takeover: false } } : {}) };
  }
  const stronger = strongerClaimThan(ctx, mine);
  if (stronger) return { holding: false, preemptedBy: stronger.key };
  return { holding: true, lease: { op: 'acquire', claim: mine, takeover: Boolean(ctx.lease?.holder) } };
}
