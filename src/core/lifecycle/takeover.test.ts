// Step: notice a takeover. How a displaced bot learns it lost its sender, and how its sessions end.
import { describe, expect, it } from 'vitest';
import type { ChatbotSpec, ChatbotStatus } from '../../api/schema.ts';
import {
  CREATED,
  chatbotOf,
  contextFor,
  LEASE_NAME,
  type LeaseView,
  leaseHeldBy,
  NEW_BOT,
  REV,
  servingStatus,
} from './fixtures.ts';
import type { PlannedEvent } from './plan.ts';
import type { SenderClaim } from './sender-claim.ts';
import { type Displacement, noticeTakeover } from './takeover.ts';

const NOW = '2026-03-02T10:00:03Z';
const HELD_BY_NEW = leaseHeldBy(NEW_BOT, '2026-03-02T10:00:00Z', '2026-03-02T10:00:01Z');
const LOST: SenderClaim = { holding: false, preemptedBy: NEW_BOT };

const takenOverEvent = (until: string): PlannedEvent => ({
  type: 'Warning',
  reason: 'TakenOver',
  action: 'Takeover',
  note: `Sender taken over by ${NEW_BOT}: open sessions may finish until ${until}`,
});

describe('noticeTakeover', () => {
  it.each<{
    name: string;
    spec?: Partial<ChatbotSpec>;
    status?: ChatbotStatus;
    lease: LeaseView;
    takeover?: { mode?: string; gracePeriod?: string };
    claim: SenderClaim;
    want: Displacement;
  }>([
    {
      name: 'served, Graceful 10m: TakenOver, the serving revision drains until acquireTime + 10m',
      status: servingStatus(),
      lease: HELD_BY_NEW,
      takeover: { mode: 'Graceful', gracePeriod: '10m' },
      claim: LOST,
      want: {
        takenOver: true,
        preemptedBy: NEW_BOT,
        event: takenOverEvent('2026-03-02T10:10:01Z'),
        drain: { revision: REV, since: NOW, until: '2026-03-02T10:10:01Z', reason: 'TakenOver' },
      },
    },
    {
      name: 'served, the holder without takeover settings: Graceful 15m',
      status: servingStatus(),
      lease: HELD_BY_NEW,
      claim: LOST,
      want: {
        takenOver: true,
        preemptedBy: NEW_BOT,
        event: takenOverEvent('2026-03-02T10:15:01Z'),
        drain: { revision: REV, since: NOW, until: '2026-03-02T10:15:01Z', reason: 'TakenOver' },
      },
    },
    {
      name: 'served, a Lease without acquireTime: the grace period counts from now',
      status: servingStatus(),
      lease: { name: LEASE_NAME, holder: NEW_BOT, transitions: 1 },
      takeover: { gracePeriod: '1m' },
      claim: LOST,
      want: {
        takenOver: true,
        preemptedBy: NEW_BOT,
        event: takenOverEvent('2026-03-02T10:01:03Z'),
        drain: { revision: REV, since: NOW, until: '2026-03-02T10:01:03Z', reason: 'TakenOver' },
      },
    },
    {
      name: 'served, Immediate: Preempted now, nothing drains',
      status: servingStatus(),
      lease: HELD_BY_NEW,
      takeover: { mode: 'Immediate', gracePeriod: '10m' },
      claim: LOST,
      want: {
        takenOver: true,
        preemptedBy: NEW_BOT,
        event: {
          type: 'Warning',
          reason: 'Preempted',
          action: 'Takeover',
          note: `Sender taken over by ${NEW_BOT}: open sessions closed now`,
        },
      },
    },
    {
      name: 'served without a revision: the event, no drain',
      status: servingStatus({ revision: undefined }),
      lease: HELD_BY_NEW,
      claim: LOST,
      want: { takenOver: true, preemptedBy: NEW_BOT, event: takenOverEvent('2026-03-02T10:15:01Z') },
    },
    {
      name: 'never served, lost the claim: Preempted (Claim)',
      status: { state: 'Inactive', activation: { desired: 'Inactive' } },
      lease: HELD_BY_NEW,
      claim: LOST,
      want: {
        takenOver: true,
        preemptedBy: NEW_BOT,
        event: {
          type: 'Warning',
          reason: 'Preempted',
          action: 'Claim',
          note: `Sender is held by ${NEW_BOT}, whose activation is later (claims order by activation moment)`,
        },
      },
    },
    {
      name: 'already Preempted and still so: nothing new',
      status: servingStatus({
        state: 'Preempted',
        activation: { desired: 'Active', moment: CREATED, preemptedBy: NEW_BOT },
      }),
      lease: HELD_BY_NEW,
      claim: LOST,
      want: { takenOver: true, preemptedBy: NEW_BOT },
    },
    {
      name: 'holds the sender: not displaced',
      status: servingStatus(),
      lease: HELD_BY_NEW,
      claim: { holding: true },
      want: { takenOver: false },
    },
    {
      name: 'no longer wants the sender (Inactive): not taken over',
      spec: { state: 'Inactive' },
      status: servingStatus(),
      lease: HELD_BY_NEW,
      claim: { holding: false },
      want: { takenOver: false },
    },
  ])('$name', ({ spec, status, lease, takeover, claim, want }) => {
    const chatbot = chatbotOf({ spec: { state: 'Active', ...spec }, ...(status ? { status } : {}) });
    const ctx = contextFor(
      { chatbot, lease, ...(takeover ? { others: { holderTakeover: takeover } } : {}) },
      NOW,
    );
    expect(noticeTakeover(ctx, claim)).toEqual(want);
  });
});
