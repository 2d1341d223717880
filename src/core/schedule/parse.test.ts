import { describe, expect, it } from 'vitest';
import { parseSchedule } from './parse.ts';

const codes = (input: unknown) => {
  const r = parseSchedule(input);
  return r.ok ? [] : r.errors.map((e) => `${e.code} ${e.path}`);
};

describe('parseSchedule', () => {
  it.each([
    ['no schedule', undefined],
    ['null', null],
    [
      'one-off times',
      { timeZone: 'Europe/Zagreb', activateAt: '2026-12-01T09:00', deactivateAt: '2026-12-24T18:00:30' },
    ],
    [
      'windows',
      { timeZone: 'America/New_York', windows: [{ activate: '0 8 * * 1-5', deactivate: '0 18 * * 1-5' }] },
    ],
    [
      'a wall time in a DST gap is valid (it moves forward)',
      { timeZone: 'Europe/Zagreb', activateAt: '2026-03-29T02:30' },
    ],
  ])('accepts %s', (_, input) => {
    expect(parseSchedule(input).ok).toBe(true);
  });

  it.each([
    ['timeZone missing', { activateAt: '2026-12-01T09:00' }, ['InvalidTimeZone spec.schedule.timeZone']],
    ['unknown timeZone', { timeZone: 'Europe/Atlantis' }, ['InvalidTimeZone spec.schedule.timeZone']],
    ['offset instead of IANA', { timeZone: '+01:00' }, ['InvalidTimeZone spec.schedule.timeZone']],
    [
      'no such date',
      { timeZone: 'UTC', activateAt: '2026-02-29T09:00' },
      ['InvalidWallTime spec.schedule.activateAt'],
    ],
    [
      'offset in a wall time',
      { timeZone: 'UTC', deactivateAt: '2026-12-24T18:00Z' },
      ['InvalidWallTime spec.schedule.deactivateAt'],
    ],
    [
      'bad crons name their window and field',
      {
        timeZone: 'UTC',
        windows: [
          { activate: '0 8 * * 1-5', deactivate: '0 18 * * 1-5' },
          { activate: '0 8 * *', deactivate: '0 25 * * *' },
          { activate: '0 8 * * *' },
        ],
      },
      [
        'InvalidCron spec.schedule.windows[1].activate',
        'InvalidCron spec.schedule.windows[1].deactivate',
        'InvalidCron spec.schedule.windows[2].deactivate',
      ],
    ],
    [
      'every problem at once',
      { timeZone: 'Nowhere', activateAt: 'soon', windows: [{ activate: 5, deactivate: '@daily' }] },
      [
        'InvalidTimeZone spec.schedule.timeZone',
        'InvalidWallTime spec.schedule.activateAt',
        'InvalidCron spec.schedule.windows[0].activate',
      ],
    ],
    ['not an object', 'Europe/Zagreb', ['InvalidSchedule spec.schedule']],
    ['windows not a list', { timeZone: 'UTC', windows: {} }, ['InvalidSchedule spec.schedule.windows']],
  ])('reports %s', (_, input, want) => {
    expect(codes(input)).toEqual(want);
  });

  it('errors carry a message and a hint', () => {
    const r = parseSchedule({ timeZone: 'UTC', windows: [{ activate: '0 8 * *', deactivate: '@daily' }] });
    expect(r).toEqual({
      ok: false,
      errors: [
        {
          code: 'InvalidCron',
          path: 'spec.schedule.windows[0].activate',
          message: '"0 8 * *": must have 5 fields (minute hour day-of-month month day-of-week), got 4',
          hint: 'Use a 5-field cron in timeZone, e.g. "0 8 * * 1-5" (08:00 Monday to Friday).',
        },
      ],
    });
  });
});
