// What the runtime reports in Chatbot.status.sessions, and when a report is due: pure
// functions of the session counts and the bot's status. The operator ends a drain early when
// the draining revision's count is 0 in a report observed after the drain began.
import type { Chatbot, ChatbotStatus } from '../../api/schema.ts';
import { parseTime, rfc3339 } from '../time.ts';

export type SessionsStatus = NonNullable<ChatbotStatus['sessions']>;

/** The report for one bot: every revision with open sessions, and every draining one (0 if none). */
export function sessionsStatus(
  bot: Chatbot,
  byRevision: ReadonlyMap<string, number>,
  now: Date,
): SessionsStatus {
  const counts: Record<string, number> = {};
  for (const [rev, n] of byRevision) if (n > 0) counts[rev] = n;
  for (const d of bot.status?.draining ?? []) counts[d.revision] ??= 0;
  const serving = bot.status?.state === 'Active' ? bot.status.revision : undefined;
  let open = 0;
  let draining = 0;
  for (const [rev, n] of Object.entries(counts)) {
    open += n;
    if (rev !== serving) draining += n;
  }
  // An empty map is left out: server-side apply would send it as null, which the schema refuses.
  return {
    open,
    draining,
    ...(Object.keys(counts).length > 0 ? { byRevision: counts } : {}),
    observedAt: rfc3339(now),
  };
}

/**
 * Whether `next` must be written: the counts changed, or a draining revision shows 0 but the
 * last report was observed before its drain began (the operator needs a newer one to end it).
 */
export function reportDue(bot: Chatbot, next: SessionsStatus): boolean {
  const last = bot.status?.sessions;
  if (!last) return next.open > 0 || (bot.status?.draining?.length ?? 0) > 0;
  if (last.open !== next.open || last.draining !== next.draining) return true;
  const a = last.byRevision ?? {};
  const b = next.byRevision ?? {};
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (a[k] !== b[k]) return true;
  const observed = parseTime(last.observedAt)?.getTime() ?? 0;
  return (bot.status?.draining ?? []).some(
    (d) => b[d.revision] === 0 && (parseTime(d.since)?.getTime() ?? Number.POSITIVE_INFINITY) > observed,
  );
}
