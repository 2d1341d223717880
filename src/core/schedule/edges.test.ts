import { describe, expect, it } from 'vitest';
import { edgesBetween, firstEdgeAfter, latestEdge } from './edges.ts';
import { formatNext } from './format.ts';
import { parseSchedule } from './parse.ts';
import type { Edge, ParsedSchedule } from './types.ts';

const parsed = (schedule: unknown): ParsedSchedule => {
  const r = parseSchedule(schedule);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.schedule;
};
const show = (e: Edge | undefined) => e && `${formatNext(e)} ${e.source} ${e.wallTime}`;
const at = (s: string) => new Date(s);

describe('edgesBetween', () => {
  const s = parsed({
    timeZone: 'Europe/Zagreb',
    activateAt: '2026-12-01T09:00',
    deactivateAt: '2026-12-03T12:00',
    windows: [{ activate: '0 8 * * 1-5', deactivate: '0 18 * * 1-5' }],
  });

  it('lists every edge in (from, to] in time order, with its source and wall time', () => {
    expect(edgesBetween(s, at('2026-12-01T00:00:00Z'), at('2026-12-03T11:00:00Z')).map(show)).toEqual([
      'Activate 2026-12-01T07:00:00Z windows[0] 2026-12-01T08:00:00',
      'Activate 2026-12-01T08:00:00Z activateAt 2026-12-01T09:00:00',
      'Deactivate 2026-12-01T17:00:00Z windows[0] 2026-12-01T18:00:00',
      'Activate 2026-12-02T07:00:00Z windows[0] 2026-12-02T08:00:00',
      'Deactivate 2026-12-02T17:00:00Z windows[0] 2026-12-02T18:00:00',
      'Activate 2026-12-03T07:00:00Z windows[0] 2026-12-03T08:00:00',
      'Deactivate 2026-12-03T11:00:00Z deactivateAt 2026-12-03T12:00:00',
    ]);
  });

  it('excludes `from` and includes `to`', () => {
    const edge = '2026-12-01T07:00:00Z';
    expect(edgesBetween(s, at(edge), at('2026-12-01T07:30:00Z'))).toEqual([]);
    expect(edgesBetween(s, at('2026-12-01T06:00:00Z'), at(edge)).map(show)).toEqual([
      'Activate 2026-12-01T07:00:00Z windows[0] 2026-12-01T08:00:00',
    ]);
  });

  it('is empty for an empty or reversed range and for invalid dates', () => {
    expect(edgesBetween(s, at('2026-12-02T00:00:00Z'), at('2026-12-01T00:00:00Z'))).toEqual([]);
    expect(edgesBetween(s, at('nonsense'), at('2026-12-01T00:00:00Z'))).toEqual([]);
    expect(edgesBetween(parsed(undefined), at('2000-01-01T00:00:00Z'), at('2100-01-01T00:00:00Z'))).toEqual(
      [],
    );
  });

  it('pages with a limit: the next page starts after the last edge returned', () => {
    const from = at('2026-12-01T00:00:00Z');
    const to = at('2026-12-31T00:00:00Z');
    const all = edgesBetween(s, from, to);
    const pages: Edge[] = [];
    for (let after = from; ; ) {
      const page = edgesBetween(s, after, to, 4);
      if (page.length === 0) break;
      pages.push(...page);
      after = page[page.length - 1]!.instant;
    }
    expect(pages).toEqual(all);
    expect(all.length).toBeGreaterThan(40);
  });

  it('never splits edges at one instant across pages', () => {
    const adjacent = parsed({
      timeZone: 'UTC',
      windows: [
        { activate: '0 8 * * *', deactivate: '0 12 * * *' },
        { activate: '0 12 * * *', deactivate: '0 18 * * *' },
      ],
    });
    const page = edgesBetween(adjacent, at('2026-12-01T00:00:00Z'), at('2026-12-02T00:00:00Z'), 2);
    expect(page.map(show)).toEqual([
      'Activate 2026-12-01T08:00:00Z windows[0] 2026-12-01T08:00:00',
      'Deactivate 2026-12-01T12:00:00Z windows[0] 2026-12-01T12:00:00',
      'Activate 2026-12-01T12:00:00Z windows[1] 2026-12-01T12:00:00',
    ]);
  });
});

describe('ties: edges at the same instant', () => {
  it('back-to-back windows: Deactivate is applied first, so Activate decides', () => {
    const s = parsed({
      timeZone: 'UTC',
      windows: [
        { activate: '0 12 * * *', deactivate: '0 18 * * *' }, // listed first on purpose
        { activate: '0 8 * * *', deactivate: '0 12 * * *' },
      ],
    });
    const noon = at('2026-12-01T12:00:00Z');
    expect(edgesBetween(s, at('2026-12-01T11:00:00Z'), noon).map(show)).toEqual([
      'Deactivate 2026-12-01T12:00:00Z windows[1] 2026-12-01T12:00:00',
      'Activate 2026-12-01T12:00:00Z windows[0] 2026-12-01T12:00:00',
    ]);
    expect(show(latestEdge(s, noon))).toBe('Activate 2026-12-01T12:00:00Z windows[0] 2026-12-01T12:00:00');
    expect(show(firstEdgeAfter(s, at('2026-12-01T11:00:00Z')))).toBe(
      'Activate 2026-12-01T12:00:00Z windows[0] 2026-12-01T12:00:00',
    );
  });

  it('DST gap: wall times that land on one instant apply in wall-time order', () => {
    // 02:30 and 02:45 do not exist on 2026-03-29 in Zagreb: both fire at 03:00 CEST (01:00Z).
    const s = parsed({
      timeZone: 'Europe/Zagreb',
      activateAt: '2026-03-29T02:30',
      deactivateAt: '2026-03-29T02:45',
    });
    const t = at('2026-03-29T01:00:00Z');
    expect(edgesBetween(s, at('2026-03-29T00:00:00Z'), t).map(show)).toEqual([
      'Activate 2026-03-29T01:00:00Z activateAt 2026-03-29T02:30:00',
      'Deactivate 2026-03-29T01:00:00Z deactivateAt 2026-03-29T02:45:00',
    ]);
    expect(latestEdge(s, t)?.kind).toBe('Deactivate');
  });

  it('otherwise the source order decides: activateAt, deactivateAt, windows[0], windows[1], ...', () => {
    const s = parsed({
      timeZone: 'UTC',
      activateAt: '2026-12-01T08:00',
      windows: [
        { activate: '0 8 * * *', deactivate: '0 9 * * *' },
        { activate: '0 8 * * *', deactivate: '0 9 * * *' },
      ],
    });
    expect(
      edgesBetween(s, at('2026-12-01T07:00:00Z'), at('2026-12-01T08:00:00Z')).map((e) => e.source),
    ).toEqual(['activateAt', 'windows[0]', 'windows[1]']);
  });
});

describe('latestEdge and firstEdgeAfter', () => {
  const s = parsed({
    timeZone: 'America/New_York',
    windows: [{ activate: '0 8 * * 1-5', deactivate: '0 18 * * 1-5' }],
  });
  it.each([
    ['2026-12-02T13:00:00Z', 'Activate 2026-12-02T13:00:00Z', 'Deactivate 2026-12-02T23:00:00Z'], // exactly 08:00 EST
    ['2026-12-05T17:00:00Z', 'Deactivate 2026-12-04T23:00:00Z', 'Activate 2026-12-07T13:00:00Z'], // Saturday noon
    ['2026-03-09T11:59:59Z', 'Deactivate 2026-03-06T23:00:00Z', 'Activate 2026-03-09T12:00:00Z'], // first EDT Monday
  ])('at %s: latest %s, next %s', (now, latest, next) => {
    expect(formatNext(latestEdge(s, at(now))!)).toBe(latest);
    expect(formatNext(firstEdgeAfter(s, at(now))!)).toBe(next);
  });

  it('a one-off schedule has no edges after its last one', () => {
    const once = parsed({ timeZone: 'UTC', activateAt: '2026-12-01T08:00' });
    expect(firstEdgeAfter(once, at('2026-12-01T08:00:00Z'))).toBeUndefined();
    expect(latestEdge(once, at('2026-12-01T07:59:59.999Z'))).toBeUndefined();
  });
});
