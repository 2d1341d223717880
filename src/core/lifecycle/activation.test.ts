// The claim a bot makes on its sender, as decide() and the reads of other bots' claims see it.
import { describe, expect, it } from 'vitest';
import { REACTIVATE_ANNOTATION } from '../../api/names.ts';
import type { ChatbotSpec, ChatbotStatus } from '../../api/schema.ts';
import { claimantOf, isStillPreempted } from './activation.ts';
import { at, CREATED, chatbotOf, claimBy, ME, NEW_BOT, ONCE, servingStatus } from './fixtures.ts';

describe('isStillPreempted', () => {
  it.each<[string, ChatbotStatus['activation'], string, boolean]>([
    ['never preempted', { desired: 'Active', moment: CREATED }, CREATED, false],
    ['preempted, claims with the same moment', { moment: CREATED, preemptedBy: NEW_BOT }, CREATED, true],
    [
      'preempted, claims with an earlier moment',
      { moment: CREATED, preemptedBy: NEW_BOT },
      '2026-02-01T00:00:00Z',
      true,
    ],
    [
      'preempted, claims with a later moment (reactivated)',
      { moment: CREATED, preemptedBy: NEW_BOT },
      '2026-03-01T09:00:01Z',
      false,
    ],
    ['preempted, no moment recorded', { preemptedBy: NEW_BOT }, CREATED, false],
    ['no activation record', undefined, CREATED, false],
  ])('%s', (_name, activation, moment, want) => {
    expect(isStillPreempted(activation, at(moment))).toBe(want);
  });
});

describe('claimantOf: the one claim rule (its own decision and every rival’s read of it)', () => {
  const PREEMPTED = servingStatus({
    state: 'Preempted',
    activation: { desired: 'Active', moment: CREATED, preemptedBy: NEW_BOT },
  });

  it.each<{
    name: string;
    spec?: Partial<ChatbotSpec>;
    status?: ChatbotStatus;
    annotations?: Record<string, string>;
    errors?: number;
    deleting?: boolean;
    holds?: boolean;
    usable?: boolean;
    now?: string;
    want?: { moment: string };
  }>([
    { name: 'created wanting Active: its creationTimestamp', want: { moment: CREATED } },
    { name: 'with errors: none', errors: 1 },
    {
      name: 'with errors while it holds the sender with a serving revision: it keeps competing',
      errors: 1,
      holds: true,
      status: servingStatus({ activation: { desired: 'Active', moment: CREATED } }),
      want: { moment: CREATED },
    },
    { name: 'with errors, holding, but no revision ever served: none', errors: 1, holds: true },
    { name: 'its Sender not usable (missing, refused for the address): none', usable: false },
    { name: 'being deleted: none', deleting: true },
    { name: 'Inactive: none', spec: { state: 'Inactive' } },
    {
      name: 'Active by schedule: the edge’s instant',
      spec: { state: 'Inactive', schedule: ONCE },
      now: '2026-12-02T00:00:00Z',
      want: { moment: '2026-12-01T08:00:00Z' },
    },
    { name: 'still preempted: none (it does not compete)', status: PREEMPTED },
    {
      name: 'preempted, then reactivated later: competes again',
      status: PREEMPTED,
      annotations: { [REACTIVATE_ANNOTATION]: '2026-03-02T09:00:00Z' },
      want: { moment: '2026-03-02T09:00:00Z' },
    },
  ])('$name', ({ spec, status, annotations, errors, deleting, holds, usable, now, want }) => {
    const chatbot = chatbotOf({
      spec: { state: 'Active', ...spec },
      ...(status ? { status } : {}),
      ...(annotations ? { annotations } : {}),
    });
    if (deleting) chatbot.metadata.deletionTimestamp = '2026-03-02T00:00:00Z';
    const claim = claimantOf(
      { chatbot, errors: errors ?? 0, senderUsable: usable ?? true, holds: holds ?? false },
      at(now ?? '2026-03-02T10:00:00Z'),
    ).competes;
    expect(claim).toEqual(want ? claimBy(ME, want.moment, CREATED) : undefined);
  });
});
