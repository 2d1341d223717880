// Step: plan drains. Which drains start and end now, and what status.draining becomes.
import { describe, expect, it } from 'vitest';
import type { ChatbotSpec, ChatbotStatus } from '../../api/schema.ts';
import {
  type Drain,
  type DrainPlan,
  deactivationDrain,
  endDrains,
  planDrains,
  redeployDrain,
  type Sessions,
  startDrains,
} from './drains.ts';
import { CREATED, chatbotOf, contextFor, leaseHeldBy, ME, REV, REV_2, servingStatus } from './fixtures.ts';
import type { SenderClaim } from './sender-claim.ts';
import type { Displacement } from './takeover.ts';
import type { Transitions } from './transitions.ts';

const NOW = '2026-03-02T10:00:00Z';
const SINCE = '2026-03-02T09:55:00Z';
const UNTIL = '2026-03-02T10:05:00Z';
/** A drain; `since: null` for one written before drains recorded their start. */
const d = (
  revision: string,
  reason: Drain['reason'],
  until = UNTIL,
  since: string | null = SINCE,
): Drain => ({
  revision,
  ...(since ? { since } : {}),
  until,
  reason,
});
const sessions = (count: number | undefined, observedAt: string): Sessions => ({
  open: count ?? 0,
  draining: 0,
  ...(count !== undefined ? { byRevision: { [REV]: count } } : {}),
  observedAt,
});

describe('endDrains', () => {
  it.each<{ name: string; drain: Drain; sessions?: Sessions; ended?: 'deadline' | 'no open sessions' }>([
    { name: 'before the deadline, no count: goes on', drain: d(REV, 'TakenOver') },
    { name: 'at the deadline: ended', drain: d(REV, 'TakenOver', NOW), ended: 'deadline' },
    {
      name: 'past the deadline: ended',
      drain: d(REV, 'Redeploy', '2026-03-02T09:59:59Z'),
      ended: 'deadline',
    },
    {
      name: 'zero open sessions counted after it began: ended early',
      drain: d(REV, 'Deactivated'),
      sessions: sessions(0, '2026-03-02T09:58:00Z'),
      ended: 'no open sessions',
    },
    {
      name: 'zero counted before it began (a count for the old holder): goes on',
      drain: d(REV, 'Deactivated'),
      sessions: sessions(0, '2026-03-02T09:54:59Z'),
    },
    {
      name: 'open sessions left: goes on',
      drain: d(REV, 'Deactivated'),
      sessions: sessions(3, '2026-03-02T09:58:00Z'),
    },
    {
      name: 'no count for its revision: goes on',
      drain: d(REV, 'Deactivated'),
      sessions: sessions(undefined, '2026-03-02T09:58:00Z'),
    },
    {
      name: 'a drain without since cannot be ended early',
      drain: d(REV, 'Deactivated', UNTIL, null),
      sessions: sessions(0, '2026-03-02T09:58:00Z'),
    },
  ])('$name', ({ drain, sessions, ended }) => {
    const result = endDrains([drain], new Date(NOW), sessions);
    expect(result).toEqual(
      ended ? { remaining: [], ended: [{ ...drain, why: ended }] } : { remaining: [drain], ended: [] },
    );
  });
});

describe('startDrains', () => {
  it.each<{ name: string; existing: Drain[]; candidates: (Drain | undefined)[]; started: Drain[] }>([
    { name: 'nothing new', existing: [d(REV, 'Redeploy')], candidates: [undefined], started: [] },
    { name: 'a new drain', existing: [], candidates: [d(REV, 'TakenOver')], started: [d(REV, 'TakenOver')] },
    {
      name: 'the same revision and reason already drains: not again',
      existing: [d(REV, 'TakenOver', '2026-03-02T10:04:00Z')],
      candidates: [d(REV, 'TakenOver')],
      started: [],
    },
    {
      name: 'the same revision for another reason: a second drain',
      existing: [d(REV, 'Redeploy')],
      candidates: [d(REV, 'Deactivated')],
      started: [d(REV, 'Deactivated')],
    },
    {
      name: 'a deadline not ahead (a 0s grace period): no drain',
      existing: [],
      candidates: [d(REV, 'TakenOver', NOW)],
      started: [],
    },
    { name: 'no revision: no drain', existing: [], candidates: [d('', 'TakenOver')], started: [] },
  ])('$name', ({ existing, candidates, started }) => {
    expect(startDrains(existing, candidates, new Date(NOW))).toEqual({
      draining: [...existing, ...started],
      started,
    });
  });
});

describe('the drains of deactivation and redeploy', () => {
  const ctx = (spec: Partial<ChatbotSpec>, status: ChatbotStatus = servingStatus(), deleting = false) => {
    const chatbot = chatbotOf({ spec: { state: 'Inactive', ...spec }, status });
    if (deleting) chatbot.metadata.deletionTimestamp = NOW;
    return contextFor({ chatbot }, NOW);
  };
  const deactivated: Transitions = { deactivated: { at: '2026-03-02T09:59:00Z' } };

  it.each<[string, Partial<ChatbotSpec>, Transitions, ChatbotStatus | undefined, boolean, Drain | undefined]>(
    [
      [
        'deactivated with 5m: until deactivatedAt + 5m',
        { deactivation: { gracePeriod: '5m' } },
        deactivated,
        undefined,
        false,
        { revision: REV, since: NOW, until: '2026-03-02T10:04:00Z', reason: 'Deactivated' },
      ],
      ['deactivated with 0s (the default): none', {}, deactivated, undefined, false, undefined],
      ['not deactivated: none', { deactivation: { gracePeriod: '5m' } }, {}, undefined, false, undefined],
      [
        'being deleted: none',
        { deactivation: { gracePeriod: '5m' } },
        deactivated,
        undefined,
        true,
        undefined,
      ],
      [
        'no revision served: none',
        { deactivation: { gracePeriod: '5m' } },
        deactivated,
        servingStatus({ revision: undefined }),
        false,
        undefined,
      ],
    ],
  )('deactivationDrain: %s', (_name, spec, transitions, status, deleting, want) => {
    expect(deactivationDrain(ctx(spec, status, deleting), transitions)).toEqual(want);
  });

  it.each<[string, Partial<ChatbotSpec>, Transitions, Drain | undefined]>([
    [
      'redeployed with 2m: the previous revision until now + 2m',
      { redeploy: { gracePeriod: '2m' } },
      { redeployed: { from: REV, to: REV_2 } },
      { revision: REV, since: NOW, until: '2026-03-02T10:02:00Z', reason: 'Redeploy' },
    ],
    [
      'redeployed, default 10m',
      {},
      { redeployed: { from: REV, to: REV_2 } },
      { revision: REV, since: NOW, until: '2026-03-02T10:10:00Z', reason: 'Redeploy' },
    ],
    ['not redeployed: none', { redeploy: { gracePeriod: '2m' } }, {}, undefined],
  ])('redeployDrain: %s', (_name, spec, transitions, want) => {
    expect(redeployDrain(ctx(spec), transitions)).toEqual(want);
  });
});

describe('planDrains', () => {
  const HOLDING: SenderClaim = { holding: true };
  const NOT_DISPLACED: Displacement = { takenOver: false };

  it.each<{
    name: string;
    draining: Drain[];
    claim?: SenderClaim;
    displacement?: Displacement;
    transitions?: Transitions;
    sessions?: Sessions;
    want: DrainPlan;
  }>([
    {
      name: 'a rollback to a draining revision: it serves again, its drain is dropped (not ended)',
      draining: [d(REV, 'Redeploy')],
      transitions: { redeployed: { from: REV_2, to: REV } },
      want: {
        draining: [d(REV_2, 'Redeploy', '2026-03-02T10:10:00Z', NOW)],
        started: [d(REV_2, 'Redeploy', '2026-03-02T10:10:00Z', NOW)],
        ended: [],
      },
    },
    {
      name: 'a takeover drain starts while an old one ends at its deadline',
      draining: [d(REV_2, 'Redeploy', NOW)],
      claim: { holding: false },
      displacement: { takenOver: true, drain: d(REV, 'TakenOver', '2026-03-02T10:15:00Z', NOW) },
      want: {
        draining: [d(REV, 'TakenOver', '2026-03-02T10:15:00Z', NOW)],
        started: [d(REV, 'TakenOver', '2026-03-02T10:15:00Z', NOW)],
        ended: [{ ...d(REV_2, 'Redeploy', NOW), why: 'deadline' }],
      },
    },
  ])('$name', ({ draining, claim, displacement, transitions, sessions, want }) => {
    const status = servingStatus({ revision: REV_2, draining, ...(sessions ? { sessions } : {}) });
    const chatbot = chatbotOf({ spec: { state: 'Active' }, status });
    const ctx = contextFor({ chatbot, lease: leaseHeldBy(ME, CREATED) }, NOW);
    const parts = {
      claim: claim ?? HOLDING,
      displacement: displacement ?? NOT_DISPLACED,
      transitions: transitions ?? {},
    };
    expect(planDrains(ctx, parts)).toEqual(want);
  });
});
