// kstatusOf (src/core/gitops/kstatus.ts) follows cli-utils' kstatus Compute() for a custom
// resource: one row per rule and per order between rules, with the messages and the standard
// conditions kstatus returns.
import { describe, expect, it } from 'vitest';
import { type KStatusResult, kstatusOf } from '../../src/core/gitops/kstatus.ts';

const cond = (type: string, status: string, reason = 'Why', message = `${type} is ${status}`) => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: '2026-03-01T09:00:00Z',
});

function obj(o: { generation?: number; observed?: number; conditions?: unknown[]; deletion?: string } = {}) {
  return {
    apiVersion: 'chatbots.dev/v1alpha1',
    kind: 'Chatbot',
    metadata: {
      name: 'support-bot',
      namespace: 'acme',
      ...(o.generation !== undefined ? { generation: o.generation } : {}),
      ...(o.deletion !== undefined ? { deletionTimestamp: o.deletion } : {}),
    },
    spec: {},
    status: {
      ...(o.observed !== undefined ? { observedGeneration: o.observed } : {}),
      ...(o.conditions ? { conditions: o.conditions } : {}),
    },
  };
}

const current = (message: string): KStatusResult => ({ status: 'Current', message, conditions: [] });
const inProgress = (reason: string, message: string): KStatusResult => ({
  status: 'InProgress',
  message,
  conditions: [{ type: 'Reconciling', status: 'True', reason, message }],
});
const failed = (reason: string, message: string): KStatusResult => ({
  status: 'Failed',
  message,
  conditions: [{ type: 'Stalled', status: 'True', reason, message }],
});

describe('kstatusOf: the kstatus rules for a custom resource', () => {
  it.each<{ name: string; input: unknown; want: KStatusResult }>([
    {
      name: 'no status at all: Current (nothing tells it apart from a resource without conditions)',
      input: { kind: 'Chatbot', metadata: { name: 'x', generation: 1 }, spec: {} },
      want: current('Resource is current'),
    },
    {
      name: 'observedGeneration equal, no conditions: Current',
      input: obj({ generation: 3, observed: 3 }),
      want: current('Resource is current'),
    },
    {
      name: 'observedGeneration behind: InProgress, whatever the conditions say',
      input: obj({
        generation: 3,
        observed: 2,
        conditions: [cond('Ready', 'True'), cond('Stalled', 'True')],
      }),
      want: inProgress(
        'LatestGenerationNotObserved',
        'Chatbot generation is 3, but latest observed generation is 2',
      ),
    },
    {
      name: 'observedGeneration ahead (not equal): InProgress too',
      input: obj({ generation: 2, observed: 3 }),
      want: inProgress(
        'LatestGenerationNotObserved',
        'Chatbot generation is 2, but latest observed generation is 3',
      ),
    },
    {
      name: 'no observedGeneration: the generation check is skipped',
      input: obj({ generation: 5, conditions: [cond('Ready', 'True')] }),
      want: current('Resource is Ready'),
    },
    {
      name: 'no metadata.generation: the generation check is skipped',
      input: obj({ observed: 5, conditions: [cond('Ready', 'True')] }),
      want: current('Resource is Ready'),
    },
    {
      name: 'Reconciling=True: InProgress with its reason and message',
      input: obj({
        generation: 1,
        observed: 1,
        conditions: [
          cond('Ready', 'False', 'Draining'),
          cond('Reconciling', 'True', 'Draining', 'r1 until T'),
        ],
      }),
      want: inProgress('Draining', 'r1 until T'),
    },
    {
      name: 'Stalled=True: Failed with its reason and message',
      input: obj({
        generation: 1,
        observed: 1,
        conditions: [
          cond('Ready', 'False'),
          cond('Reconciling', 'False'),
          cond('Stalled', 'True', 'Bad', 'Fix it'),
        ],
      }),
      want: failed('Bad', 'Fix it'),
    },
    {
      name: 'Reconciling and Stalled both True: the first in list order wins (Reconciling here)',
      input: obj({
        conditions: [
          cond('Reconciling', 'True', 'Draining', 'draining'),
          cond('Stalled', 'True', 'Bad', 'Fix it'),
        ],
      }),
      want: inProgress('Draining', 'draining'),
    },
    {
      name: 'Reconciling and Stalled both True: the first in list order wins (Stalled here)',
      input: obj({
        conditions: [
          cond('Stalled', 'True', 'Bad', 'Fix it'),
          cond('Reconciling', 'True', 'Draining', 'draining'),
        ],
      }),
      want: failed('Bad', 'Fix it'),
    },
    {
      name: 'Ready=True with Reconciling and Stalled False: Current',
      input: obj({
        generation: 2,
        observed: 2,
        conditions: [cond('Ready', 'True'), cond('Reconciling', 'False'), cond('Stalled', 'False')],
      }),
      want: current('Resource is Ready'),
    },
    {
      name: 'Ready=False and nothing abnormal: InProgress (kstatus cannot tell progress from a dead end)',
      input: obj({
        generation: 1,
        observed: 1,
        conditions: [cond('Ready', 'False', 'Preempted', 'held by b'), cond('Stalled', 'False')],
      }),
      want: inProgress('Preempted', 'held by b'),
    },
    {
      name: 'Ready=Unknown: InProgress',
      input: obj({ conditions: [cond('Ready', 'Unknown', 'Waiting', 'wait')] }),
      want: inProgress('Waiting', 'wait'),
    },
    {
      name: 'a Ready status that is not True/False/Unknown is ignored',
      input: obj({ conditions: [cond('Ready', 'Maybe')] }),
      want: current('Resource is current'),
    },
    {
      name: 'other conditions only (Validated=False): Current',
      input: obj({ conditions: [cond('Validated', 'False'), cond('SenderBound', 'False')] }),
      want: current('Resource is current'),
    },
    {
      name: 'deletionTimestamp: Terminating before anything else',
      input: obj({
        deletion: '2026-03-01T09:00:00Z',
        generation: 2,
        observed: 1,
        conditions: [cond('Stalled', 'True')],
      }),
      want: { status: 'Terminating', message: 'Resource scheduled for deletion', conditions: [] },
    },
    {
      name: 'an empty deletionTimestamp does not count',
      input: obj({ deletion: '', conditions: [cond('Ready', 'True')] }),
      want: current('Resource is Ready'),
    },
    {
      name: 'an object that does not exist: NotFound',
      input: undefined,
      want: { status: 'NotFound', message: 'Resource not found', conditions: [] },
    },
  ])('$name', ({ input, want }) => {
    expect(kstatusOf(input)).toEqual(want);
  });

  it.each([
    { name: 'a generation that is not an integer', input: { metadata: { generation: 1.5 } } },
    {
      name: 'an observedGeneration that is a string',
      input: { metadata: { generation: 1 }, status: { observedGeneration: '1' } },
    },
    {
      name: 'an observedGeneration that is null',
      input: { metadata: { generation: 1 }, status: { observedGeneration: null } },
    },
    { name: 'conditions that are not a list', input: { status: { conditions: { Ready: 'True' } } } },
    {
      name: 'a condition status that is not a string',
      input: { status: { conditions: [{ type: 'Ready', status: true }] } },
    },
    { name: 'a status that is a string', input: { status: 'Active' } },
    { name: 'a deletionTimestamp that is not a string', input: { metadata: { deletionTimestamp: 5 } } },
    { name: 'metadata that is a list', input: { metadata: [] } },
  ])('what Compute() cannot read is Unknown: $name', ({ input }) => {
    const r = kstatusOf(input);
    expect(r.status).toBe('Unknown');
    expect(r.message).not.toBe('');
  });

  it('reads the object, never changes it', () => {
    const input = obj({ generation: 2, observed: 1, conditions: [cond('Ready', 'True')] });
    const before = structuredClone(input);
    kstatusOf(input);
    expect(input).toEqual(before);
  });
});
