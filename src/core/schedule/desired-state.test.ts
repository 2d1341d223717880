import { describe, expect, it } from 'vitest';
import type { ChatbotSpec } from '../../api/schema.ts';
import { effectiveDesiredState, nextEdge } from './desired-state.ts';
import { formatNext } from './format.ts';

const zagreb = (schedule: Omit<NonNullable<ChatbotSpec['schedule']>, 'timeZone'>) => ({
  schedule: { timeZone: 'Europe/Zagreb', ...schedule },
});
const newYork = (schedule: Omit<NonNullable<ChatbotSpec['schedule']>, 'timeZone'>) => ({
  schedule: { timeZone: 'America/New_York', ...schedule },
});
const utc = (schedule: Omit<NonNullable<ChatbotSpec['schedule']>, 'timeZone'>) => ({
  schedule: { timeZone: 'UTC', ...schedule },
});
const weekdays = { windows: [{ activate: '0 8 * * 1-5', deactivate: '0 18 * * 1-5' }] };

interface Row {
  name: string;
  spec: Pick<ChatbotSpec, 'state' | 'schedule'>;
  now: string;
  want: { desired: 'Active' | 'Inactive'; last?: string; next?: string; activatedBy?: string };
}

// Instants are UTC. Zagreb is UTC+1 in winter, UTC+2 in summer; New York UTC-5 / UTC-4.
const rows: Row[] = [
  {
    name: 'no schedule: Inactive by default',
    spec: {},
    now: '2026-12-01T00:00:00Z',
    want: { desired: 'Inactive' },
  },
  {
    name: 'no schedule: spec.state Active',
    spec: { state: 'Active' },
    now: '2026-12-01T00:00:00Z',
    want: { desired: 'Active' },
  },

  // one-off activateAt only
  {
    name: 'activateAt, just before',
    spec: zagreb({ activateAt: '2026-12-01T09:00' }),
    now: '2026-12-01T07:59:59.999Z',
    want: { desired: 'Inactive', next: 'Activate 2026-12-01T08:00:00Z' },
  },
  {
    name: 'activateAt, edge exactly at now is applied',
    spec: zagreb({ activateAt: '2026-12-01T09:00' }),
    now: '2026-12-01T08:00:00Z',
    want: { desired: 'Active', last: 'Activate 2026-12-01T08:00:00Z', activatedBy: '2026-12-01T08:00:00Z' },
  },

  // deactivateAt only on an Active bot
  {
    name: 'deactivateAt with state Active, before',
    spec: { state: 'Active', ...zagreb({ deactivateAt: '2026-12-24T18:00' }) },
    now: '2026-12-24T16:59:59Z',
    want: { desired: 'Active', next: 'Deactivate 2026-12-24T17:00:00Z' },
  },
  {
    name: 'deactivateAt with state Active, at the edge',
    spec: { state: 'Active', ...zagreb({ deactivateAt: '2026-12-24T18:00' }) },
    now: '2026-12-24T17:00:00Z',
    want: { desired: 'Inactive', last: 'Deactivate 2026-12-24T17:00:00Z' },
  },
  {
    name: 'activateAt on a bot Active by hand: it was not what activated it',
    spec: { state: 'Active', ...utc({ activateAt: '2026-12-01T09:00' }) },
    now: '2026-12-02T00:00:00Z',
    want: { desired: 'Active', last: 'Activate 2026-12-01T09:00:00Z' },
  },

  // both one-off times
  ...(
    [
      ['before both', '2026-11-30T12:00:00Z', { desired: 'Inactive', next: 'Activate 2026-12-01T08:00:00Z' }],
      [
        'between',
        '2026-12-10T12:00:00Z',
        {
          desired: 'Active',
          last: 'Activate 2026-12-01T08:00:00Z',
          next: 'Deactivate 2026-12-24T17:00:00Z',
          activatedBy: '2026-12-01T08:00:00Z',
        },
      ],
      [
        'after both',
        '2026-12-25T12:00:00Z',
        { desired: 'Inactive', last: 'Deactivate 2026-12-24T17:00:00Z' },
      ],
    ] as const
  ).map(([when, now, want]) => ({
    name: `activateAt and deactivateAt, ${when}`,
    spec: zagreb({ activateAt: '2026-12-01T09:00', deactivateAt: '2026-12-24T18:00' }),
    now,
    want,
  })),

  // weekly window Mon-Fri 08-18
  {
    name: 'weekdays 08-18, Wednesday 10:00',
    spec: zagreb(weekdays),
    now: '2026-12-02T09:00:00Z',
    want: {
      desired: 'Active',
      last: 'Activate 2026-12-02T07:00:00Z',
      next: 'Deactivate 2026-12-02T17:00:00Z',
      activatedBy: '2026-12-02T07:00:00Z',
    },
  },
  {
    name: 'weekdays 08-18, Saturday noon: next is Monday',
    spec: zagreb(weekdays),
    now: '2026-12-05T11:00:00Z',
    want: {
      desired: 'Inactive',
      last: 'Deactivate 2026-12-04T17:00:00Z',
      next: 'Activate 2026-12-07T07:00:00Z',
    },
  },
  {
    name: 'weekdays 08-18, Monday 07:59:59',
    spec: zagreb(weekdays),
    now: '2026-12-07T06:59:59Z',
    want: {
      desired: 'Inactive',
      last: 'Deactivate 2026-12-04T17:00:00Z',
      next: 'Activate 2026-12-07T07:00:00Z',
    },
  },
  {
    name: 'weekdays 08-18, Monday 08:00 exactly',
    spec: zagreb(weekdays),
    now: '2026-12-07T07:00:00Z',
    want: {
      desired: 'Active',
      last: 'Activate 2026-12-07T07:00:00Z',
      next: 'Deactivate 2026-12-07T17:00:00Z',
      activatedBy: '2026-12-07T07:00:00Z',
    },
  },
  {
    name: 'weekdays 08-18 with state Active: windows reach back, so the schedule decides',
    spec: { state: 'Active', ...zagreb(weekdays) },
    now: '2026-12-05T11:00:00Z',
    want: {
      desired: 'Inactive',
      last: 'Deactivate 2026-12-04T17:00:00Z',
      next: 'Activate 2026-12-07T07:00:00Z',
    },
  },
  {
    name: 'window and activateAt: the run began at the window, not the later activateAt',
    spec: zagreb({ activateAt: '2026-12-01T09:00', ...weekdays }),
    now: '2026-12-01T10:00:00Z',
    want: {
      desired: 'Active',
      last: 'Activate 2026-12-01T08:00:00Z',
      next: 'Deactivate 2026-12-01T17:00:00Z',
      activatedBy: '2026-12-01T07:00:00Z',
    },
  },

  // midnight and leap day
  {
    name: 'midnight window at the new year',
    spec: zagreb({ windows: [{ activate: '0 0 * * *', deactivate: '0 6 * * *' }] }),
    now: '2026-12-31T23:00:00Z',
    want: {
      desired: 'Active',
      last: 'Activate 2026-12-31T23:00:00Z',
      next: 'Deactivate 2027-01-01T05:00:00Z',
      activatedBy: '2026-12-31T23:00:00Z',
    },
  },
  {
    name: 'midnight window, one second before',
    spec: zagreb({ windows: [{ activate: '0 0 * * *', deactivate: '0 6 * * *' }] }),
    now: '2026-12-31T22:59:59Z',
    want: {
      desired: 'Inactive',
      last: 'Deactivate 2026-12-31T05:00:00Z',
      next: 'Activate 2026-12-31T23:00:00Z',
    },
  },
  {
    name: 'leap day one-off',
    spec: zagreb({ activateAt: '2028-02-29T00:00', deactivateAt: '2028-03-01T00:00' }),
    now: '2028-02-29T12:00:00Z',
    want: {
      desired: 'Active',
      last: 'Activate 2028-02-28T23:00:00Z',
      next: 'Deactivate 2028-02-29T23:00:00Z',
      activatedBy: '2028-02-28T23:00:00Z',
    },
  },
  {
    name: 'leap day window: next activation is in 2028',
    spec: utc({ windows: [{ activate: '0 0 29 2 *', deactivate: '0 0 1 3 *' }] }),
    now: '2027-06-01T00:00:00Z',
    want: {
      desired: 'Inactive',
      last: 'Deactivate 2027-03-01T00:00:00Z',
      next: 'Activate 2028-02-29T00:00:00Z',
    },
  },

  // DST gap and overlap
  {
    name: 'Zagreb gap: 02:30 window opens at 03:00 CEST, one second before',
    spec: zagreb({ windows: [{ activate: '30 2 * * *', deactivate: '0 5 * * *' }] }),
    now: '2026-03-29T00:59:59Z',
    want: {
      desired: 'Inactive',
      last: 'Deactivate 2026-03-28T04:00:00Z',
      next: 'Activate 2026-03-29T01:00:00Z',
    },
  },
  {
    name: 'Zagreb gap: 02:30 window opens at 03:00 CEST',
    spec: zagreb({ windows: [{ activate: '30 2 * * *', deactivate: '0 5 * * *' }] }),
    now: '2026-03-29T01:00:00Z',
    want: {
      desired: 'Active',
      last: 'Activate 2026-03-29T01:00:00Z',
      next: 'Deactivate 2026-03-29T03:00:00Z',
      activatedBy: '2026-03-29T01:00:00Z',
    },
  },
  {
    name: 'Zagreb gap: activateAt in the gap',
    spec: zagreb({ activateAt: '2026-03-29T02:30' }),
    now: '2026-03-29T01:00:00Z',
    want: { desired: 'Active', last: 'Activate 2026-03-29T01:00:00Z', activatedBy: '2026-03-29T01:00:00Z' },
  },
  {
    name: 'Zagreb overlap: 02:30-02:45 window, first pass',
    spec: zagreb({ windows: [{ activate: '30 2 * * *', deactivate: '45 2 * * *' }] }),
    now: '2026-10-25T00:40:00Z',
    want: {
      desired: 'Active',
      last: 'Activate 2026-10-25T00:30:00Z',
      next: 'Deactivate 2026-10-25T00:45:00Z',
      activatedBy: '2026-10-25T00:30:00Z',
    },
  },
  {
    name: 'Zagreb overlap: second pass of 02:35 does not reopen the window',
    spec: zagreb({ windows: [{ activate: '30 2 * * *', deactivate: '45 2 * * *' }] }),
    now: '2026-10-25T01:35:00Z',
    want: {
      desired: 'Inactive',
      last: 'Deactivate 2026-10-25T00:45:00Z',
      next: 'Activate 2026-10-26T01:30:00Z',
    },
  },
  {
    name: 'New York gap: 02:30 window opens at 03:00 EDT',
    spec: newYork({ windows: [{ activate: '30 2 * * *', deactivate: '0 4 * * *' }] }),
    now: '2026-03-08T07:00:00Z',
    want: {
      desired: 'Active',
      last: 'Activate 2026-03-08T07:00:00Z',
      next: 'Deactivate 2026-03-08T08:00:00Z',
      activatedBy: '2026-03-08T07:00:00Z',
    },
  },
  {
    name: 'New York overlap: 01:30-02:00 window stays open through the repeated hour',
    spec: newYork({ windows: [{ activate: '30 1 * * *', deactivate: '0 2 * * *' }] }),
    now: '2026-11-01T06:45:00Z',
    want: {
      desired: 'Active',
      last: 'Activate 2026-11-01T05:30:00Z',
      next: 'Deactivate 2026-11-01T07:00:00Z',
      activatedBy: '2026-11-01T05:30:00Z',
    },
  },

  // ties and repeats
  ...(['2026-12-01T11:00:00Z', '2026-12-01T12:00:00Z'] as const).map((now) => ({
    name: `back-to-back windows 08-12 and 12-18 at ${now.slice(11, 16)}: one Active run from 08:00`,
    spec: utc({
      windows: [
        { activate: '0 8 * * *', deactivate: '0 12 * * *' },
        { activate: '0 12 * * *', deactivate: '0 18 * * *' },
      ],
    }),
    now,
    want: {
      desired: 'Active' as const,
      last:
        now === '2026-12-01T12:00:00Z' ? 'Activate 2026-12-01T12:00:00Z' : 'Activate 2026-12-01T08:00:00Z',
      next: 'Deactivate 2026-12-01T18:00:00Z', // 12:00 changes nothing, so it is not the next action
      activatedBy: '2026-12-01T08:00:00Z',
    },
  })),
  {
    name: 'tie in a DST gap: activateAt 02:30 and deactivateAt 02:45 both at 03:00, wall order wins',
    spec: zagreb({ activateAt: '2026-03-29T02:30', deactivateAt: '2026-03-29T02:45' }),
    now: '2026-03-29T01:00:00Z',
    want: { desired: 'Inactive', last: 'Deactivate 2026-03-29T01:00:00Z' },
  },
  {
    name: 'overlapping windows are not merged: the latest edge wins',
    spec: utc({
      windows: [
        { activate: '0 8 * * *', deactivate: '0 18 * * *' },
        { activate: '0 10 * * *', deactivate: '0 12 * * *' },
      ],
    }),
    now: '2026-12-01T13:00:00Z',
    want: {
      desired: 'Inactive',
      last: 'Deactivate 2026-12-01T12:00:00Z',
      next: 'Activate 2026-12-02T08:00:00Z',
    },
  },
  {
    name: 'a repeated Activate does not move the activation moment',
    spec: utc({
      windows: [
        { activate: '0 8 * * *', deactivate: '0 18 * * *' },
        { activate: '0 10 * * *', deactivate: '0 12 * * *' },
      ],
    }),
    now: '2026-12-01T11:00:00Z',
    want: {
      desired: 'Active',
      last: 'Activate 2026-12-01T10:00:00Z',
      next: 'Deactivate 2026-12-01T12:00:00Z',
      activatedBy: '2026-12-01T08:00:00Z',
    },
  },
];

function summary(spec: Row['spec'], now: string) {
  const s = effectiveDesiredState(spec, new Date(now));
  return {
    desired: s.desired,
    ...(s.lastEdge ? { last: formatNext(s.lastEdge) } : {}),
    ...(s.nextEdge ? { next: formatNext(s.nextEdge) } : {}),
    ...(s.activatedBy ? { activatedBy: s.activatedBy.instant.toISOString().replace('.000Z', 'Z') } : {}),
  };
}

describe('effectiveDesiredState', () => {
  it.each(rows)('$name', ({ spec, now, want }) => {
    expect(summary(spec, now)).toEqual(want);
  });

  it('an invalid schedule is ignored and reported: spec.state decides', () => {
    const s = effectiveDesiredState(
      {
        state: 'Active',
        schedule: { timeZone: 'Europe/Zagreb', windows: [{ activate: '0 8 * *', deactivate: '0 18 * * *' }] },
      },
      new Date('2026-12-05T11:00:00Z'),
    );
    expect(s.desired).toBe('Active');
    expect(s.nextEdge).toBeUndefined();
    expect(s.errors.map((e) => `${e.code} ${e.path}`)).toEqual([
      'InvalidCron spec.schedule.windows[0].activate',
    ]);
  });

  it('deactivatedBy is the deciding Deactivate edge; next is the same edge as nextEdge', () => {
    const s = effectiveDesiredState(zagreb(weekdays), new Date('2026-12-05T11:00:00Z'));
    expect(s.deactivatedBy).toEqual(s.lastEdge);
    expect(s.next).toEqual(s.nextEdge);
    expect(s.errors).toEqual([]);
  });

  it('nextEdge(spec, now) is the next action', () => {
    const edge = nextEdge(zagreb(weekdays), new Date('2026-12-05T11:00:00Z'));
    expect(edge && formatNext(edge)).toBe('Activate 2026-12-07T07:00:00Z');
    expect(
      nextEdge(zagreb({ activateAt: '2026-12-01T09:00' }), new Date('2026-12-02T00:00:00Z')),
    ).toBeUndefined();
  });

  it('an Activate that always coincides with a Deactivate hides it: Active, no next action', () => {
    const s = effectiveDesiredState(
      utc({ windows: [{ activate: '0 * * * *', deactivate: '0 8 * * 1-5' }] }),
      new Date('2026-12-02T12:30:00Z'),
    );
    expect(s.desired).toBe('Active');
    expect(s.nextEdge).toBeUndefined();
    // No hour ever left it Inactive within reach: no schedule activation moment either.
    expect(s.activatedBy).toBeUndefined();
  });
});

describe('the walk back for the activation moment is bounded (MAX_WALK)', () => {
  // Found by the property test: a daily 12:00 Deactivate always hidden by a 12:00 Activate of
  // another window; the only visible Deactivate is yearly (25 Oct 02:45).
  const sp = {
    schedule: {
      timeZone: 'Europe/Zagreb',
      windows: [
        { activate: '0 12 * * *', deactivate: '45 2 25 10 *' },
        { activate: '0 8 * * 1-5', deactivate: '0 12 * * *' },
      ],
    },
  };
  it('names the moment while the visible Deactivate is within the walk, and none past it; Active throughout', () => {
    const near = effectiveDesiredState(sp, new Date('2026-11-01T06:00:00Z'));
    expect(near.desired).toBe('Active');
    expect(near.activatedBy?.wallTime).toBe('2026-10-25T12:00:00');
    const far = effectiveDesiredState(sp, new Date('2026-12-31T23:59:59Z'));
    expect(far.desired).toBe('Active');
    expect(far.activatedBy).toBeUndefined();
  });
});
