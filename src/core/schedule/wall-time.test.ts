import { describe, expect, it } from 'vitest';
import { formatWall, parseWallTime, resolveWall, zoneOf } from './wall-time.ts';

const zone = (name: string) => zoneOf(name)!;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

describe('parseWallTime', () => {
  it.each([
    ['2026-12-01T09:00', '2026-12-01T09:00:00'],
    ['2026-12-01T09:00:30', '2026-12-01T09:00:30'],
    ['2028-02-29T00:00', '2028-02-29T00:00:00'], // leap day
    ['2026-12-31T23:59:59', '2026-12-31T23:59:59'],
    ['0099-01-01T00:00', '0099-01-01T00:00:00'], // not 1999
  ])('%s is a wall time', (input, normalized) => {
    expect(formatWall(parseWallTime(input)!)).toBe(normalized);
  });

  it.each([
    '2026-02-29T00:00', // 2026 is no leap year
    '2026-04-31T08:00',
    '2026-13-01T08:00',
    '2026-00-10T08:00',
    '2026-01-00T08:00',
    '2026-01-01T24:00',
    '2026-01-01T23:60',
    '2026-01-01T23:59:60',
    '2026-01-01 08:00',
    '2026-01-01T8:00',
    '2026-01-01T08:00Z',
    '2026-01-01T08:00+01:00',
    '2026-01-01T08:00:00.000',
    '',
  ])('%j is not', (input) => {
    expect(parseWallTime(input)).toBeUndefined();
  });
});

describe('zoneOf', () => {
  it.each(['Europe/Zagreb', 'America/New_York', 'UTC', 'Etc/GMT+1'])('%s is an IANA zone', (name) => {
    expect(zoneOf(name)).toBeDefined();
  });
  it.each(['', 'Mars/Olympus_Mons', '+01:00', 'Europe/Zagreb ', 'UTC+1'])('%j is not', (name) => {
    expect(zoneOf(name)).toBeUndefined();
  });
});

// 2026: EU clocks go 02:00 -> 03:00 on 03-29 and 03:00 -> 02:00 on 10-25 (01:00Z both times);
// US clocks go 02:00 -> 03:00 on 03-08 (07:00Z) and 02:00 -> 01:00 on 11-01 (06:00Z).
describe('resolveWall', () => {
  it.each([
    ['Europe/Zagreb', '2026-01-01T00:00', '2025-12-31T23:00:00Z', false, 'midnight, new year'],
    ['Europe/Zagreb', '2028-02-29T12:00', '2028-02-29T11:00:00Z', false, 'leap day'],
    ['Europe/Zagreb', '2026-03-29T01:59:59', '2026-03-29T00:59:59Z', false, 'just before the gap'],
    ['Europe/Zagreb', '2026-03-29T02:00', '2026-03-29T01:00:00Z', true, 'gap start: to 03:00 CEST'],
    ['Europe/Zagreb', '2026-03-29T02:30', '2026-03-29T01:00:00Z', true, 'in the gap: to 03:00 CEST'],
    ['Europe/Zagreb', '2026-03-29T02:59:59', '2026-03-29T01:00:00Z', true, 'gap end: to 03:00 CEST'],
    ['Europe/Zagreb', '2026-03-29T03:00', '2026-03-29T01:00:00Z', false, 'first wall time after the gap'],
    ['Europe/Zagreb', '2026-03-29T03:30', '2026-03-29T01:30:00Z', false, 'after the gap'],
    ['Europe/Zagreb', '2026-10-25T01:59', '2026-10-24T23:59:00Z', false, 'before the overlap'],
    ['Europe/Zagreb', '2026-10-25T02:00', '2026-10-25T00:00:00Z', false, 'overlap: the CEST one'],
    ['Europe/Zagreb', '2026-10-25T02:30', '2026-10-25T00:30:00Z', false, 'overlap: the CEST one'],
    ['Europe/Zagreb', '2026-10-25T02:59:59', '2026-10-25T00:59:59Z', false, 'overlap: the CEST one'],
    ['Europe/Zagreb', '2026-10-25T03:00', '2026-10-25T02:00:00Z', false, 'after the overlap'],
    ['America/New_York', '2026-03-08T01:59', '2026-03-08T06:59:00Z', false, 'before the gap'],
    ['America/New_York', '2026-03-08T02:30', '2026-03-08T07:00:00Z', true, 'in the gap: to 03:00 EDT'],
    ['America/New_York', '2026-03-08T03:00', '2026-03-08T07:00:00Z', false, 'after the gap'],
    ['America/New_York', '2026-11-01T00:59', '2026-11-01T04:59:00Z', false, 'before the overlap'],
    ['America/New_York', '2026-11-01T01:30', '2026-11-01T05:30:00Z', false, 'overlap: the EDT one'],
    ['America/New_York', '2026-11-01T02:00', '2026-11-01T07:00:00Z', false, 'after the overlap'],
    ['America/New_York', '2026-12-01T00:00', '2026-12-01T05:00:00Z', false, 'midnight'],
    ['UTC', '2026-06-01T12:00', '2026-06-01T12:00:00Z', false, 'UTC'],
  ])('%s %s -> %s (shifted %s): %s', (tz, wall, instant, shifted) => {
    const r = resolveWall(zone(tz), parseWallTime(wall)!);
    expect({ instant: iso(r.instant), shifted: r.shifted }).toEqual({ instant, shifted });
  });
});
