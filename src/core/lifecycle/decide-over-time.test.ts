// decide() over its own output, reconciled again and again: idempotence, lastTransitionTime,
// the events of each transition, activation moments recorded once.
import { describe, expect, it } from 'vitest';
import { decide, type Plan } from './decide.ts';
import {
  at,
  type BotInput,
  BUTTON_CAPTION,
  BUTTON_MESSAGE,
  CREATED,
  cond,
  LEASE_NAME,
  last,
  MATCHED,
  NO_SENDER,
  newWorld,
  ONCE,
  observed,
  PHRASES,
  reasons,
  reconcile,
  run,
  type Step,
  senderOf,
  WEEKDAYS,
} from './fixtures.ts';

// ---------------------------------------------------------------- idempotence

describe('idempotence: decide over its own output', () => {
  // Each scenario ends in a steady state; one more reconcile an hour later (crossing no edge)
  // must write nothing new and emit nothing.
  it.each<{ name: string; initial: BotInput; steps: Step[] }>([
    { name: 'Inactive by hand', initial: {}, steps: [{ now: '2026-03-01T09:00:05Z' }] },
    {
      name: 'Active by hand, flipped from Inactive',
      initial: {},
      steps: [{ now: '2026-03-01T09:00:05Z' }, { now: '2026-03-02T10:00:00Z', spec: { state: 'Active' } }],
    },
    {
      name: 'Active by hand on a test sender with warnings',
      initial: {},
      steps: [
        { now: '2026-03-01T09:00:05Z' },
        {
          now: '2026-03-02T10:00:00Z',
          spec: { state: 'Active' },
          issues: [PHRASES, MATCHED],
          sender: senderOf({ test: true, verifiedNumber: '+385981112222' }),
        },
      ],
    },
    { name: 'Scheduled', initial: { spec: { schedule: ONCE } }, steps: [{ now: '2026-11-30T10:00:00Z' }] },
    {
      name: 'Active by schedule',
      initial: { spec: { schedule: ONCE } },
      steps: [{ now: '2026-11-30T10:00:00Z' }, { now: '2026-12-01T08:00:00Z' }],
    },
    {
      name: 'Active by schedule, first seen late',
      initial: { spec: { schedule: ONCE } },
      steps: [{ now: '2026-12-03T08:00:00Z' }],
    },
    {
      name: 'Inactive after deactivateAt',
      initial: { spec: { schedule: ONCE } },
      steps: [{ now: '2026-12-01T09:00:00Z' }, { now: '2026-12-24T17:00:00Z' }],
    },
    {
      name: 'Active in a weekday window',
      initial: { spec: { schedule: WEEKDAYS } },
      steps: [{ now: '2026-12-05T12:00:00Z' }, { now: '2026-12-07T07:00:00Z' }],
    },
    {
      name: 'Invalid',
      initial: { spec: { state: 'Active' } },
      steps: [{ now: '2026-03-01T09:00:05Z', issues: [BUTTON_MESSAGE, PHRASES] }],
    },
    {
      name: 'Active, then an invalid edit',
      initial: {},
      steps: [
        { now: '2026-03-01T09:00:05Z' },
        { now: '2026-03-02T10:00:00Z', spec: { state: 'Active' } },
        { now: '2026-03-03T10:00:00Z', spec: { startKeyword: '' }, issues: [BUTTON_CAPTION] },
      ],
    },
    {
      name: 'Inactive with a missing Sender',
      initial: {},
      steps: [{ now: '2026-03-01T09:00:05Z', sender: null }],
    },
  ])('$name', ({ initial, steps }) => {
    const final = last(steps);
    const again: Step = {
      now: new Date(at(final.now).getTime() + 3_600_000).toISOString(),
      ...(final.issues ? { issues: final.issues } : {}),
      ...(final.sender !== undefined ? { sender: final.sender } : {}),
    };
    const plans = run(initial, [...steps, again]);
    const [before, after] = plans.slice(-2) as [Plan, Plan];
    expect(after.status).toEqual(before.status);
    expect(after.events).toEqual([]);
    expect(after.nextWakeAt).toEqual(before.nextWakeAt);
  });

  it('the same world reconciled again half an hour later writes the same status', () => {
    const world = newWorld({ spec: { schedule: WEEKDAYS } });
    const first = reconcile(world, at('2026-12-08T09:00:00Z'), [PHRASES]);
    const second = reconcile(world, at('2026-12-08T09:30:00Z'), [PHRASES]);
    expect(first.status.state).toBe('Active');
    expect(second.status).toEqual(first.status);
    expect(second.events).toEqual([]);
  });

  it('does not modify the observed objects', () => {
    const world = newWorld({ spec: { state: 'Active' } });
    reconcile(world, at('2026-03-01T09:00:05Z'), [PHRASES]);
    const obs = observed({
      chatbot: world.bot,
      issues: [PHRASES],
      lease: world.lease,
      revisions: world.revisions,
    });
    const copy = structuredClone(obs);
    decide(obs, at('2026-03-09T00:00:00Z'));
    decide(obs, at('2026-12-24T17:00:00Z'));
    expect(obs).toEqual(copy);
  });

  it('carries over what the runtime owns (status.sessions) untouched', () => {
    const sessions = {
      open: 12,
      draining: 0,
      byRevision: { 'support-bot-0000000000': 12 },
      observedAt: '2026-03-02T10:04:00Z',
    };
    const world = newWorld({ spec: { state: 'Active' } });
    reconcile(world, at('2026-03-02T10:00:00Z'), []);
    world.bot = { ...world.bot, status: { ...world.bot.status, sessions } };
    expect(reconcile(world, at('2026-03-02T10:05:00Z'), []).status.sessions).toEqual(sessions);
  });
});

describe('lastTransitionTime', () => {
  const T1 = '2026-03-01T09:00:05Z';
  const T2 = '2026-03-02T10:00:00Z';
  const T3 = '2026-03-03T11:00:00Z';

  // Inactive at T1, Active by hand at T2, reconciled again at T3.
  const toActive = run({}, [{ now: T1 }, { now: T2, spec: { state: 'Active' } }, { now: T3 }]);
  // Active at T1, an invalid edit at T2 (the last valid revision keeps serving), again at T3.
  const toInvalid = run({ spec: { state: 'Active' } }, [
    { now: T1 },
    { now: T2, spec: { startKeyword: 'Hello' }, issues: [BUTTON_MESSAGE] },
    { now: T3, issues: [BUTTON_MESSAGE] },
  ]);

  it.each<[string, string, string, string]>([
    // type, status at the end, lastTransitionTime (Inactive -> Active), why
    ['Ready', 'True', T1, 'True throughout (only the reason changed)'],
    ['Reconciling', 'False', T1, 'False throughout'],
    ['Stalled', 'False', T1, 'False throughout'],
    ['Validated', 'True', T1, 'True throughout'],
    ['SenderBound', 'True', T2, 'flipped False -> True at T2'],
    ['Scheduled', 'False', T1, 'False throughout'],
  ])('Inactive -> Active: %s %s since %s (%s)', (type, status, since) => {
    const c = cond(last(toActive).status, type);
    expect([c?.status, c?.lastTransitionTime]).toEqual([status, since]);
    expect(c?.observedGeneration).toBe(2);
  });

  it.each<[string, string, string]>([
    ['Ready', 'False', T2],
    ['Reconciling', 'False', T1],
    ['Stalled', 'True', T2],
    ['Validated', 'False', T2],
    ['SenderBound', 'True', T1],
    ['Scheduled', 'False', T1],
  ])('Active, then an invalid edit: %s %s since %s', (type, status, since) => {
    const c = cond(last(toInvalid).status, type);
    expect([c?.status, c?.lastTransitionTime]).toEqual([status, since]);
  });

  it('lists the conditions in a stable order', () => {
    expect(last(toActive).status.conditions?.map((c) => c.type)).toEqual([
      'Ready',
      'Reconciling',
      'Stalled',
      'Validated',
      'SenderBound',
      'Scheduled',
    ]);
  });
});

// ---------------------------------------------------------------- events

describe('events', () => {
  it.each<{ name: string; initial: BotInput; steps: Step[]; want: string[][] }>([
    {
      name: 'created Active: one Activated event that carries the validation result',
      initial: { spec: { state: 'Active' } },
      steps: [
        { now: '2026-03-01T09:00:05Z' },
        { now: '2026-03-01T10:00:00Z' },
        { now: '2026-03-02T10:00:00Z' },
      ],
      want: [['Activated'], [], []],
    },
    {
      name: 'Inactive -> Active -> Inactive by hand',
      initial: {},
      steps: [
        { now: '2026-03-01T09:00:05Z' },
        { now: '2026-03-02T10:00:00Z', spec: { state: 'Active' } },
        { now: '2026-03-02T11:00:00Z' },
        { now: '2026-03-03T10:00:00Z', spec: { state: 'Inactive' } },
        { now: '2026-03-03T11:00:00Z' },
      ],
      want: [['Validated'], ['Validated', 'Activated'], [], ['Validated', 'Deactivated'], []],
    },
    {
      name: 'one-off schedule: Scheduled, Activated, Deactivated',
      initial: { spec: { schedule: ONCE } },
      steps: [
        { now: '2026-11-30T10:00:00Z' },
        { now: '2026-11-30T22:00:00Z' },
        { now: '2026-12-01T08:00:00Z' },
        { now: '2026-12-10T08:00:00Z' },
        { now: '2026-12-24T17:00:00Z' },
        { now: '2026-12-25T17:00:00Z' },
      ],
      want: [['Validated', 'Scheduled'], [], ['Activated', 'Scheduled'], [], ['Deactivated'], []],
    },
    {
      name: 'weekday windows: each edge once',
      initial: { spec: { schedule: WEEKDAYS } },
      steps: [
        { now: '2026-12-05T12:00:00Z' }, // Saturday
        { now: '2026-12-06T12:00:00Z' }, // Sunday
        { now: '2026-12-07T07:00:00Z' }, // Monday 08:00 local
        { now: '2026-12-07T12:00:00Z' },
        { now: '2026-12-07T17:00:00Z' }, // Monday 18:00 local
        { now: '2026-12-08T07:00:00Z' }, // Tuesday 08:00 local
      ],
      want: [
        ['Validated', 'Scheduled'],
        [],
        ['Activated', 'Scheduled'],
        [],
        ['Deactivated', 'Scheduled'],
        ['Activated', 'Scheduled'],
      ],
    },
    {
      name: 'Invalid, then fixed in the next generation',
      initial: { spec: { state: 'Active' } },
      steps: [
        { now: '2026-03-01T09:00:05Z', issues: [BUTTON_MESSAGE] },
        { now: '2026-03-01T10:00:00Z', issues: [BUTTON_MESSAGE] },
        { now: '2026-03-01T11:00:00Z', spec: { startKeyword: 'Hello' } },
        { now: '2026-03-01T12:00:00Z' },
      ],
      want: [['ValidationFailed'], [], ['Validated', 'Activated'], []],
    },
    {
      name: 'Active, then an invalid edit: it keeps serving, so no Deactivated',
      initial: { spec: { state: 'Active' } },
      steps: [
        { now: '2026-03-01T09:00:05Z' },
        { now: '2026-03-01T10:00:00Z', spec: { startKeyword: 'Hello' }, issues: [BUTTON_CAPTION] },
        { now: '2026-03-01T11:00:00Z', issues: [BUTTON_CAPTION] },
      ],
      want: [['Activated'], ['ValidationFailed'], []],
    },
    {
      name: 'a valid edit that keeps the state: Validated once for the new generation',
      initial: { spec: { state: 'Active' } },
      steps: [
        { now: '2026-03-01T09:00:05Z' },
        { now: '2026-03-01T10:00:00Z', spec: { startKeyword: 'Hello' }, issues: [PHRASES] },
        { now: '2026-03-01T11:00:00Z', issues: [PHRASES] },
      ],
      want: [['Activated'], ['Validated'], []],
    },
    {
      name: 'the missing Sender appears (same generation): validated again',
      initial: {},
      steps: [
        { now: '2026-03-01T09:00:05Z', issues: [NO_SENDER], sender: null },
        { now: '2026-03-01T10:00:00Z', issues: [NO_SENDER], sender: null },
        { now: '2026-03-01T11:00:00Z' },
      ],
      want: [['ValidationFailed'], [], ['Validated']],
    },
    {
      name: 'a schedule edit moves nextAt: Scheduled again',
      initial: { spec: { schedule: ONCE } },
      steps: [
        { now: '2026-11-20T10:00:00Z' },
        { now: '2026-11-21T10:00:00Z', spec: { schedule: { ...ONCE, activateAt: '2026-12-02T09:00' } } },
        { now: '2026-11-22T10:00:00Z' },
      ],
      want: [['Validated', 'Scheduled'], ['Validated', 'Scheduled'], []],
    },
  ])('$name', ({ initial, steps, want }) => {
    expect(run(initial, steps).map(reasons)).toEqual(want);
  });

  it.each<{ name: string; initial: BotInput; steps: Step[]; want: Plan['events'] }>([
    {
      name: 'Validated',
      initial: {},
      steps: [{ now: '2026-03-01T09:00:05Z', issues: [PHRASES] }],
      want: [
        {
          type: 'Normal',
          reason: 'Validated',
          action: 'Validate',
          note: 'Generation 1: 1 warning; no errors',
        },
      ],
    },
    {
      name: 'ValidationFailed',
      initial: {},
      steps: [{ now: '2026-03-01T09:00:05Z', issues: [NO_SENDER] }],
      want: [
        {
          type: 'Warning',
          reason: 'ValidationFailed',
          action: 'Validate',
          note: '1 error; first: spec.senderRef: Channel or sender is not defined',
        },
      ],
    },
    {
      name: 'Activated by hand',
      initial: { spec: { state: 'Active' } },
      steps: [{ now: '2026-03-01T09:00:05Z' }],
      want: [
        {
          type: 'Normal',
          reason: 'Activated',
          action: 'Activate',
          note: 'Activated by hand (activation moment 2026-03-01T09:00:00Z); generation 1: No issues',
        },
      ],
    },
    {
      name: 'Activated by schedule, then Scheduled',
      initial: { spec: { schedule: ONCE } },
      steps: [{ now: '2026-11-30T10:00:00Z' }, { now: '2026-12-01T08:00:04Z' }],
      want: [
        {
          type: 'Normal',
          reason: 'Activated',
          action: 'Activate',
          note: 'Activated by schedule (activation moment 2026-12-01T08:00:00Z)',
        },
        { type: 'Normal', reason: 'Scheduled', action: 'Schedule', note: 'Deactivate 2026-12-24T17:00:00Z' },
      ],
    },
    {
      name: 'Deactivated by schedule',
      initial: { spec: { schedule: ONCE } },
      steps: [{ now: '2026-12-01T08:00:04Z' }, { now: '2026-12-24T17:00:00Z' }],
      want: [
        {
          type: 'Normal',
          reason: 'Deactivated',
          action: 'Deactivate',
          note: 'Now Inactive: ScheduledDeactivation',
        },
      ],
    },
    {
      name: 'Deactivated by hand',
      initial: { spec: { state: 'Active' } },
      steps: [{ now: '2026-03-01T09:00:05Z' }, { now: '2026-03-02T09:00:00Z', spec: { state: 'Inactive' } }],
      want: [
        { type: 'Normal', reason: 'Validated', action: 'Validate', note: 'Generation 2: No issues' },
        { type: 'Normal', reason: 'Deactivated', action: 'Deactivate', note: 'Now Inactive: Inactive' },
      ],
    },
  ])('what kubectl get events shows: $name', ({ initial, steps, want }) => {
    expect(last(run(initial, steps)).events).toEqual(want);
  });
});

describe('activation moments are recorded once', () => {
  it('a bot created wanting Active keeps its creationTimestamp moment on the next reconcile', () => {
    const plans = run({ spec: { state: 'Active' } }, [
      { now: '2026-03-01T09:00:05Z' },
      { now: '2026-03-01T10:00:00Z' },
    ]);
    expect(plans[0]!.status.activation).toEqual({
      desired: 'Active',
      moment: CREATED,
      activatedAt: '2026-03-01T09:00:05Z',
    });
    expect(plans[1]!.status.activation).toEqual(plans[0]!.status.activation);
    expect(plans[1]!.status).toEqual(plans[0]!.status);
  });
  it('created Active, reconciled again an hour later: same status, no Lease write', () => {
    const world = newWorld({ spec: { state: 'Active' } });
    const first = reconcile(world, at('2026-03-01T09:00:05Z'), []);
    const second = reconcile(world, at('2026-03-01T10:00:05Z'), []);
    expect(second.status).toEqual(first.status);
    expect(second.lease).toBeUndefined();
  });
  it('a resync never lets an older bot take the sender back from a newer one', () => {
    const world = newWorld({ spec: { state: 'Active' } });
    reconcile(world, at('2026-03-01T09:00:05Z'), []);
    const other = {
      key: 'acme/other-bot',
      moment: at('2026-03-01T09:30:00Z'),
      created: at('2026-02-01T00:00:00Z'),
    };
    world.lease = {
      name: LEASE_NAME,
      holder: other.key,
      claim: other,
      acquireTime: at('2026-03-01T09:30:01Z'),
      transitions: 1,
    };
    world.others = { holderClaim: other, holderTakeover: { mode: 'Graceful', gracePeriod: '15m' } };
    const plan = reconcile(world, at('2026-03-01T10:00:00Z'), []);
    expect(plan.status.state).not.toBe('Active');
    expect(plan.lease).toBeUndefined();
    expect(plan.status.activation?.moment).toBe(CREATED);
  });
  it('removing the schedule of a bot Active by schedule (state Active by hand) keeps its moment', () => {
    const plans = run({ spec: { schedule: ONCE } }, [
      { now: '2026-12-01T08:00:05Z' },
      { now: '2026-12-02T12:00:00Z', spec: { state: 'Active', schedule: undefined } },
    ]);
    expect(plans[1]!.status.state).toBe('Active');
    expect(reasons(plans[1]!)).toEqual(['Validated']);
    expect(plans[1]!.status.activation?.moment).toBe('2026-12-01T08:00:00Z');
  });
});
