// Local wall times and instants in an IANA time zone (luxon's zone data).
//
// A wall time is kept as the milliseconds of a naive calendar: the UTC calendar used as a clock
// face with no zone attached. Cron iteration runs on that naive calendar too (cron.ts), so a
// one-off wall time and a cron fire time go through the same DST rules below.
import { IANAZone } from 'luxon';

/** Milliseconds of a naive (zone-less) calendar: what a wall clock reads, not an instant. */
export type Wall = number;

const DAY = 86_400_000;
const WALL_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
// IANA names only: Intl would also take "+01:00", which has no DST rules and is no IANA zone.
const ZONE_RE = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

// Checking a name builds an Intl.DateTimeFormat (~40 µs); reconciles ask for the same few names.
const zones = new Map<string, IANAZone | undefined>();

/** The zone for an IANA name (Europe/Zagreb, UTC), or undefined if the name is unknown. */
export function zoneOf(name: string): IANAZone | undefined {
  if (name.length > 64 || !ZONE_RE.test(name)) return undefined;
  if (!zones.has(name)) {
    if (zones.size >= 1024) zones.clear();
    zones.set(name, IANAZone.isValidZone(name) ? IANAZone.create(name) : undefined);
  }
  return zones.get(name);
}

/** Parses "YYYY-MM-DDTHH:MM[:SS]"; undefined unless it names a real calendar date and time. */
export function parseWallTime(s: string): Wall | undefined {
  const m = WALL_RE.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = [1, 2, 3, 4, 5].map((i) => Number(m[i])) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const se = Number(m[6] ?? 0);
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // setUTCFullYear, not Date.UTC: years 0-99 are not 1900-1999
  date.setUTCHours(h, mi, se, 0);
  // Day overflow (02-30, 2026-02-29) rolls into the next month: reject it.
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return date.getTime();
}

/** "YYYY-MM-DDTHH:MM:SS", seconds always shown. */
export function formatWall(w: Wall): string {
  return new Date(w).toISOString().slice(0, 19);
}

// An offset costs an Intl formatToParts call (~4 µs). No zone changes its offset twice within
// an hour, so when both ends of an hour agree, that offset holds for the whole hour: cache it.
const HOUR = 3_600_000;
const hourOffsets = new Map<IANAZone, Map<number, number | null>>();

function exactOffsetMs(zone: IANAZone, t: number): number {
  return Math.round(zone.offset(t) * 60_000);
}

function offsetMs(zone: IANAZone, t: number): number {
  let hours = hourOffsets.get(zone);
  if (!hours || hours.size >= 100_000) {
    if (hourOffsets.size >= 64) hourOffsets.clear();
    hours = new Map();
    hourOffsets.set(zone, hours);
  }
  const h = Math.floor(t / HOUR);
  let cached = hours.get(h);
  if (cached === undefined) {
    const start = exactOffsetMs(zone, h * HOUR);
    cached = start === exactOffsetMs(zone, (h + 1) * HOUR) ? start : null; // null: changes inside
    hours.set(h, cached);
  }
  return cached ?? exactOffsetMs(zone, t);
}

/** What the wall clock in `zone` reads at instant t. */
export function wallAt(zone: IANAZone, t: number): Wall {
  return t + offsetMs(zone, t);
}

export interface Resolved {
  instant: number;
  /** True when the wall time does not exist (DST gap) and was moved forward. */
  shifted: boolean;
}

/**
 * The instant a wall time names in `zone`.
 * - Overlap (the clock goes back; 02:30 happens twice): the earlier instant, so it fires once.
 * - Gap (the clock skips; 02:30 never happens): the first instant after the gap, i.e. the
 *   transition itself (03:00 local), as Vixie/ISC cron run skipped jobs right after the change.
 *   Unlike luxon's default (02:30 -> 03:30) this keeps the mapping monotonic: a wall time never
 *   lands after a later wall time, so activateAt 02:30 / deactivateAt 03:15 keep their order.
 * (Kubernetes CronJob, on robfig/cron, instead skips gap times and runs overlap times twice,
 * kubernetes/kubernetes#121594: neither is acceptable for an activation.)
 * Assumes at most one offset change within a day of the wall time, like the Temporal polyfill.
 */
export function resolveWall(zone: IANAZone, w: Wall): Resolved {
  const before = offsetMs(zone, w - DAY);
  const after = offsetMs(zone, w + DAY);
  if (before === after) return { instant: w - before, shifted: false }; // no change nearby
  const a = w - before;
  const b = w - after;
  const aOk = offsetMs(zone, a) === before;
  const bOk = a !== b && offsetMs(zone, b) === after;
  if (aOk && bOk) return { instant: Math.min(a, b), shifted: false };
  if (aOk) return { instant: a, shifted: false };
  if (bOk) return { instant: b, shifted: false };
  // In a gap: the transition lies in (min, max]; find the first second with the new offset.
  let lo = Math.floor(Math.min(a, b) / 1000);
  let hi = Math.ceil(Math.max(a, b) / 1000);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(zone, mid * 1000) === after) hi = mid;
    else lo = mid;
  }
  return { instant: hi * 1000, shifted: true };
}
