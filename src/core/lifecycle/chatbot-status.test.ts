// Steps: the activation record and the schedule block of a Chatbot's status.
import { describe, expect, it } from 'vitest';
import { REACTIVATE_ANNOTATION } from '../../api/names.ts';
import type { ChatbotSpec, ChatbotState, ChatbotStatus } from '../../api/schema.ts';
import { type Activation, activationRecord, scheduleStatus } from './chatbot-status.ts';
import { CREATED, chatbotOf, contextFor, NEW_BOT, ONCE, servingStatus, WEEKDAYS } from './fixtures.ts';
import type { Transitions } from './transitions.ts';

const NOW = '2026-03-02T10:00:00Z';
const SERVED = '2026-03-01T09:00:05Z';

describe('activationRecord', () => {
  it.each<{
    name: string;
    spec?: Partial<ChatbotSpec>;
    status?: ChatbotStatus;
    annotations?: Record<string, string>;
    state: ChatbotState;
    holding?: boolean;
    preemptedBy?: string;
    transitions?: Transitions;
    want: Activation;
  }>([
    {
      name: 'a new bot becomes Active: moment and activatedAt',
      state: 'Active',
      holding: true,
      want: { desired: 'Active', moment: CREATED, activatedAt: NOW },
    },
    {
      name: 'stays Active: activatedAt kept',
      status: servingStatus(),
      state: 'Active',
      holding: true,
      want: { desired: 'Active', moment: CREATED, activatedAt: SERVED },
    },
    {
      name: 'a flip to Active observed now: requestedAt recorded',
      status: { state: 'Inactive', activation: { desired: 'Inactive' } },
      state: 'Active',
      holding: true,
      want: { desired: 'Active', moment: NOW, requestedAt: NOW, activatedAt: NOW },
    },
    {
      name: 'reactivated: the annotation’s moment',
      status: servingStatus(),
      annotations: { [REACTIVATE_ANNOTATION]: '2026-03-02T09:30:00Z' },
      state: 'Active',
      holding: true,
      want: { desired: 'Active', moment: '2026-03-02T09:30:00Z', activatedAt: SERVED },
    },
    {
      name: 'deactivated: deactivatedAt from the transition, no moment',
      spec: { state: 'Inactive' },
      status: servingStatus(),
      state: 'Inactive',
      transitions: { deactivated: { at: '2026-03-02T09:59:00Z' } },
      want: { desired: 'Inactive', activatedAt: SERVED, deactivatedAt: '2026-03-02T09:59:00Z' },
    },
    {
      name: 'taken over: preemptedBy, and it stopped being Active now',
      status: servingStatus(),
      state: 'Draining',
      preemptedBy: NEW_BOT,
      want: {
        desired: 'Active',
        moment: CREATED,
        preemptedBy: NEW_BOT,
        activatedAt: SERVED,
        deactivatedAt: NOW,
      },
    },
    {
      name: 'preemptedBy is not recorded while it holds the sender',
      status: servingStatus(),
      state: 'Active',
      holding: true,
      preemptedBy: NEW_BOT,
      want: { desired: 'Active', moment: CREATED, activatedAt: SERVED },
    },
    {
      name: 'a later stop keeps the first deactivatedAt',
      status: servingStatus({
        state: 'Draining',
        activation: { desired: 'Inactive', deactivatedAt: SERVED },
      }),
      spec: { state: 'Inactive' },
      state: 'Inactive',
      want: { desired: 'Inactive', deactivatedAt: SERVED },
    },
  ])('$name', ({ spec, status, annotations, state, holding, preemptedBy, transitions, want }) => {
    const chatbot = chatbotOf({
      spec: { state: 'Active', ...spec },
      ...(status ? { status } : {}),
      ...(annotations ? { annotations } : {}),
    });
    const ctx = contextFor({ chatbot }, NOW);
    const facts = { state, holding: holding ?? false, preemptedBy, transitions: transitions ?? {} };
    expect(activationRecord(ctx, facts)).toEqual(want);
  });
});

describe('scheduleStatus', () => {
  it.each<[string, Partial<ChatbotSpec>, string, ChatbotStatus['schedule']]>([
    ['no schedule', {}, NOW, undefined],
    [
      'before activateAt',
      { schedule: ONCE },
      '2026-11-30T12:00:00Z',
      { nextAction: 'Activate', nextAt: '2026-12-01T08:00:00Z', next: 'Activate 2026-12-01T08:00:00Z' },
    ],
    [
      'inside a weekday window',
      { schedule: WEEKDAYS },
      '2026-12-07T07:30:00Z',
      { nextAction: 'Deactivate', nextAt: '2026-12-07T17:00:00Z', next: 'Deactivate 2026-12-07T17:00:00Z' },
    ],
    ['after the last edge', { schedule: ONCE }, '2026-12-24T17:00:00Z', undefined],
  ])('%s', (_name, spec, now, want) => {
    expect(scheduleStatus(contextFor({ chatbot: chatbotOf({ spec }) }, now))).toEqual(want);
  });
});
