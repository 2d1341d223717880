// decide(observed, now): the activation moment a bot claims its sender with, and the schedule
// (state, status.schedule, the Scheduled condition, the next wake-up).
import { describe, expect, it } from 'vitest';
import { REACTIVATE_ANNOTATION } from '../../api/names.ts';
import type { ChatbotSpec, ChatbotStatus, Issue } from '../../api/schema.ts';
import { decide, nextWake } from './decide.ts';
import type { Drain } from './drains.ts';
import {
  at,
  CREATED,
  chatbotOf,
  conds,
  contextFor,
  last,
  NO_SENDER,
  ONCE,
  observed,
  run,
  WEEKDAYS,
} from './fixtures.ts';

describe('activation moment', () => {
  it.each<[string, string | Date]>([
    ['creationTimestamp as a string', CREATED],
    ['creationTimestamp as a Date (as client-node gives it)', new Date(CREATED)],
  ])('a bot created wanting Active claims with its creationTimestamp (%s)', (_name, creationTimestamp) => {
    const plan = decide(
      observed({ chatbot: chatbotOf({ spec: { state: 'Active' }, creationTimestamp }) }),
      at('2026-03-01T09:00:07Z'),
    );
    expect(plan.status.activation).toEqual({
      desired: 'Active',
      moment: CREATED,
      activatedAt: '2026-03-01T09:00:07Z',
    });
  });

  it('a flip to Active is recorded once in requestedAt and never recomputed', () => {
    const plans = run({ spec: { state: 'Inactive' } }, [
      { now: '2026-03-01T09:00:05Z' },
      { now: '2026-03-05T14:20:00.250Z', spec: { state: 'Active' } },
      { now: '2026-03-05T15:00:00Z' },
      { now: '2026-03-09T08:00:00Z' },
    ]);
    expect(plans[0]!.status.activation).toEqual({ desired: 'Inactive' });
    const flipped = {
      desired: 'Active',
      moment: '2026-03-05T14:20:00Z',
      requestedAt: '2026-03-05T14:20:00Z',
      activatedAt: '2026-03-05T14:20:00Z',
    };
    expect(plans[1]!.status.activation).toEqual(flipped);
    expect(plans[2]!.status.activation).toEqual(flipped);
    expect(plans[3]!.status.activation).toEqual(flipped);
  });

  it('an Active -> Inactive -> Active round trip records a new requestedAt', () => {
    const plans = run({ spec: { state: 'Inactive' } }, [
      { now: '2026-03-01T09:00:05Z' },
      { now: '2026-03-02T10:00:00Z', spec: { state: 'Active' } },
      { now: '2026-03-03T10:00:00Z', spec: { state: 'Inactive' } },
      { now: '2026-03-04T10:00:00Z', spec: { state: 'Active' } },
    ]);
    expect(plans[2]!.status.activation).toEqual({
      desired: 'Inactive',
      activatedAt: '2026-03-02T10:00:00Z',
      deactivatedAt: '2026-03-03T10:00:00Z',
    });
    expect(plans[3]!.status.activation).toEqual({
      desired: 'Active',
      moment: '2026-03-04T10:00:00Z',
      requestedAt: '2026-03-04T10:00:00Z',
      activatedAt: '2026-03-04T10:00:00Z',
      deactivatedAt: '2026-03-03T10:00:00Z',
    });
  });

  it.each<{ name: string; annotation: string; moment: string }>([
    {
      name: 'a later reactivate annotation wins',
      annotation: '2026-03-07T08:00:00Z',
      moment: '2026-03-07T08:00:00Z',
    },
    {
      name: 'a later annotation with an offset is read as an instant',
      annotation: '2026-03-07T09:00:00+01:00',
      moment: '2026-03-07T08:00:00Z',
    },
    {
      name: 'an annotation before the flip is ignored',
      annotation: '2026-03-01T00:00:00Z',
      moment: '2026-03-05T14:20:00Z',
    },
    { name: 'an unparseable annotation is ignored', annotation: 'yesterday', moment: '2026-03-05T14:20:00Z' },
    { name: 'an empty annotation is ignored', annotation: '', moment: '2026-03-05T14:20:00Z' },
  ])('$name', ({ annotation, moment }) => {
    const plans = run({ spec: { state: 'Inactive' } }, [
      { now: '2026-03-01T09:00:05Z' },
      { now: '2026-03-05T14:20:00Z', spec: { state: 'Active' } },
      { now: '2026-03-07T08:00:01Z', annotations: { [REACTIVATE_ANNOTATION]: annotation } },
    ]);
    expect(last(plans).status.state).toBe('Active');
    expect(last(plans).status.activation).toMatchObject({ moment, requestedAt: '2026-03-05T14:20:00Z' });
  });

  it('a reactivate annotation later than the creationTimestamp wins for a bot created Active', () => {
    const plan = decide(
      observed({
        chatbot: chatbotOf({
          spec: { state: 'Active' },
          annotations: { [REACTIVATE_ANNOTATION]: '2026-03-01T10:00:00Z' },
        }),
      }),
      at('2026-03-01T10:00:02Z'),
    );
    expect(plan.status.activation?.moment).toBe('2026-03-01T10:00:00Z');
  });

  it('a reactivate annotation later than the schedule edge wins', () => {
    const plan = decide(
      observed({
        chatbot: chatbotOf({
          spec: { schedule: ONCE },
          annotations: { [REACTIVATE_ANNOTATION]: '2026-12-02T10:00:00Z' },
        }),
      }),
      at('2026-12-02T10:00:03Z'),
    );
    expect(plan.status.activation?.moment).toBe('2026-12-02T10:00:00Z');
  });

  it('nothing to claim while Inactive or Invalid; an invalid bot that wants Active still records its moment', () => {
    expect(decide(observed(), at('2026-03-02T00:00:00Z')).status.activation).toEqual({ desired: 'Inactive' });
    // Recorded from the object (created wanting Active: its creationTimestamp), so a replica that
    // first saw the bot invalid (its Sender not in the cache yet) orders its claim as one that saw
    // it valid: it no longer takes "now" as the moment once the bot becomes valid.
    const invalid = decide(
      observed({ chatbot: chatbotOf({ spec: { state: 'Active' } }), issues: [NO_SENDER] }),
      at('2026-03-02T00:00:00Z'),
    );
    expect(invalid.status.activation).toEqual({ desired: 'Active', moment: '2026-03-01T09:00:00Z' });
    expect(invalid.lease).toBeUndefined();
    const valid = decide(
      observed({ chatbot: chatbotOf({ spec: { state: 'Active' }, status: invalid.status }) }),
      at('2026-03-02T00:05:00Z'),
    );
    expect(valid.status.activation?.moment).toBe('2026-03-01T09:00:00Z');
  });
});

// ---------------------------------------------------------------- schedule

describe('schedule', () => {
  it.each<{
    name: string;
    spec: Partial<ChatbotSpec>;
    issues?: Issue[];
    now: string;
    want: {
      state: string;
      reason: string;
      schedule?: ChatbotStatus['schedule'];
      scheduled: [string, string, string];
      ready: string;
      moment?: string;
      lateEdge?: string;
    };
  }>([
    {
      name: 'before activateAt: Scheduled',
      spec: { schedule: ONCE },
      now: '2026-11-30T12:00:00Z',
      want: {
        state: 'Scheduled',
        reason: 'WaitingForActivation',
        schedule: {
          nextAction: 'Activate',
          nextAt: '2026-12-01T08:00:00Z',
          next: 'Activate 2026-12-01T08:00:00Z',
        },
        scheduled: ['True', 'NextActivate', 'Activate 2026-12-01T08:00:00Z'],
        ready: 'Inactive until 2026-12-01T08:00:00Z',
      },
    },
    {
      name: 'a millisecond before activateAt: still Scheduled',
      spec: { schedule: ONCE },
      now: '2026-12-01T07:59:59.999Z',
      want: {
        state: 'Scheduled',
        reason: 'WaitingForActivation',
        schedule: {
          nextAction: 'Activate',
          nextAt: '2026-12-01T08:00:00Z',
          next: 'Activate 2026-12-01T08:00:00Z',
        },
        scheduled: ['True', 'NextActivate', 'Activate 2026-12-01T08:00:00Z'],
        ready: 'Inactive until 2026-12-01T08:00:00Z',
      },
    },
    {
      name: 'at activateAt: Active, the moment is the edge instant',
      spec: { schedule: ONCE },
      now: '2026-12-01T08:00:00Z',
      want: {
        state: 'Active',
        reason: 'ScheduledActivation',
        schedule: {
          nextAction: 'Deactivate',
          nextAt: '2026-12-24T17:00:00Z',
          next: 'Deactivate 2026-12-24T17:00:00Z',
        },
        scheduled: ['True', 'NextDeactivate', 'Deactivate 2026-12-24T17:00:00Z'],
        ready: 'Active and serving',
        moment: '2026-12-01T08:00:00Z',
        lateEdge: '2026-12-01T08:00:00Z',
      },
    },
    {
      name: 'observed two hours late: the moment is still the edge instant',
      spec: { schedule: ONCE },
      now: '2026-12-01T10:00:00Z',
      want: {
        state: 'Active',
        reason: 'ScheduledActivation',
        schedule: {
          nextAction: 'Deactivate',
          nextAt: '2026-12-24T17:00:00Z',
          next: 'Deactivate 2026-12-24T17:00:00Z',
        },
        scheduled: ['True', 'NextDeactivate', 'Deactivate 2026-12-24T17:00:00Z'],
        ready: 'Active and serving',
        moment: '2026-12-01T08:00:00Z',
        lateEdge: '2026-12-01T08:00:00Z',
      },
    },
    {
      name: 'at deactivateAt: Inactive, nothing scheduled',
      spec: { schedule: ONCE },
      now: '2026-12-24T17:00:00Z',
      want: {
        state: 'Inactive',
        reason: 'ScheduledDeactivation',
        scheduled: ['False', 'NothingScheduled', 'No future schedule edge'],
        ready: 'Inactive',
        lateEdge: '2026-12-24T17:00:00Z',
      },
    },
    {
      name: 'deactivateAt on a bot Active by hand: Inactive after it, even with state Active',
      spec: { state: 'Active', schedule: { timeZone: 'Europe/Zagreb', deactivateAt: '2026-12-24T18:00' } },
      now: '2027-01-10T00:00:00Z',
      want: {
        state: 'Inactive',
        reason: 'ScheduledDeactivation',
        scheduled: ['False', 'NothingScheduled', 'No future schedule edge'],
        ready: 'Inactive',
        lateEdge: '2026-12-24T17:00:00Z',
      },
    },
    {
      name: 'weekday window on a Saturday: Scheduled for Monday 08:00 local',
      spec: { schedule: WEEKDAYS },
      now: '2026-12-05T12:00:00Z',
      want: {
        state: 'Scheduled',
        reason: 'WaitingForActivation',
        schedule: {
          nextAction: 'Activate',
          nextAt: '2026-12-07T07:00:00Z',
          next: 'Activate 2026-12-07T07:00:00Z',
        },
        scheduled: ['True', 'NextActivate', 'Activate 2026-12-07T07:00:00Z'],
        ready: 'Inactive until 2026-12-07T07:00:00Z',
        lateEdge: '2026-12-04T17:00:00Z',
      },
    },
    {
      name: 'weekday window on Monday morning: Active until 18:00 local',
      spec: { schedule: WEEKDAYS },
      now: '2026-12-07T07:30:00Z',
      want: {
        state: 'Active',
        reason: 'ScheduledActivation',
        schedule: {
          nextAction: 'Deactivate',
          nextAt: '2026-12-07T17:00:00Z',
          next: 'Deactivate 2026-12-07T17:00:00Z',
        },
        scheduled: ['True', 'NextDeactivate', 'Deactivate 2026-12-07T17:00:00Z'],
        ready: 'Active and serving',
        moment: '2026-12-07T07:00:00Z',
        lateEdge: '2026-12-07T07:00:00Z',
      },
    },
    {
      name: 'errors block a scheduled activation but the schedule is still shown',
      spec: { schedule: ONCE },
      issues: [NO_SENDER],
      now: '2026-11-30T12:00:00Z',
      want: {
        state: 'Invalid',
        reason: 'ValidationFailed',
        schedule: {
          nextAction: 'Activate',
          nextAt: '2026-12-01T08:00:00Z',
          next: 'Activate 2026-12-01T08:00:00Z',
        },
        scheduled: ['True', 'NextActivate', 'Activate 2026-12-01T08:00:00Z'],
        ready: '1 error; first: spec.senderRef: Channel or sender is not defined',
      },
    },
  ])('$name', ({ spec, issues, now, want }) => {
    const plan = decide(observed({ chatbot: chatbotOf({ spec }), issues }), at(now));
    const s = plan.status;
    expect(s.state).toBe(want.state);
    expect(plan.reason).toBe(want.reason);
    expect(s.schedule).toEqual(want.schedule);
    expect(plan.nextWakeAt?.toISOString()).toBe(
      want.schedule?.nextAt ? new Date(want.schedule.nextAt).toISOString() : undefined,
    );
    const c = conds(s);
    expect([c.Scheduled?.status, c.Scheduled?.reason, c.Scheduled?.message]).toEqual(want.scheduled);
    expect(c.Ready?.message).toBe(want.ready);
    expect(s.activation?.moment).toBe(want.moment);
    expect(s.activation?.requestedAt).toBeUndefined(); // a schedule edge is read from the spec, never recorded
    expect(plan.lateEdge?.toISOString()).toBe(
      want.lateEdge ? new Date(want.lateEdge).toISOString() : undefined,
    );
    if (want.state === 'Active') {
      expect(s.entryPoints).toEqual({
        whatsapp: { link: 'https://wa.me/385911234567?text=Hi', shareable: true },
      });
    } else {
      expect(s.entryPoints).toBeUndefined();
    }
  });

  it('a bot that was Active by schedule loses its entry points and schedule after deactivateAt', () => {
    const plans = run({ spec: { schedule: ONCE } }, [
      { now: '2026-12-01T08:00:01Z' },
      { now: '2026-12-24T17:00:02Z' },
    ]);
    const s = last(plans).status;
    expect(s.state).toBe('Inactive');
    expect(s.schedule).toBeUndefined();
    expect(s.entryPoints).toBeUndefined();
    expect(s.activation).toEqual({
      desired: 'Inactive',
      activatedAt: '2026-12-01T08:00:01Z',
      deactivatedAt: '2026-12-24T17:00:00Z', // the edge's instant, the same on every replica
    });
  });
});

describe('nextWake: the next schedule edge or the first drain deadline, whichever is sooner', () => {
  const drain = (until: string): Drain => ({ revision: 'support-bot-1', until, reason: 'Redeploy' });
  it.each<[string, Partial<ChatbotSpec>, string, Drain[], string | undefined]>([
    ['nothing coming', {}, '2026-03-02T12:00:00Z', [], undefined],
    ['a schedule edge', { schedule: ONCE }, '2026-11-30T12:00:00Z', [], '2026-12-01T08:00:00.000Z'],
    [
      'a drain deadline',
      {},
      '2026-03-02T12:00:00Z',
      [drain('2026-03-02T12:10:00Z')],
      '2026-03-02T12:10:00.000Z',
    ],
    [
      'the sooner of two drains',
      {},
      '2026-03-02T12:00:00Z',
      [drain('2026-03-02T12:10:00Z'), drain('2026-03-02T12:05:00Z')],
      '2026-03-02T12:05:00.000Z',
    ],
    [
      'a drain before the schedule edge',
      { schedule: ONCE },
      '2026-11-30T12:00:00Z',
      [drain('2026-11-30T12:10:00Z')],
      '2026-11-30T12:10:00.000Z',
    ],
    [
      'the schedule edge before a drain',
      { schedule: ONCE },
      '2026-12-01T07:55:00Z',
      [drain('2026-12-01T08:05:00Z')],
      '2026-12-01T08:00:00.000Z',
    ],
  ])('%s', (_name, spec, now, draining, want) => {
    const ctx = contextFor({ chatbot: chatbotOf({ spec }) }, now);
    expect(nextWake(ctx, draining)?.toISOString()).toBe(want);
  });
});
