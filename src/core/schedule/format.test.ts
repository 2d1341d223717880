import { expect, it } from 'vitest';
import { formatNext } from './format.ts';

it.each([
  ['Activate', '2026-12-01T08:00:00.000Z', 'Activate 2026-12-01T08:00:00Z'],
  ['Deactivate', '2026-12-24T17:00:00.000Z', 'Deactivate 2026-12-24T17:00:00Z'],
] as const)('formats status.schedule.next for %s', (kind, instant, want) => {
  expect(formatNext({ kind, instant: new Date(instant), source: 'activateAt', wallTime: '' })).toBe(want);
});
