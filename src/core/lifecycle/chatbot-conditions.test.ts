// Step: the conditions of a Chatbot (type, status, reason, message), one table per condition.
import { describe, expect, it } from 'vitest';
import type { ChatbotSpec, ChatbotState, Issue } from '../../api/schema.ts';
import type { ConditionInput } from '../conditions.ts';
import {
  chatbotConditions,
  readyCondition,
  reconcilingCondition,
  scheduledCondition,
  senderBoundCondition,
  stalledCondition,
  validatedCondition,
} from './chatbot-conditions.ts';
import { chatbotOf, contextFor, NEW_BOT, NO_SENDER, ONCE, PHRASES, REV, senderOf } from './fixtures.ts';

const NOW = '2026-03-02T10:00:00Z';
const ctxWith = (o: { spec?: Partial<ChatbotSpec>; issues?: Issue[]; now?: string; usable?: boolean } = {}) =>
  contextFor(
    {
      chatbot: chatbotOf({ spec: o.spec ?? {} }),
      issues: o.issues ?? [],
      ...(o.usable === false ? { sender: senderOf({ channel: 'SMS' }) } : {}),
    },
    o.now ?? NOW,
  );
const c = (type: string, status: 'True' | 'False', reason: string, message: string): ConditionInput => ({
  type,
  status,
  reason,
  message,
});
const INVALID_MESSAGE = '1 error; first: spec.senderRef: Channel or sender is not defined';

describe('Ready', () => {
  it.each<[string, ChatbotState, Issue[], string | undefined, Partial<ChatbotSpec>, string, ConditionInput]>([
    ['Active', 'Active', [], undefined, {}, NOW, c('Ready', 'True', 'Active', 'Active and serving')],
    ['Inactive', 'Inactive', [PHRASES], undefined, {}, NOW, c('Ready', 'True', 'Inactive', 'Inactive')],
    [
      'Scheduled',
      'Scheduled',
      [],
      undefined,
      { schedule: ONCE },
      '2026-11-30T12:00:00Z',
      c('Ready', 'True', 'Scheduled', 'Inactive until 2026-12-01T08:00:00Z'),
    ],
    [
      'Draining',
      'Draining',
      [],
      NEW_BOT,
      {},
      NOW,
      c('Ready', 'False', 'Draining', 'Open sessions are draining'),
    ],
    [
      'Preempted: how to claim the sender again',
      'Preempted',
      [],
      NEW_BOT,
      {},
      NOW,
      c(
        'Ready',
        'False',
        'Preempted',
        `Sender held by ${NEW_BOT}; set the annotation chatbots.dev/reactivate to claim it again`,
      ),
    ],
    [
      'invalid, even while the last valid revision serves',
      'Active',
      [NO_SENDER],
      undefined,
      {},
      NOW,
      c('Ready', 'False', 'ValidationFailed', INVALID_MESSAGE),
    ],
  ])('%s', (_name, state, issues, preemptedBy, spec, now, want) => {
    expect(readyCondition(ctxWith({ spec, issues, now }), { state, preemptedBy })).toEqual(want);
  });
});

describe('Reconciling, Stalled, Validated', () => {
  it.each<[string, ConditionInput, ConditionInput]>([
    [
      'Reconciling while draining: each revision and its deadline',
      reconcilingCondition({
        state: 'Draining',
        draining: [
          { revision: REV, until: '2026-03-02T10:10:00Z', reason: 'TakenOver' },
          { revision: 'support-bot-1', until: '2026-03-02T10:05:00Z', reason: 'Redeploy' },
        ],
      }),
      c(
        'Reconciling',
        'True',
        'Draining',
        `${REV} until 2026-03-02T10:10:00Z (TakenOver); support-bot-1 until 2026-03-02T10:05:00Z (Redeploy)`,
      ),
    ],
    [
      'Reconciling otherwise (a redeploy drain of an Active bot too)',
      reconcilingCondition({
        state: 'Active',
        draining: [{ revision: REV, until: '2026-03-02T10:10:00Z', reason: 'Redeploy' }],
      }),
      c('Reconciling', 'False', 'Reconciled', 'Status is up to date'),
    ],
    ['Stalled, valid', stalledCondition(ctxWith()), c('Stalled', 'False', 'Reconciled', 'Not stalled')],
    [
      'Stalled, invalid: what to fix',
      stalledCondition(ctxWith({ issues: [NO_SENDER] })),
      c('Stalled', 'True', 'ValidationFailed', `Fix the manifest: ${INVALID_MESSAGE}`),
    ],
    [
      'Validated, warnings only',
      validatedCondition(ctxWith({ issues: [PHRASES] })),
      c('Validated', 'True', 'Valid', '1 warning; no errors'),
    ],
    [
      'Validated, invalid',
      validatedCondition(ctxWith({ issues: [NO_SENDER] })),
      c('Validated', 'False', 'ValidationFailed', INVALID_MESSAGE),
    ],
  ])('%s', (_name, got, want) => {
    expect(got).toEqual(want);
  });
});

describe('SenderBound', () => {
  it.each<[string, { holding: boolean; preemptedBy?: string; usable?: boolean }, ConditionInput]>([
    ['holds it', { holding: true }, c('SenderBound', 'True', 'Bound', 'Holds Sender acme-whatsapp')],
    [
      'the Sender is on another channel',
      { holding: false, usable: false },
      c('SenderBound', 'False', 'SenderUnavailable', 'The Sender is missing or its channel differs'),
    ],
    [
      'held by another',
      { holding: false, preemptedBy: NEW_BOT },
      c('SenderBound', 'False', 'HeldByOther', `Sender held by ${NEW_BOT}`),
    ],
    ['not wanted now', { holding: false }, c('SenderBound', 'False', 'NotActive', 'The chatbot is Inactive')],
  ])('%s', (_name, { holding, preemptedBy, usable }, want) => {
    const ctx = ctxWith(usable === false ? { usable } : {});
    expect(senderBoundCondition(ctx, { state: 'Inactive', holding, preemptedBy })).toEqual(want);
  });
});

describe('Scheduled', () => {
  it.each<[string, Partial<ChatbotSpec>, string, ConditionInput]>([
    [
      'an activation is coming',
      { schedule: ONCE },
      '2026-11-30T12:00:00Z',
      c('Scheduled', 'True', 'NextActivate', 'Activate 2026-12-01T08:00:00Z'),
    ],
    [
      'a deactivation is coming',
      { schedule: ONCE },
      '2026-12-02T12:00:00Z',
      c('Scheduled', 'True', 'NextDeactivate', 'Deactivate 2026-12-24T17:00:00Z'),
    ],
    ['nothing is coming', {}, NOW, c('Scheduled', 'False', 'NothingScheduled', 'No future schedule edge')],
  ])('%s', (_name, spec, now, want) => {
    expect(scheduledCondition(ctxWith({ spec, now }))).toEqual(want);
  });
});

it('lists the conditions in a stable order', () => {
  const facts = { state: 'Inactive' as const, holding: false, preemptedBy: undefined, draining: [] };
  expect(chatbotConditions(ctxWith(), facts).map((x) => x.type)).toEqual([
    'Ready',
    'Reconciling',
    'Stalled',
    'Validated',
    'SenderBound',
    'Scheduled',
  ]);
});
