import { describe, expect, it } from 'vitest';
import type { Condition } from '../api/schema.ts';
import { type ConditionInput, findCondition, mergeConditions } from './conditions.ts';
import { rfc3339 } from './time.ts';

const EARLIER = '2026-03-01T09:00:00Z';
const NOW = new Date('2026-03-02T10:30:15.789Z');
const NOW_S = '2026-03-02T10:30:15Z';

const prev = (type: string, status: Condition['status'], over: Partial<Condition> = {}): Condition => ({
  type,
  status,
  observedGeneration: 1,
  lastTransitionTime: EARLIER,
  reason: 'Before',
  message: 'before',
  ...over,
});
const want = (
  type: string,
  status: Condition['status'],
  reason = 'After',
  message = 'after',
): ConditionInput => ({
  type,
  status,
  reason,
  message,
});

describe('rfc3339', () => {
  it.each([
    ['2026-03-02T10:30:15.789Z', '2026-03-02T10:30:15Z'],
    ['2026-03-02T10:30:15.000Z', '2026-03-02T10:30:15Z'],
    ['2028-02-29T23:59:59.999Z', '2028-02-29T23:59:59Z'],
    ['2026-03-29T01:00:00+02:00', '2026-03-28T23:00:00Z'],
  ])('%s -> %s (second precision, UTC, as metav1.Time)', (input, output) => {
    expect(rfc3339(new Date(input))).toBe(output);
  });
});

describe('mergeConditions', () => {
  it.each<{
    name: string;
    previous: Condition[] | undefined;
    desired: ConditionInput;
    lastTransitionTime: string;
  }>([
    {
      name: 'new condition (no previous list)',
      previous: undefined,
      desired: want('Ready', 'True'),
      lastTransitionTime: NOW_S,
    },
    {
      name: 'new condition (empty list)',
      previous: [],
      desired: want('Ready', 'True'),
      lastTransitionTime: NOW_S,
    },
    {
      name: 'new condition (others present)',
      previous: [prev('Validated', 'True')],
      desired: want('Ready', 'True'),
      lastTransitionTime: NOW_S,
    },
    {
      name: 'same status: kept',
      previous: [prev('Ready', 'True')],
      desired: want('Ready', 'True'),
      lastTransitionTime: EARLIER,
    },
    {
      name: 'same status, new reason and message: kept',
      previous: [prev('Ready', 'True', { reason: 'Inactive', message: 'Inactive' })],
      desired: want('Ready', 'True', 'Active', 'Active and serving'),
      lastTransitionTime: EARLIER,
    },
    {
      name: 'False -> True: updated',
      previous: [prev('Ready', 'False')],
      desired: want('Ready', 'True'),
      lastTransitionTime: NOW_S,
    },
    {
      name: 'True -> False: updated',
      previous: [prev('Ready', 'True')],
      desired: want('Ready', 'False'),
      lastTransitionTime: NOW_S,
    },
    {
      name: 'Unknown -> True: updated',
      previous: [prev('Ready', 'Unknown')],
      desired: want('Ready', 'True'),
      lastTransitionTime: NOW_S,
    },
    {
      name: 'True -> Unknown: updated',
      previous: [prev('Ready', 'True')],
      desired: want('Ready', 'Unknown'),
      lastTransitionTime: NOW_S,
    },
  ])('lastTransitionTime: $name', ({ previous, desired, lastTransitionTime }) => {
    const [c] = mergeConditions(previous, [desired], 2, NOW);
    expect(c).toEqual({
      type: desired.type,
      status: desired.status,
      observedGeneration: 2,
      lastTransitionTime,
      reason: desired.reason,
      message: desired.message,
    });
  });

  it('takes reason, message and observedGeneration from the desired input even when kept', () => {
    const [c] = mergeConditions(
      [prev('Validated', 'False', { observedGeneration: 3, reason: 'ValidationFailed', message: 'old' })],
      [want('Validated', 'False', 'ValidationFailed', '2 errors; first: spec.channel: missing')],
      4,
      NOW,
    );
    expect(c).toEqual({
      type: 'Validated',
      status: 'False',
      observedGeneration: 4,
      lastTransitionTime: EARLIER,
      reason: 'ValidationFailed',
      message: '2 errors; first: spec.channel: missing',
    });
  });

  it('omits observedGeneration when the object has no generation', () => {
    const [c] = mergeConditions(undefined, [want('Ready', 'True')], undefined, NOW);
    expect(c).not.toHaveProperty('observedGeneration');
    expect(c).toEqual({
      type: 'Ready',
      status: 'True',
      lastTransitionTime: NOW_S,
      reason: 'After',
      message: 'after',
    });
  });

  it('follows the order of the desired list and drops conditions not desired', () => {
    const merged = mergeConditions(
      [prev('Stale', 'True'), prev('Validated', 'True'), prev('Ready', 'False')],
      [want('Ready', 'True'), want('Reconciling', 'False'), want('Validated', 'True')],
      5,
      NOW,
    );
    expect(merged.map((c) => [c.type, c.status, c.lastTransitionTime])).toEqual([
      ['Ready', 'True', NOW_S],
      ['Reconciling', 'False', NOW_S],
      ['Validated', 'True', EARLIER],
    ]);
  });

  it('does not mutate the previous list', () => {
    const previous = [prev('Ready', 'True')];
    const copy = structuredClone(previous);
    mergeConditions(previous, [want('Ready', 'False')], 9, NOW);
    expect(previous).toEqual(copy);
  });

  it('is idempotent: merging the same desired list over its own output changes nothing', () => {
    const desired = [want('Ready', 'True'), want('Stalled', 'False'), want('Validated', 'False')];
    const first = mergeConditions([prev('Ready', 'False')], desired, 2, NOW);
    const again = mergeConditions(first, desired, 2, new Date('2026-03-05T00:00:00Z'));
    expect(again).toEqual(first);
  });
});

describe('findCondition', () => {
  const list = [prev('Ready', 'True'), prev('Validated', 'False')];
  it.each([
    ['Ready', 'True'],
    ['Validated', 'False'],
    ['Stalled', undefined],
  ])('%s -> %s', (type, status) => {
    expect(findCondition(list, type)?.status).toBe(status);
  });
  it('returns undefined for a missing list', () => {
    expect(findCondition(undefined, 'Ready')).toBeUndefined();
  });
});
