// Edges of a parsed schedule: the latest at or before an instant, the next after it, and all of
// them in a range, each exactly once.
import { fireAfter, fireAtOrBefore } from './cron.ts';
import type { Edge, EdgeStream, ParsedSchedule } from './types.ts';
import { formatWall, type Wall } from './wall-time.ts';

/** An edge before it is turned into the public shape. */
export interface Hit {
  instant: number;
  wall: Wall;
  stream: EdgeStream;
}

/**
 * The order edges are applied in; the last one applied decides the state.
 * 1. instant;
 * 2. scheduled wall time: only a DST gap puts two wall times on one instant, and then the one
 *    written later wins (activateAt 02:30 + deactivateAt 02:45 in a gap: Inactive);
 * 3. Deactivate before Activate, so Activate wins a tie: back-to-back windows (one ends at
 *    12:00, the next starts at 12:00) stay Active instead of switching off;
 * 4. source order (activateAt, deactivateAt, windows[0], ...), so the order is total.
 */
export function compareHits(a: Hit, b: Hit): number {
  return (
    a.instant - b.instant || a.wall - b.wall || kindRank(a) - kindRank(b) || a.stream.rank - b.stream.rank
  );
}
const kindRank = (h: Hit) => (h.stream.kind === 'Deactivate' ? 0 : 1);

/** The stream's first edge strictly after instant t. */
export function hitAfter(stream: EdgeStream, t: number): Hit | undefined {
  if ('once' in stream) return stream.once.instant > t ? { ...stream.once, stream } : undefined;
  const f = fireAfter(stream.cron, stream.zone, t);
  return f && { ...f, stream };
}

/** The stream's last edge at or before instant t. */
export function hitAtOrBefore(stream: EdgeStream, t: number): Hit | undefined {
  if ('once' in stream) return stream.once.instant <= t ? { ...stream.once, stream } : undefined;
  const f = fireAtOrBefore(stream.cron, stream.zone, t);
  return f && { ...f, stream };
}

export function maxHit(hits: readonly (Hit | undefined)[]): Hit | undefined {
  let best: Hit | undefined;
  for (const h of hits) if (h && (!best || compareHits(h, best) > 0)) best = h;
  return best;
}

export function minHit(hits: readonly (Hit | undefined)[]): Hit | undefined {
  let best: Hit | undefined;
  for (const h of hits) if (h && (!best || compareHits(h, best) < 0)) best = h;
  return best;
}

/** The edge the state follows at the first edge instant strictly after t (the last applied there). */
export function nextHit(schedule: ParsedSchedule, t: number): Hit | undefined {
  const hits = schedule.streams.map((s) => hitAfter(s, t));
  const first = minHit(hits);
  return first && maxHit(hits.filter((h) => h?.instant === first.instant));
}

export function toEdge(h: Hit): Edge {
  return {
    kind: h.stream.kind,
    instant: new Date(h.instant),
    source: h.stream.source,
    wallTime: formatWall(h.wall),
  };
}

/** The latest edge at or before `at`, in application order: the one that decides the state. */
export function latestEdge(schedule: ParsedSchedule, at: Date): Edge | undefined {
  const t = at.getTime();
  if (Number.isNaN(t)) return undefined;
  const h = maxHit(schedule.streams.map((s) => hitAtOrBefore(s, t)));
  return h && toEdge(h);
}

/**
 * The first edge strictly after `after`, whether or not it changes the state (for the next
 * action use nextEdge or DesiredState.nextEdge). When several edges share that instant, it is
 * the one applied last (the state follows it), see compareHits.
 */
export function firstEdgeAfter(schedule: ParsedSchedule, after: Date): Edge | undefined {
  const t = after.getTime();
  if (Number.isNaN(t)) return undefined;
  const h = nextHit(schedule, t);
  return h && toEdge(h);
}

/**
 * Every edge in (from, to], in application order, each exactly once: consecutive ranges
 * (a, b] and (b, c] together give exactly the edges of (a, c]. After downtime, call it with
 * (lastSeen, now] to emit one event per missed edge. With `limit`, stops after that many edges
 * but never inside a group sharing one instant, so the next page is (last.instant, to].
 */
export function edgesBetween(schedule: ParsedSchedule, from: Date, to: Date, limit = Infinity): Edge[] {
  const lo = from.getTime();
  const hi = to.getTime();
  if (!(lo < hi)) return [];
  const cursors = schedule.streams.map((s) => hitAfter(s, lo));
  const out: Edge[] = [];
  for (;;) {
    const h = minHit(cursors.filter((c) => c !== undefined && c.instant <= hi));
    if (!h) return out;
    if (out.length >= limit && h.instant !== out[out.length - 1]!.instant.getTime()) return out;
    out.push(toEdge(h));
    const i = cursors.indexOf(h);
    cursors[i] = hitAfter(h.stream, h.instant);
  }
}
