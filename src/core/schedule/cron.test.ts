import { describe, expect, it } from 'vitest';
import { type Cron, fireAfter, fireAtOrBefore, parseCron } from './cron.ts';
import { formatWall, zoneOf } from './wall-time.ts';

const cron = (expr: string) => parseCron(expr) as Cron;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const ms = (s: string) => new Date(s).getTime();

describe('parseCron', () => {
  it.each([
    '0 8 * * 1-5',
    '30 2 * * *',
    '*/15 9-17 * * MON-FRI',
    '0 0 29 2 *',
    '0 12 L * *',
    '0 9 * * 1#1',
    '@daily',
    '@weekly',
    '@midnight',
    '@hourly',
  ])('accepts %j', (expr) => {
    expect(parseCron(expr)).not.toHaveProperty('error');
  });

  it.each([
    ['', /5 fields/],
    ['* * * *', /5 fields/],
    ['0 0 8 * * 1-5', /5 fields/], // seconds field
    ['0 8 * * 1-5 2026', /5 fields/],
    ['60 * * * *', /0-59/],
    ['0 24 * * *', /0-23/],
    ['*/0 * * * *', /every 0/],
    ['a b c d e', /Invalid characters/],
    ['H 8 * * *', /H \(hash\)/], // random unless seeded
    ['0 0 30 2 *', /day of month/], // never fires
    ['@secondly', /5 fields/],
    ['__proto__', /5 fields/], // found by the never-throws property
  ])('rejects %j', (expr, why) => {
    const r = parseCron(expr);
    expect(r).toHaveProperty('error');
    expect((r as { error: string }).error).toMatch(why);
  });
});

/** Fire times in (from, to], walking forward with fireAfter and backward with fireAtOrBefore. */
function fires(expr: string, tz: string, from: string, to: string) {
  const c = cron(expr);
  const zone = zoneOf(tz)!;
  const forward: string[] = [];
  for (let f = fireAfter(c, zone, ms(from)); f && f.instant <= ms(to); f = fireAfter(c, zone, f.instant)) {
    forward.push(`${iso(f.instant)} ${formatWall(f.wall).slice(11, 16)}`);
  }
  const backward: string[] = [];
  for (
    let f = fireAtOrBefore(c, zone, ms(to));
    f && f.instant > ms(from);
    f = fireAtOrBefore(c, zone, f.instant - 1)
  ) {
    backward.unshift(`${iso(f.instant)} ${formatWall(f.wall).slice(11, 16)}`);
  }
  return { forward, backward };
}

// Each row: fire times as "instant wall" (the wall is the scheduled local time that fired).
describe('cron fire times across DST (forward and backward agree, each fires once)', () => {
  it.each([
    {
      name: 'Zagreb gap: 02:30 fires at 03:00 CEST',
      tz: 'Europe/Zagreb',
      expr: '30 2 * * *',
      from: '2026-03-28T00:00:00Z',
      to: '2026-03-30T12:00:00Z',
      want: ['2026-03-28T01:30:00Z 02:30', '2026-03-29T01:00:00Z 02:30', '2026-03-30T00:30:00Z 02:30'],
    },
    {
      name: 'Zagreb gap: two fire times in the gap fire once',
      tz: 'Europe/Zagreb',
      expr: '0,30 2 * * *',
      from: '2026-03-28T22:00:00Z',
      to: '2026-03-29T12:00:00Z',
      want: ['2026-03-29T01:00:00Z 02:30'],
    },
    {
      name: 'Zagreb gap: hourly fires once at 03:00 (02:00 and 03:00 land together)',
      tz: 'Europe/Zagreb',
      expr: '0 * * * *',
      from: '2026-03-28T23:30:00Z',
      to: '2026-03-29T02:30:00Z',
      want: ['2026-03-29T00:00:00Z 01:00', '2026-03-29T01:00:00Z 03:00', '2026-03-29T02:00:00Z 04:00'],
    },
    {
      name: 'Zagreb midnight around the gap',
      tz: 'Europe/Zagreb',
      expr: '0 0 * * *',
      from: '2026-03-28T12:00:00Z',
      to: '2026-03-30T12:00:00Z',
      want: ['2026-03-28T23:00:00Z 00:00', '2026-03-29T22:00:00Z 00:00'],
    },
    {
      name: 'Zagreb overlap: 02:30 fires once, at its CEST occurrence',
      tz: 'Europe/Zagreb',
      expr: '30 2 * * *',
      from: '2026-10-24T12:00:00Z',
      to: '2026-10-26T12:00:00Z',
      want: ['2026-10-25T00:30:00Z 02:30', '2026-10-26T01:30:00Z 02:30'],
    },
    {
      name: 'Zagreb overlap: every 30 minutes does not repeat 02:00 and 02:30',
      tz: 'Europe/Zagreb',
      expr: '*/30 * * * *',
      from: '2026-10-24T23:10:00Z',
      to: '2026-10-25T02:40:00Z',
      want: [
        '2026-10-24T23:30:00Z 01:30',
        '2026-10-25T00:00:00Z 02:00',
        '2026-10-25T00:30:00Z 02:30',
        '2026-10-25T02:00:00Z 03:00',
        '2026-10-25T02:30:00Z 03:30',
      ],
    },
    {
      name: 'New York gap: 02:30 fires at 03:00 EDT',
      tz: 'America/New_York',
      expr: '30 2 * * *',
      from: '2026-03-07T00:00:00Z',
      to: '2026-03-09T12:00:00Z',
      want: ['2026-03-07T07:30:00Z 02:30', '2026-03-08T07:00:00Z 02:30', '2026-03-09T06:30:00Z 02:30'],
    },
    {
      name: 'New York gap: hourly fires once at 03:00',
      tz: 'America/New_York',
      expr: '0 * * * *',
      from: '2026-03-08T05:30:00Z',
      to: '2026-03-08T08:30:00Z',
      want: ['2026-03-08T06:00:00Z 01:00', '2026-03-08T07:00:00Z 03:00', '2026-03-08T08:00:00Z 04:00'],
    },
    {
      name: 'New York overlap: 01:30 fires once, at its EDT occurrence',
      tz: 'America/New_York',
      expr: '30 1 * * *',
      from: '2026-10-31T00:00:00Z',
      to: '2026-11-02T12:00:00Z',
      want: ['2026-10-31T05:30:00Z 01:30', '2026-11-01T05:30:00Z 01:30', '2026-11-02T06:30:00Z 01:30'],
    },
    {
      name: 'New York overlap: hourly does not repeat 01:00',
      tz: 'America/New_York',
      expr: '0 * * * *',
      from: '2026-11-01T03:30:00Z',
      to: '2026-11-01T08:30:00Z',
      want: [
        '2026-11-01T04:00:00Z 00:00',
        '2026-11-01T05:00:00Z 01:00',
        '2026-11-01T07:00:00Z 02:00',
        '2026-11-01T08:00:00Z 03:00',
      ],
    },
    {
      name: 'leap day: Feb 29 only in leap years',
      tz: 'Europe/Zagreb',
      expr: '0 0 29 2 *',
      from: '2026-01-01T00:00:00Z',
      to: '2033-01-01T00:00:00Z',
      want: ['2028-02-28T23:00:00Z 00:00', '2032-02-28T23:00:00Z 00:00'],
    },
  ])('$name', ({ tz, expr, from, to, want }) => {
    expect(fires(expr, tz, from, to)).toEqual({ forward: want, backward: want });
  });
});

describe('fire time boundaries', () => {
  const c = cron('0 8 * * *');
  const utc = zoneOf('UTC')!;
  it('fireAfter is strict and fireAtOrBefore includes the instant itself', () => {
    expect(iso(fireAfter(c, utc, ms('2026-01-01T08:00:00Z'))!.instant)).toBe('2026-01-02T08:00:00Z');
    expect(iso(fireAtOrBefore(c, utc, ms('2026-01-01T08:00:00Z'))!.instant)).toBe('2026-01-01T08:00:00Z');
    expect(iso(fireAtOrBefore(c, utc, ms('2026-01-01T07:59:59.999Z'))!.instant)).toBe('2025-12-31T08:00:00Z');
    expect(iso(fireAfter(c, utc, ms('2026-01-01T07:59:59.999Z'))!.instant)).toBe('2026-01-01T08:00:00Z');
  });
  it('in the second pass of an overlap, the latest fire is the first pass (New York 01:30 EST)', () => {
    const f = fireAtOrBefore(cron('0 * * * *'), zoneOf('America/New_York')!, ms('2026-11-01T06:30:00Z'));
    expect(iso(f!.instant)).toBe('2026-11-01T05:00:00Z');
  });
});
