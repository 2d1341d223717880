// Step: detect deactivation and redeploy of a serving bot.
import { describe, expect, it } from 'vitest';
import type { ChatbotSpec, ChatbotStatus, Issue } from '../../api/schema.ts';
import {
  BUTTON_MESSAGE,
  CREATED,
  chatbotOf,
  contextFor,
  DEFINITION_2,
  leaseHeldBy,
  ME,
  NEW_BOT,
  ONCE,
  REV,
  REV_2,
  servingStatus,
} from './fixtures.ts';
import type { SenderClaim } from './sender-claim.ts';
import type { Displacement } from './takeover.ts';
import { detectTransitions, type Transitions } from './transitions.ts';

const NOW = '2026-03-02T10:00:00Z';
const HOLDING: SenderClaim = { holding: true };
const LET_GO: SenderClaim = { holding: false, lease: { op: 'release' } };
const NOT_DISPLACED: Displacement = { takenOver: false };

describe('detectTransitions', () => {
  it.each<{
    name: string;
    spec?: Partial<ChatbotSpec>;
    status: ChatbotStatus;
    issues?: Issue[];
    now?: string;
    claim: SenderClaim;
    displacement?: Displacement;
    want: Transitions;
  }>([
    {
      name: 'was Active, let go, nobody took the sender: deactivated now',
      spec: { state: 'Inactive' },
      status: servingStatus(),
      claim: LET_GO,
      want: { deactivated: { at: NOW } },
    },
    {
      name: 'deactivated by a schedule edge seen late: at the edge’s instant',
      spec: { state: 'Inactive', schedule: ONCE },
      status: servingStatus(),
      now: '2026-12-24T17:02:00Z',
      claim: LET_GO,
      want: { deactivated: { at: '2026-12-24T17:00:00Z' } },
    },
    {
      name: 'was Active and taken over: not a deactivation',
      status: servingStatus(),
      claim: { holding: false },
      displacement: { takenOver: true, preemptedBy: NEW_BOT },
      want: {},
    },
    {
      name: 'was not Active: nothing to deactivate',
      spec: { state: 'Inactive' },
      status: { state: 'Inactive' },
      claim: { holding: false },
      want: {},
    },
    {
      name: 'serving, a valid new definition: redeployed from the previous revision',
      spec: { definition: DEFINITION_2 },
      status: servingStatus(),
      claim: HOLDING,
      want: { redeployed: { from: REV, to: REV_2 } },
    },
    {
      name: 'serving, the same definition: nothing',
      status: servingStatus(),
      claim: HOLDING,
      want: {},
    },
    {
      name: 'serving, an invalid new definition: no redeploy (the last valid revision keeps serving)',
      spec: { definition: DEFINITION_2 },
      status: servingStatus(),
      issues: [BUTTON_MESSAGE],
      claim: HOLDING,
      want: {},
    },
    {
      name: 'activated now with a new definition: an activation, not a redeploy',
      spec: { definition: DEFINITION_2 },
      status: servingStatus({ state: 'Inactive' }),
      claim: HOLDING,
      want: {},
    },
  ])('$name', ({ spec, status, issues, now, claim, displacement, want }) => {
    const chatbot = chatbotOf({ spec: { state: 'Active', ...spec }, status });
    const lease = leaseHeldBy(ME, CREATED);
    const ctx = contextFor({ chatbot, lease, ...(issues ? { issues } : {}) }, now ?? NOW);
    expect(detectTransitions(ctx, { claim, displacement: displacement ?? NOT_DISPLACED })).toEqual(want);
  });
});
