// Times on the command line and on the screen: --at/--until as local wall times in a time zone
// (checked with the schedule core's wall-time rules: unknown zone, no such date, DST gap, past),
// and instants shown in the user's local time and in UTC.
import {
  formatWall,
  parseWallTime,
  resolveWall,
  type Wall,
  wallAt,
  zoneOf,
} from '../../core/schedule/wall-time.ts';
import { rfc3339 } from '../../core/time.ts';
import { PluginError, UsageError } from './errors.ts';

/** The user's time zone: TZ when it is an IANA name, else the system's, else UTC. */
export function localZone(env: Readonly<Record<string, string | undefined>>): string {
  const tz = env.TZ?.replace(/^:/, '');
  if (tz && zoneOf(tz)) return tz;
  const system = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return system && zoneOf(system) ? system : 'UTC';
}

export function checkZone(name: string): string {
  if (!zoneOf(name)) {
    throw new PluginError(
      `unknown time zone ${JSON.stringify(name)}: want an IANA name such as Europe/Zagreb, America/New_York or UTC`,
    );
  }
  return name;
}

const CLI_WALL = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)$/;

/** "2026-12-01 09:00" or "2026-12-01T09:00[:SS]" → the API's form "2026-12-01T09:00[:SS]". */
export function parseCliWallTime(
  flag: string,
  value: string,
  command?: string,
): { text: string; wall: Wall } {
  const m = CLI_WALL.exec(value.trim());
  if (!m) {
    throw new UsageError(
      `${flag} ${JSON.stringify(value)} is not a local date and time: write it as "YYYY-MM-DD HH:MM", e.g. "2026-12-01 09:00"`,
      command,
    );
  }
  const wall = parseWallTime(`${m[1]}T${m[2]}`);
  if (wall === undefined) {
    throw new PluginError(`${flag} ${JSON.stringify(value)} is not a real date and time`);
  }
  return { text: apiWallTime(wall), wall };
}

/** The API's wall time: "YYYY-MM-DDTHH:MM", with seconds only when they are not zero. */
export function apiWallTime(w: Wall): string {
  const s = formatWall(w);
  return s.endsWith(':00') ? s.slice(0, 16) : s;
}

/** "2026-12-01 09:00" (seconds when not zero), how the CLI shows a wall time back. */
export function showWall(w: Wall): string {
  return apiWallTime(w).replace('T', ' ');
}

export interface ResolvedTime {
  /** As the API writes it: "2026-12-01T09:00". */
  text: string;
  instant: Date;
  /** Set when the wall time happens twice (the clocks go back): the earlier one is meant. */
  ambiguous?: boolean;
}

/**
 * The instant a wall time names in `zone`, refused when it never happens (a daylight-saving gap)
 * or is not after now.
 */
export function resolveCliTime(
  flag: string,
  value: string,
  zoneName: string,
  now: Date,
  command?: string,
): ResolvedTime {
  const zone = zoneOf(checkZone(zoneName))!;
  const { text, wall } = parseCliWallTime(flag, value, command);
  const resolved = resolveWall(zone, wall);
  if (resolved.shifted) {
    const jumpTo = wallAt(zone, resolved.instant);
    const jumpFrom = wallAt(zone, resolved.instant - 1000) + 1000;
    throw new PluginError(
      `${flag} ${showWall(wall)} does not exist in ${zoneName}: the clocks jump from ${hhmm(jumpFrom)} to ${hhmm(jumpTo)} that day (daylight saving time); pick a time outside the gap`,
    );
  }
  const instant = new Date(resolved.instant);
  if (instant.getTime() <= now.getTime()) {
    throw new PluginError(
      `${flag} ${showWall(wall)} ${zoneName} is in the past (it is now ${showWall(wallAt(zone, now.getTime()))} there)`,
    );
  }
  // An hour that happens twice (the clocks go back): the other reading, with the offset of a day later.
  const DAY = 86_400_000;
  const other = wall - (wallAt(zone, wall + DAY) - (wall + DAY));
  const ambiguous = other !== resolved.instant && wallAt(zone, other) === wall;
  return ambiguous ? { text, instant, ambiguous } : { text, instant };
}

function hhmm(w: Wall): string {
  return formatWall(w).slice(11, 16);
}

/** "2026-12-01 10:15:00 Europe/Zagreb (2026-12-01T09:15:00Z)". */
export function showInstant(t: Date | string | undefined, zoneName: string): string {
  if (t === undefined) return '-';
  const d = typeof t === 'string' ? new Date(t) : t;
  if (Number.isNaN(d.getTime())) return String(t);
  const zone = zoneOf(zoneName);
  const utc = rfc3339(d);
  if (!zone || zoneName === 'UTC' || zoneName === 'Etc/UTC') return utc;
  return `${formatWall(wallAt(zone, d.getTime())).replace('T', ' ')} ${zoneName} (${utc})`;
}

/** "in 4m 30s", "2h 5m ago": how far an instant is from now, to the second, two units at most. */
export function relative(t: Date | string | undefined, now: Date): string {
  if (t === undefined) return '';
  const d = typeof t === 'string' ? new Date(t) : t;
  const ms = d.getTime() - now.getTime();
  if (Number.isNaN(ms)) return '';
  const span = humanDuration(Math.abs(ms));
  if (span === '0s') return 'now';
  return ms > 0 ? `in ${span}` : `${span} ago`;
}

export function humanDuration(ms: number): string {
  let s = Math.round(ms / 1000);
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  for (const [unit, size] of units) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.length > 0 ? parts.join(' ') : '0s';
}
