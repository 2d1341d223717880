// Conditions per the Kubernetes API conventions: lastTransitionTime changes only when the
// status flips; reason and message may change freely.
import type { Condition } from '../api/schema.ts';
import { rfc3339 } from './time.ts';

export type ConditionStatus = Condition['status'];

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

export function findCondition(list: readonly Condition[] | undefined, type: string): Condition | undefined {
  return list?.find((c) => c.type === type);
}

/** The desired conditions, merged over the previous ones (order follows `desired`; others are dropped). */
export function mergeConditions(
  previous: readonly Condition[] | undefined,
  desired: readonly ConditionInput[],
  generation: number | undefined,
  now: Date,
): Condition[] {
  return desired.map((d) => {
    const prev = findCondition(previous, d.type);
    const lastTransitionTime = prev && prev.status === d.status ? prev.lastTransitionTime : rfc3339(now);
    return {
      type: d.type,
      status: d.status,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime,
      reason: d.reason,
      message: d.message,
    };
  });
}
