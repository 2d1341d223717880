// The schedule core: pure, no I/O, no clock reads (`now` is always a parameter).
export {
  type Desired,
  type DesiredState,
  desiredStateAt,
  effectiveDesiredState,
  nextEdge,
} from './desired-state.ts';
export { edgesBetween, firstEdgeAfter, latestEdge } from './edges.ts';
export { formatNext } from './format.ts';
export { parseSchedule } from './parse.ts';
export type {
  Edge,
  EdgeKind,
  EdgeSource,
  ParsedSchedule,
  ParseResult,
  ScheduleError,
  ScheduleErrorCode,
} from './types.ts';
