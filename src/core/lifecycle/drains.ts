// Grace periods: a draining revision keeps its open sessions until `until`, or less when the
// runtime reports that none are left.
import type { ChatbotStatus } from '../../api/schema.ts';

export type Drain = NonNullable<ChatbotStatus['draining']>[number];
export type Sessions = ChatbotStatus['sessions'];

export interface DrainResult {
  remaining: Drain[];
  ended: (Drain & { why: 'deadline' | 'no open sessions' })[];
}

export function endDrains(draining: readonly Drain[], now: Date, sessions: Sessions): DrainResult {
  const remaining: Drain[] = [];
  const ended: DrainResult['ended'] = [];
  for (const d of draining) {
    if (new Date(d.until) <= now) ended.push({ ...d, why: 'deadline' });
    else if (sessions?.byRevision?.[d.revision] === 0 && reportedSince(sessions.observedAt, d.since)) {
      ended.push({ ...d, why: 'no open sessions' });
    } else remaining.push(d);
  }
  return { remaining, ended };
}

/** Only a count taken after the drain began can end it early. */
function reportedSince(observedAt: string | undefined, since: string | undefined): boolean {
  if (!observedAt || !since) return false;
  return new Date(observedAt) >= new Date(since);
}
