// Cost of one reconcile's schedule work for a bot with 3 weekly windows: effectiveDesiredState
// (latest edge, activation moment, next action) plus nextEdge, each parsing the spec as the
// reconciler does (nextEdge repeats the whole evaluation). Prints ops/s.
// Run: `npx vitest bench --run bench/schedule.bench.ts`; add `--project "unit (bench)"` to skip
// the integration project's control plane. Vitest's module runner adds getter overhead to calls
// across modules; plain Node is a little faster.
import { expect, test } from 'vitest';
import type { ChatbotSpec } from '../src/api/schema.ts';
import {
  desiredStateAt,
  effectiveDesiredState,
  nextEdge,
  parseSchedule,
} from '../src/core/schedule/index.ts';

const spec: ChatbotSpec = {
  state: 'Inactive',
  schedule: {
    timeZone: 'Europe/Zagreb',
    windows: [
      { activate: '0 8 * * 1-5', deactivate: '0 12 * * 1-5' },
      { activate: '0 13 * * 1-5', deactivate: '0 18 * * 1-5' },
      { activate: '0 10 * * 6', deactivate: '0 14 * * 6' },
    ],
  },
};

// Inside a window, between windows, on Sunday, and on the night clocks go forward.
const instants = [
  '2026-12-02T09:00:00Z',
  '2026-12-02T11:30:00Z',
  '2026-12-06T12:00:00Z',
  '2026-03-29T01:30:00Z',
].map((s) => new Date(s));
let i = 0;
const nextNow = () => instants[i++ % instants.length]!;

function reconcileWork() {
  const now = nextNow();
  const state = effectiveDesiredState(spec, now);
  const next = nextEdge(spec, now);
  return state.nextEdge !== undefined && next !== undefined;
}

test('schedule: effectiveDesiredState + nextEdge, 3 weekly windows', async ({ bench }) => {
  expect(reconcileWork()).toBe(true);
  const parsed = parseSchedule(spec.schedule);
  if (!parsed.ok) throw new Error('the bench schedule must parse');
  const results = await bench.compare(
    bench('effectiveDesiredState + nextEdge', reconcileWork),
    bench('desiredStateAt (parsed once)', () => desiredStateAt(parsed.schedule, 'Inactive', nextNow())),
    bench('parseSchedule only', () => parseSchedule(spec.schedule)),
    { time: 1000 },
  );
  const names = [
    'effectiveDesiredState + nextEdge',
    'desiredStateAt (parsed once)',
    'parseSchedule only',
  ] as const;
  const lines = names.map((name) => {
    const r = results.get(name);
    return `  ${name.padEnd(34)} ${Math.round(r.throughput.mean).toLocaleString('en').padStart(9)} ops/s  (median ${(r.latency.p50 * 1000).toFixed(1)} µs)`;
  });
  process.stdout.write(`\nschedule benchmark, 3 weekly windows\n${lines.join('\n')}\n`);
});
