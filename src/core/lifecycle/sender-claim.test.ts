// Step: claim the sender. Who holds it after this decision, and what is written to its Lease.
import { describe, expect, it } from 'vitest';
import { REACTIVATE_ANNOTATION } from '../../api/names.ts';
import type { ChatbotSpec, ChatbotStatus, Issue } from '../../api/schema.ts';
import {
  BUTTON_MESSAGE,
  CREATED,
  chatbotOf,
  claimBy,
  contextFor,
  LEASE_NAME,
  type LeaseView,
  leaseHeldBy,
  ME,
  NEW_BOT,
  servingStatus,
} from './fixtures.ts';
import type { ClaimsView } from './observed.ts';
import { claimTheSender, type SenderClaim } from './sender-claim.ts';

const NOW = '2026-03-02T10:00:00Z';
const FREE: LeaseView = { name: LEASE_NAME, transitions: 0 };
const MINE = claimBy(ME, CREATED, CREATED); // a bot created Active claims with its creationTimestamp
const EARLIER = claimBy('acme/old-bot', '2026-02-15T00:00:00Z');
const LATER = claimBy(NEW_BOT, '2026-03-02T09:00:00Z');

describe('claimTheSender', () => {
  it.each<{
    name: string;
    spec?: Partial<ChatbotSpec>;
    status?: ChatbotStatus;
    annotations?: Record<string, string>;
    deleting?: boolean;
    issues?: Issue[];
    lease: LeaseView;
    others?: Omit<ClaimsView, 'lease' | 'rivals'> & { rivals?: ClaimsView['rivals'] };
    want: SenderClaim;
  }>([
    {
      name: 'wants Active, the Lease is free: takes it',
      lease: FREE,
      want: { holding: true, lease: { op: 'acquire', claim: MINE, takeover: false } },
    },
    {
      name: 'the holder’s claim is smaller (an earlier moment): takes it over',
      lease: leaseHeldBy(EARLIER.key, '2026-02-15T00:00:00Z'),
      others: { holderClaim: EARLIER },
      want: { holding: true, lease: { op: 'acquire', claim: MINE, takeover: true } },
    },
    {
      name: 'the holder no longer wants the sender (no claim): takes it over',
      lease: leaseHeldBy(NEW_BOT, '2026-03-02T09:00:00Z'),
      want: { holding: true, lease: { op: 'acquire', claim: MINE, takeover: true } },
    },
    {
      name: 'the holder’s claim is greater (a later moment): preempted by it',
      lease: leaseHeldBy(NEW_BOT, '2026-03-02T09:00:00Z'),
      others: { holderClaim: LATER },
      want: { holding: false, preemptedBy: NEW_BOT },
    },
    {
      name: 'a rival’s claim is greater, the Lease is free: preempted by the rival',
      lease: FREE,
      others: { rivals: [EARLIER, LATER] },
      want: { holding: false, preemptedBy: NEW_BOT },
    },
    {
      name: 'equal moments: the later creationTimestamp wins',
      lease: FREE,
      others: { rivals: [claimBy(NEW_BOT, CREATED, '2026-03-01T09:30:00Z')] },
      want: { holding: false, preemptedBy: NEW_BOT },
    },
    {
      name: 'held already with the same moment: nothing to write',
      status: servingStatus(),
      lease: leaseHeldBy(ME, CREATED),
      others: { rivals: [EARLIER] },
      want: { holding: true },
    },
    {
      name: 'held already, reactivated (a later moment): the Lease is renewed, not taken over',
      status: servingStatus(),
      annotations: { [REACTIVATE_ANNOTATION]: '2026-03-02T09:59:00Z' },
      lease: leaseHeldBy(ME, CREATED),
      want: {
        holding: true,
        lease: { op: 'acquire', claim: claimBy(ME, '2026-03-02T09:59:00Z', CREATED), takeover: false },
      },
    },
    {
      name: 'held, now Inactive: gives the Lease up',
      spec: { state: 'Inactive' },
      status: servingStatus(),
      lease: leaseHeldBy(ME, CREATED),
      want: { holding: false, lease: { op: 'release' } },
    },
    {
      name: 'held, being deleted: gives the Lease up',
      status: servingStatus(),
      deleting: true,
      lease: leaseHeldBy(ME, CREATED),
      want: { holding: false, lease: { op: 'release' } },
    },
    {
      name: 'held, an invalid edit: the last valid revision keeps the sender',
      status: servingStatus(),
      issues: [BUTTON_MESSAGE],
      lease: leaseHeldBy(ME, CREATED),
      want: { holding: true },
    },
    {
      name: 'invalid and not held: no claim',
      issues: [BUTTON_MESSAGE],
      lease: FREE,
      want: { holding: false },
    },
    {
      name: 'still preempted (no later moment than the one it lost with): stays so, even on a free Lease',
      status: servingStatus({
        state: 'Preempted',
        activation: { desired: 'Active', moment: CREATED, preemptedBy: NEW_BOT },
      }),
      lease: FREE,
      want: { holding: false, preemptedBy: NEW_BOT },
    },
    {
      name: 'preempted, then reactivated with a later moment: claims again',
      status: servingStatus({
        state: 'Preempted',
        activation: { desired: 'Active', moment: CREATED, preemptedBy: NEW_BOT },
      }),
      annotations: { [REACTIVATE_ANNOTATION]: '2026-03-02T09:59:00Z' },
      lease: leaseHeldBy(NEW_BOT, '2026-03-02T09:00:00Z'),
      others: { holderClaim: LATER },
      want: {
        holding: true,
        lease: { op: 'acquire', claim: claimBy(ME, '2026-03-02T09:59:00Z', CREATED), takeover: true },
      },
    },
  ])('$name', ({ spec, status, annotations, deleting, issues, lease, others, want }) => {
    const chatbot = chatbotOf({
      spec: { state: 'Active', ...spec },
      ...(status ? { status } : {}),
      ...(annotations ? { annotations } : {}),
    });
    if (deleting) chatbot.metadata.deletionTimestamp = '2026-03-02T09:59:59Z';
    const ctx = contextFor(
      { chatbot, lease, ...(others ? { others } : {}), ...(issues ? { issues } : {}) },
      NOW,
    );
    expect(claimTheSender(ctx)).toEqual(want);
  });
});
