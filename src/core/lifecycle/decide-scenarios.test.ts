// decide() over time for what happens to open sessions: a takeover (Graceful or Immediate), a drain
// ending at its deadline or when no sessions are left, a redeploy and a rollback, pruning old
// revisions, and a deactivation with a grace period. What kubectl shows: status and events.
import { describe, expect, it } from 'vitest';
import type { ChatbotSpec } from '../../api/schema.ts';
import {
  at,
  claimBy,
  conds,
  DEFINITION,
  DEFINITION_2,
  edited,
  LEASE_NAME,
  ME,
  NEW_BOT,
  newWorld,
  ONCE,
  REV,
  REV_2,
  reasons,
  reconcile,
  sessionsReported,
  takenOverBy,
  type World,
} from './fixtures.ts';
import type { Plan } from './plan.ts';

/** A bot created Active at CREATED, serving REV and holding its sender since 09:00:05. */
function servingWorld(spec: Partial<ChatbotSpec> = {}): World {
  const world = newWorld({ spec: { state: 'Active', ...spec } });
  reconcile(world, at('2026-03-01T09:00:05Z'), []);
  return world;
}

const TAKEN_AT = '2026-03-02T10:00:01Z'; // the new holder's acquireTime

describe('takeover: what happens to the displaced bot', () => {
  it.each<{
    name: string;
    takeover?: { mode?: string; gracePeriod?: string };
    state: string;
    event: Plan['events'][number];
    until?: string;
  }>([
    {
      name: 'Graceful: its sessions drain until the holder’s acquireTime + gracePeriod',
      takeover: { mode: 'Graceful', gracePeriod: '10m' },
      state: 'Draining',
      event: {
        type: 'Warning',
        reason: 'TakenOver',
        action: 'Takeover',
        note: 'Sender taken over by acme/new-bot: open sessions may finish until 2026-03-02T10:10:01Z',
      },
      until: '2026-03-02T10:10:01Z',
    },
    {
      name: 'the holder has no takeover settings: Graceful for 15m',
      state: 'Draining',
      event: {
        type: 'Warning',
        reason: 'TakenOver',
        action: 'Takeover',
        note: 'Sender taken over by acme/new-bot: open sessions may finish until 2026-03-02T10:15:01Z',
      },
      until: '2026-03-02T10:15:01Z',
    },
    {
      name: 'Immediate: Preempted straight away, nothing drains',
      takeover: { mode: 'Immediate', gracePeriod: '10m' },
      state: 'Preempted',
      event: {
        type: 'Warning',
        reason: 'Preempted',
        action: 'Takeover',
        note: 'Sender taken over by acme/new-bot: open sessions closed now',
      },
    },
  ])('$name', ({ takeover, state, event, until }) => {
    const world = servingWorld();
    takenOverBy(world, {
      claim: claimBy(NEW_BOT, '2026-03-02T10:00:00Z'),
      acquireTime: TAKEN_AT,
      ...(takeover ? { takeover } : {}),
    });
    const plan = reconcile(world, at('2026-03-02T10:00:03Z'), []);
    const s = plan.status;
    expect(s.state).toBe(state);
    expect(plan.reason).toBe(state === 'Draining' ? 'TakenOver' : 'Preempted');
    expect(plan.lease).toBeUndefined(); // the Lease is the new holder's
    expect(s.activation?.preemptedBy).toBe(NEW_BOT);
    expect(s.entryPoints).toBeUndefined();
    expect(conds(s).SenderBound).toEqual({
      status: 'False',
      reason: 'HeldByOther',
      message: `Sender held by ${NEW_BOT}`,
    });
    if (until) {
      const drain = { revision: REV, since: '2026-03-02T10:00:03Z', until, reason: 'TakenOver' };
      expect(s.draining).toEqual([drain]);
      expect(plan.events).toEqual([
        event,
        {
          type: 'Normal',
          reason: 'DrainStarted',
          action: 'Drain',
          note: `Open sessions on revision ${REV} may finish until ${until} (TakenOver)`,
        },
      ]);
      expect(plan.nextWakeAt).toEqual(at(until));
      expect(conds(s).Ready).toEqual({
        status: 'False',
        reason: 'Draining',
        message: 'Open sessions are draining',
      });
      expect(conds(s).Reconciling).toEqual({
        status: 'True',
        reason: 'Draining',
        message: `${REV} until ${until} (TakenOver)`,
      });
    } else {
      expect(s.draining).toBeUndefined();
      expect(plan.events).toEqual([event]);
      expect(plan.nextWakeAt).toBeUndefined();
      expect(conds(s).Reconciling?.status).toBe('False');
    }
    // Afterwards it stays Preempted (its moment is not later than the one it lost with): no flapping.
    const later = reconcile(world, at('2026-03-02T11:00:00Z'), []);
    expect([later.status.state, later.status.activation?.preemptedBy]).toEqual(['Preempted', NEW_BOT]);
    expect(later.lease).toBeUndefined();
    expect(conds(later.status).Ready).toEqual({
      status: 'False',
      reason: 'Preempted',
      message: `Sender held by ${NEW_BOT}; set the annotation chatbots.dev/reactivate to claim it again`,
    });
  });
});

describe('a drain ends at its deadline, or early when no sessions are left', () => {
  const UNTIL = '2026-03-02T10:10:01Z';
  const SINCE = '2026-03-02T10:00:03Z';

  it.each<{ name: string; sessions?: [Record<string, number>, string]; now: string; ended?: string }>([
    { name: 'before the deadline, no count yet: still draining', now: '2026-03-02T10:05:00Z' },
    {
      name: 'open sessions left: still draining',
      sessions: [{ [REV]: 2 }, '2026-03-02T10:04:00Z'],
      now: '2026-03-02T10:05:00Z',
    },
    {
      name: 'zero counted before the drain began: it does not count',
      sessions: [{ [REV]: 0 }, '2026-03-02T10:00:02Z'],
      now: '2026-03-02T10:05:00Z',
    },
    {
      name: 'zero counted after the drain began: ended early',
      sessions: [{ [REV]: 0 }, '2026-03-02T10:04:00Z'],
      now: '2026-03-02T10:05:00Z',
      ended: 'no open sessions',
    },
    {
      name: 'zero counted as the drain began: ended early',
      sessions: [{ [REV]: 0 }, SINCE],
      now: '2026-03-02T10:05:00Z',
      ended: 'no open sessions',
    },
    { name: 'at the deadline: ended', now: UNTIL, ended: 'deadline' },
    {
      name: 'at the deadline with open sessions: ended (the runtime closes them)',
      sessions: [{ [REV]: 4 }, '2026-03-02T10:09:00Z'],
      now: UNTIL,
      ended: 'deadline',
    },
  ])('$name', ({ sessions, now, ended }) => {
    const world = servingWorld();
    takenOverBy(world, {
      claim: claimBy(NEW_BOT, '2026-03-02T10:00:00Z'),
      acquireTime: TAKEN_AT,
      takeover: { mode: 'Graceful', gracePeriod: '10m' },
    });
    reconcile(world, at(SINCE), []);
    if (sessions) sessionsReported(world, ...sessions);
    const plan = reconcile(world, at(now), []);
    if (ended) {
      expect(plan.status.state).toBe('Preempted');
      expect(plan.status.draining).toBeUndefined();
      expect(plan.events).toEqual([
        {
          type: 'Normal',
          reason: 'DrainEnded',
          action: 'Drain',
          note: `Sessions on revision ${REV} closed (TakenOver: ${ended})`,
        },
      ]);
      expect(plan.nextWakeAt).toBeUndefined();
    } else {
      expect(plan.status.state).toBe('Draining');
      expect(plan.status.draining).toEqual([
        { revision: REV, since: SINCE, until: UNTIL, reason: 'TakenOver' },
      ]);
      expect(plan.events).toEqual([]);
      expect(plan.nextWakeAt).toEqual(at(UNTIL));
    }
  });
});

describe('redeploy and rollback', () => {
  it.each<{ name: string; gracePeriod?: string; until: string }>([
    { name: 'redeploy.gracePeriod 5m', gracePeriod: '5m', until: '2026-03-02T10:05:00Z' },
    { name: 'redeploy.gracePeriod defaults to 10m', until: '2026-03-02T10:10:00Z' },
  ])('a valid change makes a new revision; the previous one drains ($name)', ({ gracePeriod, until }) => {
    const world = servingWorld(gracePeriod ? { redeploy: { gracePeriod } } : {});
    edited(world, { definition: DEFINITION_2 });
    const plan = reconcile(world, at('2026-03-02T10:00:00Z'), []);
    expect(plan.createRevision).toBe(REV_2);
    expect(plan.status.revision).toBe(REV_2);
    expect([plan.status.state, plan.reason]).toEqual(['Active', 'Redeployed']);
    expect(plan.status.draining).toEqual([
      { revision: REV, since: '2026-03-02T10:00:00Z', until, reason: 'Redeploy' },
    ]);
    expect(plan.events).toEqual([
      { type: 'Normal', reason: 'Validated', action: 'Validate', note: 'Generation 2: No issues' },
      {
        type: 'Normal',
        reason: 'DrainStarted',
        action: 'Drain',
        note: `Open sessions on revision ${REV} may finish until ${until} (Redeploy)`,
      },
      {
        type: 'Normal',
        reason: 'Redeployed',
        action: 'Redeploy',
        note: `Revision ${REV_2} serves new sessions; ${REV} drains`,
      },
    ]);
    expect(plan.nextWakeAt).toEqual(at(until));
    // Still serving: Ready, not Reconciling, and the Lease is not written again.
    expect(conds(plan.status).Ready?.reason).toBe('Active');
    expect(conds(plan.status).Reconciling?.status).toBe('False');
    expect(plan.lease).toBeUndefined();
  });

  it('a rollback to a draining revision serves it again and removes its drain', () => {
    const world = servingWorld({ redeploy: { gracePeriod: '5m' } });
    edited(world, { definition: DEFINITION_2 });
    reconcile(world, at('2026-03-02T10:00:00Z'), []);
    edited(world, { definition: DEFINITION });
    const plan = reconcile(world, at('2026-03-02T10:02:00Z'), []);
    expect(plan.status.revision).toBe(REV);
    expect(plan.createRevision).toBeUndefined(); // REV exists: the same definition, the same revision
    expect(plan.status.draining).toEqual([
      { revision: REV_2, since: '2026-03-02T10:02:00Z', until: '2026-03-02T10:07:00Z', reason: 'Redeploy' },
    ]);
    expect(reasons(plan)).toEqual(['Validated', 'DrainStarted', 'Redeployed']); // no DrainEnded for REV
    expect(plan.pruneRevisions).toEqual([]);
  });

  it('an invalid change creates no revision and starts no drain', () => {
    const world = servingWorld();
    edited(world, { definition: DEFINITION_2 });
    const plan = reconcile(world, at('2026-03-02T10:00:00Z'), [
      { severity: 'Error', code: 'X', path: 'spec.definition', message: 'broken', hint: '' },
    ]);
    expect(plan.createRevision).toBeUndefined();
    expect(plan.status.revision).toBe(REV);
    expect(plan.status.draining).toBeUndefined();
    expect([plan.status.state, plan.reason]).toEqual(['Active', 'ServingLastValidRevision']);
  });
});

describe('pruning past revisionHistoryLimit', () => {
  it('never prunes the serving revision nor a draining one; prunes the oldest once its drain ended', () => {
    const DEFINITION_3 = {
      startDialog: 'welcome',
      dialogs: [{ name: 'welcome', elements: [{ text: 'Hey!' }] }],
    };
    const world = servingWorld({ revisionHistoryLimit: 0, redeploy: { gracePeriod: '10m' } });
    edited(world, { definition: DEFINITION_2 });
    const second = reconcile(world, at('2026-03-02T10:00:00Z'), []);
    edited(world, { definition: DEFINITION_3 });
    const third = reconcile(world, at('2026-03-02T10:01:00Z'), []);
    // REV and REV_2 still drain; the third revision serves: nothing to prune yet.
    expect(second.pruneRevisions).toEqual([]);
    expect(third.pruneRevisions).toEqual([]);
    expect(third.status.draining?.map((d) => d.revision)).toEqual([REV, REV_2]);
    const REV_3 = third.status.revision!;
    expect(world.revisions.map((r) => r.name)).toEqual([REV, REV_2, REV_3]);
    // REV's drain ends at 10:10; REV_2's at 10:11.
    const afterFirst = reconcile(world, at('2026-03-02T10:10:00Z'), []);
    expect(afterFirst.pruneRevisions).toEqual([REV]);
    const afterSecond = reconcile(world, at('2026-03-02T10:11:00Z'), []);
    expect(afterSecond.pruneRevisions).toEqual([REV_2]);
    expect(world.revisions.map((r) => r.name)).toEqual([REV_3]);
  });
});

describe('deactivation with a grace period', () => {
  it.each<{
    name: string;
    spec: Partial<ChatbotSpec>;
    edit: Partial<ChatbotSpec>;
    now: string;
    deactivatedAt: string;
    until?: string;
  }>([
    {
      name: 'by hand, 5m: open sessions drain until deactivatedAt + 5m',
      spec: { deactivation: { gracePeriod: '5m' } },
      edit: { state: 'Inactive' },
      now: '2026-03-02T10:00:00Z',
      deactivatedAt: '2026-03-02T10:00:00Z',
      until: '2026-03-02T10:05:00Z',
    },
    {
      name: 'by schedule, seen two minutes late: the deadline counts from the edge',
      spec: { state: 'Inactive', schedule: ONCE, deactivation: { gracePeriod: '5m' } },
      edit: {},
      now: '2026-12-24T17:02:00Z',
      deactivatedAt: '2026-12-24T17:00:00Z',
      until: '2026-12-24T17:05:00Z',
    },
    {
      name: 'by hand, 0s (the default): Inactive at once, nothing drains',
      spec: {},
      edit: { state: 'Inactive' },
      now: '2026-03-02T10:00:00Z',
      deactivatedAt: '2026-03-02T10:00:00Z',
    },
  ])('$name', ({ spec, edit, now, deactivatedAt, until }) => {
    const world = newWorld({ spec: { state: 'Active', ...spec } });
    const first = reconcile(world, at(spec.schedule ? '2026-12-01T08:00:05Z' : '2026-03-01T09:00:05Z'), []);
    expect(first.status.state).toBe('Active');
    if (Object.keys(edit).length > 0) edited(world, edit);
    const plan = reconcile(world, at(now), []);
    expect(plan.lease).toEqual({ op: 'release' });
    expect(plan.status.activation?.deactivatedAt).toBe(deactivatedAt);
    if (until) {
      expect([plan.status.state, plan.reason]).toEqual(['Draining', 'Deactivated']);
      expect(plan.status.draining).toEqual([{ revision: REV, since: now, until, reason: 'Deactivated' }]);
      expect(plan.events.filter((e) => e.reason !== 'Validated')).toEqual([
        {
          type: 'Normal',
          reason: 'DrainStarted',
          action: 'Drain',
          note: `Open sessions on revision ${REV} may finish until ${until} (Deactivated)`,
        },
        { type: 'Normal', reason: 'Deactivated', action: 'Deactivate', note: 'Now Draining: Deactivated' },
      ]);
      expect(plan.nextWakeAt).toEqual(at(until));
      const done = reconcile(world, at(until), []);
      expect(done.status.state).toBe('Inactive');
      expect(done.status.draining).toBeUndefined();
      expect(reasons(done)).toEqual(['DrainEnded']);
    } else {
      expect(plan.status.state).toBe('Inactive');
      expect(plan.status.draining).toBeUndefined();
      expect(reasons(plan)).toEqual(['Validated', 'Deactivated']);
    }
  });
});

describe('the Lease', () => {
  it('a bot that takes a sender another bot held writes it as a takeover', () => {
    const world = newWorld({ spec: { state: 'Active' } });
    world.lease = {
      name: LEASE_NAME,
      holder: 'acme/old-bot',
      claim: claimBy('acme/old-bot', '2026-02-15T00:00:00Z'),
      acquireTime: at('2026-02-15T00:00:01Z'),
      transitions: 3,
    };
    world.others = { holderClaim: claimBy('acme/old-bot', '2026-02-15T00:00:00Z') };
    const plan = reconcile(world, at('2026-03-01T09:00:05Z'), []);
    expect(plan.lease).toMatchObject({ op: 'acquire', takeover: true, claim: { key: ME } });
    expect(plan.status.state).toBe('Active');
  });
});
