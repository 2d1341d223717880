// What decide() returns: a plan as data, which the operator shell applies (ControllerRevision,
// sender Lease, status, events, pruning) before it requeues at nextWakeAt.
import type { ChatbotStatus } from '../../api/schema.ts';
import type { Claim } from '../claims/claim.ts';

/** An event to record about the chatbot (reasons: EventReason in reasons.ts). */
export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  action: string;
  note: string;
}

/** A write to the sender's Lease: take (or renew) it with this claim, or give it up. */
export type LeaseOp = { op: 'acquire'; claim: Claim; takeover: boolean } | { op: 'release' };

export interface Plan {
  status: ChatbotStatus;
  /** In the order they happened. */
  events: PlannedEvent[];
  /** When to reconcile again (next schedule edge or drain deadline), if ever. */
  nextWakeAt?: Date;
  /** One word for the decision log line (StateReason in reasons.ts). */
  reason: string;
  /** The instant of the schedule edge that decided the state (for the lateness metric). */
  lateEdge?: Date;
  lease?: LeaseOp;
  /** A ControllerRevision to create for the current definition. */
  createRevision?: string;
  pruneRevisions: string[];
}
