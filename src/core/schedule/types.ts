// The vocabulary of the schedule core: edges, parse errors, the parsed schedule.
import type { IANAZone } from 'luxon';
import type { Cron } from './cron.ts';
import type { Wall } from './wall-time.ts';

export type EdgeKind = 'Activate' | 'Deactivate';
export type EdgeSource = 'activateAt' | 'deactivateAt' | `windows[${number}]`;

/** One scheduled change of the desired state. */
export interface Edge {
  kind: EdgeKind;
  instant: Date;
  source: EdgeSource;
  /** The wall time it was scheduled for, "YYYY-MM-DDTHH:MM:SS" in the schedule's timeZone. */
  wallTime: string;
}

export type ScheduleErrorCode = 'InvalidSchedule' | 'InvalidTimeZone' | 'InvalidWallTime' | 'InvalidCron';

/** A schedule the core cannot evaluate: data for the validator and status, never an exception. */
export interface ScheduleError {
  code: ScheduleErrorCode;
  /** Path into the manifest, e.g. spec.schedule.windows[1].activate. */
  path: string;
  message: string;
  hint: string;
}

/** Where edges come from: one per activateAt, deactivateAt and each window's two crons. */
export type EdgeStream =
  | { kind: EdgeKind; source: EdgeSource; rank: number; once: { instant: number; wall: Wall } }
  | { kind: EdgeKind; source: EdgeSource; rank: number; cron: Cron; zone: IANAZone };

/** A validated schedule, ready to be evaluated at any instant. Build it with parseSchedule(). */
export interface ParsedSchedule {
  timeZone?: string;
  streams: readonly EdgeStream[];
}

export type ParseResult = { ok: true; schedule: ParsedSchedule } | { ok: false; errors: ScheduleError[] };
