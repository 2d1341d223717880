// Step: the events of one decision, and their order.
import { describe, expect, it } from 'vitest';
import type { ChatbotSpec, ChatbotState, ChatbotStatus, Issue } from '../../api/schema.ts';
import type { DrainPlan } from './drains.ts';
import { activatedEvent, plannedEvents, scheduledEvent, validationEvent } from './events.ts';
import {
  BUTTON_MESSAGE,
  CREATED,
  chatbotOf,
  contextFor,
  leaseHeldBy,
  ME,
  ONCE,
  PHRASES,
  REV,
  REV_2,
  servingStatus,
} from './fixtures.ts';
import type { PlannedEvent } from './plan.ts';

const NOW = '2026-03-02T10:00:00Z';
const NO_DRAINS: DrainPlan = { draining: [], started: [], ended: [] };

function ctxFor(o: {
  spec?: Partial<ChatbotSpec>;
  status?: ChatbotStatus;
  issues?: Issue[];
  generation?: number;
}) {
  const chatbot = chatbotOf({
    spec: { state: 'Active', ...o.spec },
    ...(o.status ? { status: o.status } : {}),
    ...(o.generation ? { generation: o.generation } : {}),
  });
  return contextFor({ chatbot, lease: leaseHeldBy(ME, CREATED), issues: o.issues ?? [] }, NOW);
}

describe('validationEvent', () => {
  it.each<{
    name: string;
    status?: ChatbotStatus;
    issues?: Issue[];
    generation?: number;
    state: ChatbotState;
    want?: PlannedEvent;
  }>([
    {
      name: 'a new generation, valid',
      status: servingStatus(),
      issues: [PHRASES],
      generation: 2,
      state: 'Active',
      want: {
        type: 'Normal',
        reason: 'Validated',
        action: 'Validate',
        note: 'Generation 2: 1 warning; no errors',
      },
    },
    {
      name: 'a new generation, invalid, the last valid revision keeps serving',
      status: servingStatus(),
      issues: [BUTTON_MESSAGE],
      generation: 2,
      state: 'Active',
      want: {
        type: 'Warning',
        reason: 'ValidationFailed',
        action: 'Validate',
        note: `1 error; first: ${BUTTON_MESSAGE.path}: ${BUTTON_MESSAGE.message} (revision ${REV} keeps serving)`,
      },
    },
    {
      name: 'the same generation and result: nothing',
      status: servingStatus(),
      state: 'Active',
    },
    {
      name: 'the same generation, errors changed (the Sender appeared): validated again',
      status: servingStatus({ state: 'Invalid', validation: { errors: 1, warnings: 0 } }),
      state: 'Active',
      want: { type: 'Normal', reason: 'Validated', action: 'Validate', note: 'Generation 1: No issues' },
    },
    { name: 'a new valid bot that activates at once: folded into Activated', state: 'Active' },
    {
      name: 'a new valid bot that does not activate: Validated',
      state: 'Preempted',
      want: { type: 'Normal', reason: 'Validated', action: 'Validate', note: 'Generation 1: No issues' },
    },
  ])('$name', ({ status, issues, generation, state, want }) => {
    const ctx = ctxFor({
      ...(status ? { status } : {}),
      ...(issues ? { issues } : {}),
      ...(generation ? { generation } : {}),
    });
    expect(validationEvent(ctx, state)).toEqual(want);
  });
});

describe('activatedEvent', () => {
  it.each<[string, Partial<ChatbotSpec>, ChatbotStatus | undefined, string | undefined]>([
    [
      'a new bot: by hand, with its moment and the validation result',
      {},
      undefined,
      'Activated by hand (activation moment 2026-03-01T09:00:00Z); generation 1: No issues',
    ],
    [
      'by schedule',
      { state: 'Inactive', schedule: ONCE },
      { state: 'Scheduled', observedGeneration: 1 },
      'Activated by schedule (activation moment 2026-12-01T08:00:00Z)',
    ],
    ['already Active: nothing', {}, servingStatus(), undefined],
  ])('%s', (_name, spec, status, note) => {
    const chatbot = chatbotOf({ spec: { state: 'Active', ...spec }, ...(status ? { status } : {}) });
    const now = spec.schedule ? '2026-12-01T08:00:04Z' : NOW;
    const ctx = contextFor({ chatbot }, now);
    const event = activatedEvent(ctx, 'Active');
    expect(event).toEqual(
      note ? { type: 'Normal', reason: 'Activated', action: 'Activate', note } : undefined,
    );
  });
});

describe('scheduledEvent', () => {
  it.each<[string, ChatbotStatus['schedule'], boolean]>([
    ['a new next edge', undefined, true],
    ['the same next edge: nothing', { nextAction: 'Activate', nextAt: '2026-12-01T08:00:00Z' }, false],
    ['the edge moved', { nextAction: 'Activate', nextAt: '2026-12-02T08:00:00Z' }, true],
  ])('%s', (_name, schedule, emitted) => {
    const chatbot = chatbotOf({ spec: { schedule: ONCE }, status: { ...(schedule ? { schedule } : {}) } });
    const event = scheduledEvent(contextFor({ chatbot }, '2026-11-30T12:00:00Z'));
    expect(event).toEqual(
      emitted
        ? { type: 'Normal', reason: 'Scheduled', action: 'Schedule', note: 'Activate 2026-12-01T08:00:00Z' }
        : undefined,
    );
  });
});

describe('plannedEvents', () => {
  it('orders them as they happened: validation, takeover, drains started then ended, the rest', () => {
    const ctx = ctxFor({ status: servingStatus(), generation: 2 });
    const drain = { revision: REV, until: '2026-03-02T10:10:00Z', reason: 'TakenOver' as const };
    const takeover: PlannedEvent = { type: 'Warning', reason: 'TakenOver', action: 'Takeover', note: 'x' };
    const events = plannedEvents(ctx, {
      state: 'Draining',
      reason: 'TakenOver',
      displacement: { takenOver: true, event: takeover, drain },
      transitions: {},
      drains: {
        draining: [drain],
        started: [drain],
        ended: [{ revision: REV_2, until: NOW, reason: 'Redeploy', why: 'deadline' }],
      },
    });
    expect(events.map((e) => e.reason)).toEqual(['Validated', 'TakenOver', 'DrainStarted', 'DrainEnded']);
  });

  it('deactivated and redeployed come after activation, the schedule last', () => {
    const ctx = ctxFor({ spec: { schedule: ONCE }, status: servingStatus() });
    const events = plannedEvents(ctx, {
      state: 'Active',
      reason: 'Redeployed',
      displacement: { takenOver: false },
      transitions: { redeployed: { from: REV, to: REV_2 } },
      drains: NO_DRAINS,
    });
    expect(events.map((e) => e.reason)).toEqual(['Redeployed', 'Scheduled']);
  });
});
