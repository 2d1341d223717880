// spec.schedule -> ParsedSchedule, or every problem found as data (never throws).
import { parseCron } from './cron.ts';
import type { EdgeKind, EdgeStream, ParseResult, ScheduleError } from './types.ts';
import { parseWallTime, resolveWall, zoneOf } from './wall-time.ts';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses spec.schedule. Accepts any value (a manifest may be malformed); undefined or null means
 * no schedule. `path` prefixes error paths.
 */
export function parseSchedule(schedule: unknown, path = 'spec.schedule'): ParseResult {
  if (schedule === undefined || schedule === null) return { ok: true, schedule: { streams: [] } };
  const errors: ScheduleError[] = [];
  if (!isObject(schedule)) {
    errors.push({
      code: 'InvalidSchedule',
      path,
      message: 'schedule must be an object',
      hint: 'Use timeZone, activateAt, deactivateAt and windows.',
    });
    return { ok: false, errors };
  }

  const tz = schedule['timeZone'];
  const zone = typeof tz === 'string' ? zoneOf(tz) : undefined;
  if (!zone) {
    errors.push({
      code: 'InvalidTimeZone',
      path: `${path}.timeZone`,
      message:
        tz === undefined
          ? 'timeZone is required when a schedule is set'
          : `${JSON.stringify(tz)} is not an IANA time zone`,
      hint: 'Use an IANA time zone name such as Europe/Zagreb or America/New_York.',
    });
  }

  const streams: EdgeStream[] = [];
  const oneOff = (field: 'activateAt' | 'deactivateAt', kind: EdgeKind, rank: number) => {
    const value = schedule[field];
    if (value === undefined) return;
    const wall = typeof value === 'string' ? parseWallTime(value) : undefined;
    if (wall === undefined) {
      errors.push({
        code: 'InvalidWallTime',
        path: `${path}.${field}`,
        message: `${JSON.stringify(value)} is not a local wall time YYYY-MM-DDTHH:MM[:SS] on a real date`,
        hint: 'Write the local time in timeZone, e.g. 2026-12-01T09:00.',
      });
    } else if (zone) {
      streams.push({ kind, source: field, rank, once: { instant: resolveWall(zone, wall).instant, wall } });
    }
  };
  oneOff('activateAt', 'Activate', 0);
  oneOff('deactivateAt', 'Deactivate', 1);

  const windows = schedule['windows'];
  if (windows !== undefined && !Array.isArray(windows)) {
    errors.push({
      code: 'InvalidSchedule',
      path: `${path}.windows`,
      message: 'windows must be a list',
      hint: 'Use a list of {activate, deactivate} cron pairs.',
    });
  }
  (Array.isArray(windows) ? (windows as unknown[]) : []).forEach((w, i) => {
    const source = `windows[${i}]` as const;
    for (const [field, kind, offset] of [
      ['activate', 'Activate', 0],
      ['deactivate', 'Deactivate', 1],
    ] as const) {
      const expr = isObject(w) ? w[field] : undefined;
      const cron = typeof expr === 'string' ? parseCron(expr) : { error: 'a cron expression is required' };
      if ('error' in cron) {
        errors.push({
          code: 'InvalidCron',
          path: `${path}.${source}.${field}`,
          message: `${JSON.stringify(expr ?? null)}: ${cron.error}`,
          hint: 'Use a 5-field cron in timeZone, e.g. "0 8 * * 1-5" (08:00 Monday to Friday).',
        });
      } else if (zone) {
        streams.push({ kind, source, rank: 2 + 2 * i + offset, cron, zone });
      }
    }
  });

  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, schedule: { timeZone: tz as string, streams } };
}
