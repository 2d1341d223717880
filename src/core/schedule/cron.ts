// 5-field cron expressions evaluated in a time zone.
//
// cron-parser v5 with `tz` is not used for iteration: its next() and prev() disagree at DST
// changes (checked with 5.10.6: prev() skips a fire time in the spring gap and returns an overlap
// time twice; next() moves a gap time by the gap's length and, for a cron firing every hour,
// also repeats the overlap). Instead cron-parser iterates the naive wall-clock
// calendar (tz UTC: no DST) and every wall time it yields is resolved with resolveWall(), the
// same rule one-off wall times use. So a fire time in a gap fires once at the end of the gap,
// one in an overlap fires once at its first occurrence, and next/prev are mirror images.
import { CronExpression, CronExpressionParser, type CronFieldCollection } from 'cron-parser';
import type { IANAZone } from 'luxon';
import { resolveWall, type Wall, wallAt } from './wall-time.ts';

export interface Cron {
  expression: string;
  fields: CronFieldCollection;
}

// The macros Kubernetes CronJob accepts, spelled out so cron-parser gets exactly 5 fields.
// A Map, not an object literal: a cron text of "__proto__" must not find Object.prototype.
const MACROS = new Map([
  ['@yearly', '0 0 1 1 *'],
  ['@annually', '0 0 1 1 *'],
  ['@monthly', '0 0 1 * *'],
  ['@weekly', '0 0 * * 0'],
  ['@daily', '0 0 * * *'],
  ['@midnight', '0 0 * * *'],
  ['@hourly', '0 * * * *'],
]);

// Parsing costs tens of µs and every reconcile re-parses the same few specs: memoize by text.
const parsedCrons = new Map<string, Cron | { error: string }>();
const MAX_CACHED = 4096;

/** A parsed cron, or why it is not one. Never throws. */
export function parseCron(expression: string): Cron | { error: string } {
  let parsed = parsedCrons.get(expression);
  if (!parsed) {
    parsed = parseUncached(expression);
    if (parsedCrons.size >= MAX_CACHED) parsedCrons.clear();
    parsedCrons.set(expression, parsed);
  }
  return parsed;
}

function parseUncached(expression: string): Cron | { error: string } {
  const text = MACROS.get(expression.trim().toLowerCase()) ?? expression.trim();
  const count = text === '' ? 0 : text.split(/\s+/).length;
  if (count !== 5) {
    return { error: `must have 5 fields (minute hour day-of-month month day-of-week), got ${count}` };
  }
  // H picks a random value unless seeded: a schedule must mean the same on every replica.
  if (/(^|[\s,])h/i.test(text)) {
    return { error: 'the H (hash) character is not supported' };
  }
  let parsed: CronExpression;
  try {
    parsed = CronExpressionParser.parse(text, { tz: 'UTC', currentDate: 0 });
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  const cron = { expression, fields: parsed.fields };
  if (nextWall(cron, 0) === undefined) return { error: 'never fires' };
  return cron;
}

// Loop guard for the resolve loops below: a DST overlap holds at most a few hours of fire times.
const MAX_STEPS = 2_000;

function step(cron: Cron, from: Wall, reverse: boolean): Wall | undefined {
  try {
    const it = CronExpression.fieldsToExpression(cron.fields, { tz: 'UTC', currentDate: from });
    const t = (reverse ? it.prev() : it.next()).getTime();
    return Number.isFinite(t) ? t : undefined;
  } catch {
    return undefined; // out of cron-parser's range or its loop limit: no such fire time
  }
}

/** First wall time strictly after w that matches the cron. */
export function nextWall(cron: Cron, w: Wall): Wall | undefined {
  return step(cron, w, false);
}

/** Last wall time strictly before w that matches the cron. */
export function prevWall(cron: Cron, w: Wall): Wall | undefined {
  return step(cron, w, true);
}

export interface Fire {
  instant: number;
  /** The scheduled wall time; in a gap, the last of those that landed on this instant. */
  wall: Wall;
}

/** The first fire time strictly after instant t. */
export function fireAfter(cron: Cron, zone: IANAZone, t: number): Fire | undefined {
  // Every wall time up to the clock's reading at t resolves to t or earlier, so start there;
  // in an overlap, later wall times may still resolve before t and are skipped.
  let w = wallAt(zone, t);
  for (let i = 0; i < MAX_STEPS; i++) {
    const next = nextWall(cron, w);
    if (next === undefined) return undefined;
    const r = resolveWall(zone, next);
    if (r.instant > t) {
      let wall = next;
      // Several wall times in one gap land on the same instant: one fire, named by the last.
      while (r.shifted) {
        const more = nextWall(cron, wall);
        if (more === undefined || resolveWall(zone, more).instant !== r.instant) break;
        wall = more;
      }
      return { instant: r.instant, wall };
    }
    w = next;
  }
  return undefined;
}

/** The last fire time at or before instant t. */
export function fireAtOrBefore(cron: Cron, zone: IANAZone, t: number): Fire | undefined {
  // After the clock went back, it read later wall times before t (they resolve to their first
  // occurrence), so the search starts above the current reading by the size of the step back.
  const now = wallAt(zone, t);
  const back = wallAt(zone, t - 86_400_000) + 86_400_000 - now;
  const fellBack = back > 0 && wallAt(zone, t - back) + back > now;
  let w = now + (fellBack ? back : 0) + 1; // prev() is strict: +1 ms includes the start itself
  for (let i = 0; i < MAX_STEPS; i++) {
    const prev = prevWall(cron, w);
    if (prev === undefined) return undefined;
    const r = resolveWall(zone, prev);
    // Walls resolve monotonically, so the first one at or before t going down is the latest.
    if (r.instant <= t) return { instant: r.instant, wall: prev };
    w = prev;
  }
  return undefined;
}
