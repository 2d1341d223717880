// Step: the state and its reason, from the context and the earlier steps' parts.
import { describe, expect, it } from 'vitest';
import type { ChatbotSpec, ChatbotStatus, Issue } from '../../api/schema.ts';
import type { Drain, DrainPlan } from './drains.ts';
import {
  BUTTON_MESSAGE,
  CREATED,
  chatbotOf,
  contextFor,
  leaseHeldBy,
  ME,
  NEW_BOT,
  ONCE,
  REV,
  REV_2,
  servingStatus,
} from './fixtures.ts';
import type { SenderClaim } from './sender-claim.ts';
import { type StateAndReason, stateAndReason } from './state.ts';
import type { Displacement } from './takeover.ts';
import type { Transitions } from './transitions.ts';

const NOW = '2026-03-02T10:00:00Z';
const drain = (reason: Drain['reason']): Drain => ({ revision: REV, until: '2026-03-02T10:10:00Z', reason });
const draining = (...d: Drain[]): DrainPlan => ({ draining: d, started: [], ended: [] });
const NONE = draining();

describe('stateAndReason', () => {
  it.each<{
    name: string;
    spec?: Partial<ChatbotSpec>;
    status?: ChatbotStatus;
    issues?: Issue[];
    now?: string;
    claim: SenderClaim;
    displacement?: Displacement;
    transitions?: Transitions;
    drains?: DrainPlan;
    want: StateAndReason;
  }>([
    {
      name: 'holds the sender, Active by hand',
      claim: { holding: true },
      want: { state: 'Active', reason: 'ManualActivation' },
    },
    {
      name: 'holds the sender, Active by schedule',
      spec: { state: 'Inactive', schedule: ONCE },
      now: '2026-12-01T08:00:00Z',
      claim: { holding: true },
      want: { state: 'Active', reason: 'ScheduledActivation' },
    },
    {
      name: 'holds the sender with an invalid edit: the last valid revision serves',
      status: servingStatus(),
      issues: [BUTTON_MESSAGE],
      claim: { holding: true },
      want: { state: 'Active', reason: 'ServingLastValidRevision' },
    },
    {
      name: 'redeployed: Active, and the reason says so (a redeploy drain is not Draining)',
      status: servingStatus(),
      claim: { holding: true },
      transitions: { redeployed: { from: REV, to: REV_2 } },
      drains: draining(drain('Redeploy')),
      want: { state: 'Active', reason: 'Redeployed' },
    },
    {
      name: 'taken over, its sessions drain',
      status: servingStatus(),
      claim: { holding: false },
      displacement: { takenOver: true, preemptedBy: NEW_BOT },
      drains: draining(drain('TakenOver')),
      want: { state: 'Draining', reason: 'TakenOver' },
    },
    {
      name: 'deactivated, its sessions drain',
      spec: { state: 'Inactive' },
      status: servingStatus(),
      claim: { holding: false },
      drains: draining(drain('Deactivated')),
      want: { state: 'Draining', reason: 'Deactivated' },
    },
    {
      name: 'not serving, only a redeploy drain left: not Draining',
      spec: { state: 'Inactive' },
      claim: { holding: false },
      drains: draining(drain('Redeploy')),
      want: { state: 'Inactive', reason: 'Inactive' },
    },
    {
      name: 'wants Active, preempted',
      claim: { holding: false, preemptedBy: NEW_BOT },
      displacement: { takenOver: false, preemptedBy: NEW_BOT },
      want: { state: 'Preempted', reason: 'Preempted' },
    },
    {
      name: 'preempted earlier, no longer wants Active: Inactive',
      spec: { state: 'Inactive' },
      claim: { holding: false },
      displacement: { takenOver: false, preemptedBy: NEW_BOT },
      want: { state: 'Inactive', reason: 'Inactive' },
    },
    {
      name: 'errors, nothing serving: Invalid',
      issues: [BUTTON_MESSAGE],
      claim: { holding: false },
      want: { state: 'Invalid', reason: 'ValidationFailed' },
    },
    {
      name: 'an activation is scheduled: Scheduled',
      spec: { state: 'Inactive', schedule: ONCE },
      now: '2026-11-30T12:00:00Z',
      claim: { holding: false },
      want: { state: 'Scheduled', reason: 'WaitingForActivation' },
    },
    {
      name: 'after deactivateAt: Inactive by schedule',
      spec: { state: 'Inactive', schedule: ONCE },
      now: '2026-12-24T17:00:00Z',
      claim: { holding: false },
      want: { state: 'Inactive', reason: 'ScheduledDeactivation' },
    },
    {
      name: 'Inactive by hand',
      spec: { state: 'Inactive' },
      claim: { holding: false },
      want: { state: 'Inactive', reason: 'Inactive' },
    },
  ])('$name', ({ spec, status, issues, now, claim, displacement, transitions, drains, want }) => {
    const chatbot = chatbotOf({ spec: { state: 'Active', ...spec }, ...(status ? { status } : {}) });
    const lease = leaseHeldBy(ME, CREATED);
    const ctx = contextFor({ chatbot, lease, ...(issues ? { issues } : {}) }, now ?? NOW);
    const parts = {
      claim,
      displacement: displacement ?? { takenOver: false },
      transitions: transitions ?? {},
      drains: drains ?? NONE,
    };
    expect(stateAndReason(ctx, parts)).toEqual(want);
  });
});
