// How an edge is shown in status.schedule.next (the NEXT printer column).
import { rfc3339 } from '../time.ts';
import type { Edge } from './types.ts';

/** "Activate 2026-12-01T08:00:00Z" */
export function formatNext(edge: Edge): string {
  return `${edge.kind} ${rfc3339(edge.instant)}`;
}
