// Semantic checks of spec.schedule that the schema cannot express: the time zone is an IANA zone,
// activateAt/deactivateAt are real local times, and window edges are 5-field cron expressions.
// (timeZone required, deactivateAt after activateAt etc. are the CEL rules, run by checkSchema.)
import { CronExpressionParser } from 'cron-parser';
import { DateTime, IANAZone } from 'luxon';
import { issue } from './codes.ts';
import * as read from './read.ts';
import type { Issue } from './types.ts';

// Bound once: called in loops, and under vitest's module runner every call through an
// imported binding goes through an export getter (it made the benchmark ~25% slower).
const { appendIndex, arrayAt, isRecord, quote, stringAt } = read;
type JsonObject = read.JsonObject;

const WALL_TIME = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?$/;
const HASHED = /(^|[,/-])H(\(|$|[,/-])/i;
const CRON_FIELDS = ['minute', 'hour', 'day of month', 'month', 'day of week'];

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** Why a "YYYY-MM-DDTHH:MM[:SS]" string is not a real time, or undefined when it is one. */
export function wallTimeProblem(s: string): string | undefined {
  const m = WALL_TIME.exec(s);
  if (!m) return undefined; // the schema pattern reports the format
  const [year, month, day, hour, minute, second] = m
    .slice(1)
    .map((v) => (v === undefined ? 0 : Number(v))) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) return `month ${month} does not exist`;
  const days = DateTime.utc(year, month).daysInMonth ?? 31;
  if (day < 1 || day > days) return `day ${day} does not exist in ${year}-${String(month).padStart(2, '0')}`;
  if (hour > 23) return `hour ${hour} does not exist (00 to 23)`;
  if (minute > 59) return `minute ${minute} does not exist (00 to 59)`;
  if (second > 59) return `second ${second} does not exist (00 to 59)`;
  return undefined;
}

/** Why a cron expression is not a valid 5-field one, or undefined when it is. */
export function cronProblem(expr: string): string | undefined {
  const fields = expr
    .trim()
    .split(/\s+/)
    .filter((f) => f);
  if (fields.length !== CRON_FIELDS.length) {
    return `a cron expression has 5 fields (${CRON_FIELDS.join(', ')}), this one has ${fields.length}`;
  }
  // cron-parser's H (hashed) values depend on a seed: replicas could disagree on the instants.
  if (fields.some((f) => HASHED.test(f))) return 'hashed values (H) are not supported';
  try {
    CronExpressionParser.parse(fields.join(' '), { currentDate: new Date(0), tz: 'UTC' });
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export function checkSchedule(spec: JsonObject): Issue[] {
  const schedule = spec.schedule;
  if (!isRecord(schedule)) return [];
  const issues: Issue[] = [];
  const zone = stringAt(schedule.timeZone);
  const zoneValid = zone !== undefined && zone.length > 0 && isValidTimeZone(zone);
  if (zone !== undefined && zone.length > 0 && !zoneValid) {
    issues.push(
      issue(
        'InvalidTimeZone',
        'spec.schedule.timeZone',
        `${quote(zone)} is not an IANA time zone`,
        'Use an IANA time zone name such as Europe/Zagreb, America/New_York or UTC.',
      ),
    );
  }

  for (const field of ['activateAt', 'deactivateAt'] as const) {
    const value = stringAt(schedule[field]);
    if (value === undefined) continue;
    const path = `spec.schedule.${field}`;
    const problem = wallTimeProblem(value);
    if (problem) {
      issues.push(
        issue(
          'InvalidWallTime',
          path,
          `${quote(value)} is not a real date and time: ${problem}`,
          'Write a date and time that exists, as YYYY-MM-DDTHH:MM in the schedule’s time zone.',
        ),
      );
      continue;
    }
    const m = WALL_TIME.exec(value);
    if (!m || !zoneValid) continue;
    const [hour, minute] = [Number(m[4]), Number(m[5])];
    const local = DateTime.fromObject(
      { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour, minute, second: Number(m[6] ?? 0) },
      { zone },
    );
    if (local.isValid && (local.hour !== hour || local.minute !== minute)) {
      issues.push(
        issue(
          'WallTimeInDstGap',
          path,
          `${quote(value)} does not exist in ${zone} (the clocks skip it for daylight saving time); it happens at ${local.toFormat("yyyy-MM-dd'T'HH:mm")}`,
          'Pick a time outside the daylight-saving gap to say exactly when it happens.',
        ),
      );
    }
  }

  arrayAt(schedule.windows).forEach((window, i) => {
    if (!isRecord(window)) return;
    for (const edge of ['activate', 'deactivate'] as const) {
      const expr = stringAt(window[edge]);
      if (expr === undefined) continue;
      const problem = cronProblem(expr);
      if (problem) {
        issues.push(
          issue(
            'InvalidCron',
            `${appendIndex('spec.schedule.windows', i)}.${edge}`,
            `${quote(expr)} is not a valid cron expression: ${problem}`,
            'Write 5 fields: minute hour day-of-month month day-of-week, e.g. "0 8 * * 1-5".',
          ),
        );
      }
    }
  });
  return issues;
}
