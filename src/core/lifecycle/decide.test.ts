// decide(observed, now) as a user sees it: the validation outcome in status, and manual activation
// (state, conditions, entry points). Activation moments and schedules: decide-schedule.test.ts;
// over time (idempotence, lastTransitionTime, events): decide-over-time.test.ts; takeovers,
// drains, redeploys and revisions: decide-scenarios.test.ts.
import { describe, expect, it } from 'vitest';
import type { ChatbotSpec, ChatbotStatus, Issue, Sender } from '../../api/schema.ts';
import { STATUS_ISSUE_LIMIT } from '../validation/status.ts';
import { decide, type Plan } from './decide.ts';
import {
  at,
  BUTTON_CAPTION,
  BUTTON_MESSAGE,
  CREATED,
  chatbotOf,
  conds,
  err,
  leaseHeldBy,
  MATCHED,
  ME,
  NO_SENDER,
  observed,
  PHRASES,
  run,
  senderOf,
  servingStatus,
  UNKNOWN_GOTO,
  warn,
} from './fixtures.ts';

/** `count` issues at spec.x[0..count), every third one an error. */
const mixedIssues = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    i % 3 === 0 ? err(`spec.x[${i}]`, `error ${i}`) : warn(`spec.x[${i}]`, `warning ${i}`),
  );
const errors = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => err(`spec.x[${from + i}]`, `error ${from + i}`));
const warnings = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => warn(`spec.x[${from + i}]`, `warning ${from + i}`));
const errorsFirst = (issues: Issue[]) => [
  ...issues.filter((i) => i.severity === 'Error'),
  ...issues.filter((i) => i.severity !== 'Error'),
];

// ---------------------------------------------------------------- validation

describe('validation outcome in status', () => {
  it.each<{
    name: string;
    state: 'Active' | 'Inactive';
    issues: Issue[];
    want: {
      state: string;
      ready: [string, string];
      stalled: [string, string];
      validated: [string, string, string];
      summary: string;
    };
  }>([
    {
      name: 'one error blocks activation',
      state: 'Active',
      issues: [BUTTON_MESSAGE],
      want: {
        state: 'Invalid',
        ready: ['False', 'ValidationFailed'],
        stalled: ['True', 'ValidationFailed'],
        validated: [
          'False',
          'ValidationFailed',
          '1 error; first: spec.definition.dialogs[0].elements[1].buttons.message: Button message is empty',
        ],
        summary: '1/0',
      },
    },
    {
      name: 'errors and warnings: message names the first errors, not warnings',
      state: 'Inactive',
      issues: [PHRASES, BUTTON_MESSAGE, BUTTON_CAPTION],
      want: {
        state: 'Invalid',
        ready: ['False', 'ValidationFailed'],
        stalled: ['True', 'ValidationFailed'],
        validated: [
          'False',
          'ValidationFailed',
          '2 errors; first: spec.definition.dialogs[0].elements[1].buttons.message: Button message is empty; ' +
            'spec.definition.dialogs[0].elements[1].buttons.items[1].caption: Button caption is empty',
        ],
        summary: '2/1',
      },
    },
    {
      name: 'many errors: the message names the first three',
      state: 'Active',
      issues: [BUTTON_MESSAGE, BUTTON_CAPTION, NO_SENDER, UNKNOWN_GOTO, MATCHED],
      want: {
        state: 'Invalid',
        ready: ['False', 'ValidationFailed'],
        stalled: ['True', 'ValidationFailed'],
        validated: [
          'False',
          'ValidationFailed',
          '4 errors; first: spec.definition.dialogs[0].elements[1].buttons.message: Button message is empty; ' +
            'spec.definition.dialogs[0].elements[1].buttons.items[1].caption: Button caption is empty; ' +
            'spec.senderRef: Channel or sender is not defined',
        ],
        summary: '4/1',
      },
    },
    {
      name: 'warnings only never block',
      state: 'Active',
      issues: [PHRASES, MATCHED],
      want: {
        state: 'Active',
        ready: ['True', 'Active'],
        stalled: ['False', 'Reconciled'],
        validated: ['True', 'Valid', '2 warnings; no errors'],
        summary: '0/2',
      },
    },
    {
      name: 'one warning, Inactive bot',
      state: 'Inactive',
      issues: [PHRASES],
      want: {
        state: 'Inactive',
        ready: ['True', 'Inactive'],
        stalled: ['False', 'Reconciled'],
        validated: ['True', 'Valid', '1 warning; no errors'],
        summary: '0/1',
      },
    },
    {
      name: 'no issues',
      state: 'Active',
      issues: [],
      want: {
        state: 'Active',
        ready: ['True', 'Active'],
        stalled: ['False', 'Reconciled'],
        validated: ['True', 'Valid', 'No issues'],
        summary: '0/0',
      },
    },
  ])('$name', ({ state, issues, want }) => {
    const plan = decide(
      observed({ chatbot: chatbotOf({ spec: { state } }), issues }),
      at('2026-03-02T12:00:00Z'),
    );
    const s = plan.status;
    expect(s.state).toBe(want.state);
    expect(s.observedGeneration).toBe(1);
    const c = conds(s);
    expect([c.Ready?.status, c.Ready?.reason]).toEqual(want.ready);
    expect([c.Stalled?.status, c.Stalled?.reason]).toEqual(want.stalled);
    expect([c.Validated?.status, c.Validated?.reason, c.Validated?.message]).toEqual(want.validated);
    expect(c.Reconciling).toEqual({ status: 'False', reason: 'Reconciled', message: 'Status is up to date' });
    const errors = issues.filter((i) => i.severity === 'Error').length;
    expect(s.validation).toEqual({ errors, warnings: issues.length - errors, summary: want.summary, issues });
    if (errors > 0) {
      // The user is told what to fix in Ready and Stalled too.
      expect(c.Ready?.message).toBe(want.validated[2]);
      expect(c.Stalled?.message).toBe(`Fix the manifest: ${want.validated[2]}`);
      // Blocked: not serving, no public entry point.
      expect(s.entryPoints).toBeUndefined();
      expect(c.SenderBound).toEqual({
        status: 'False',
        reason: 'NotActive',
        message: 'The chatbot is Invalid',
      });
      // No claim (no Lease operation); the moment is recorded all the same (decide-schedule.test.ts).
      expect(plan.lease).toBeUndefined();
      expect(plan.reason).toBe('ValidationFailed');
    }
  });

  it('an invalid edit to an Active bot leaves the last valid revision serving', () => {
    const plans = run({}, [
      { now: '2026-03-01T09:00:05Z' },
      { now: '2026-03-01T12:00:00Z', spec: { state: 'Active' } },
      { now: '2026-03-02T10:00:00Z', spec: { startKeyword: 'Hello' }, issues: [BUTTON_CAPTION] },
    ]);
    const [before, after] = plans.slice(1) as [Plan, Plan];
    const s = after.status;
    const message =
      '1 error; first: spec.definition.dialogs[0].elements[1].buttons.items[1].caption: Button caption is empty';
    expect(s.state).toBe('Active');
    expect(s.revision).toBe(before.status.revision);
    expect(s.entryPoints).toEqual({
      whatsapp: { link: 'https://wa.me/385911234567?text=Hello', shareable: true },
    });
    expect(conds(s)).toMatchObject({
      Ready: { status: 'False', reason: 'ValidationFailed', message },
      Stalled: { status: 'True', reason: 'ValidationFailed', message: `Fix the manifest: ${message}` },
      Validated: { status: 'False', reason: 'ValidationFailed', message },
      SenderBound: { status: 'True', reason: 'Bound' },
    });
    expect(s.validation).toMatchObject({ errors: 1, warnings: 0, summary: '1/0' });
    expect(s.activation).toEqual(before.status.activation);
    expect(after.events).toEqual([
      {
        type: 'Warning',
        reason: 'ValidationFailed',
        action: 'Validate',
        note: `${message} (revision ${before.status.revision} keeps serving)`,
      },
    ]);
  });

  it.each<[string, Issue[], Issue[], number | undefined]>([
    // name, issues (in the validator's path order), issues listed, omitted
    ['99 issues: all listed as given', mixedIssues(99), mixedIssues(99), undefined],
    [
      'exactly 100 issues: all listed as given, nothing omitted',
      mixedIssues(STATUS_ISSUE_LIMIT),
      mixedIssues(100),
      undefined,
    ],
    [
      '101 issues: 100 listed, errors first, 1 omitted',
      mixedIssues(101),
      errorsFirst(mixedIssues(101)).slice(0, 100),
      1,
    ],
    [
      '250 issues: 100 listed, errors first, 150 omitted',
      mixedIssues(250),
      errorsFirst(mixedIssues(250)).slice(0, 100),
      150,
    ],
    [
      '120 issues, 20 errors after 100 warnings: the 20 errors, then 80 warnings; 20 omitted',
      [...warnings(100), ...errors(20, 100)],
      [...errors(20, 100), ...warnings(80)],
      20,
    ],
  ])('%s', (_name, issues, listed, omitted) => {
    const count = issues.length;
    const errorCount = issues.filter((i) => i.severity === 'Error').length;
    const v = decide(observed({ issues }), at('2026-03-02T12:00:00Z')).status.validation!;
    expect(v.issues).toEqual(listed);
    expect(v.omitted).toBe(omitted);
    if (omitted === undefined) expect(v).not.toHaveProperty('omitted');
    // The counts cover every issue, not only the listed ones.
    expect([v.errors, v.warnings, v.summary]).toEqual([
      errorCount,
      count - errorCount,
      `${errorCount}/${count - errorCount}`,
    ]);
  });
});

// ---------------------------------------------------------------- manual activation

describe('manual activation', () => {
  it.each<{
    name: string;
    spec: Partial<ChatbotSpec>;
    sender: Sender | null;
    want: {
      state: string;
      senderBound: [string, string, string];
      entryPoints: ChatbotStatus['entryPoints'];
      ready: string;
    };
  }>([
    {
      name: 'Active with a valid manifest: serving, shareable wa.me link with the start keyword',
      spec: { state: 'Active' },
      sender: senderOf(),
      want: {
        state: 'Active',
        senderBound: ['True', 'Bound', 'Sender acme-whatsapp'],
        entryPoints: { whatsapp: { link: 'https://wa.me/385911234567?text=Hi', shareable: true } },
        ready: 'Active and serving',
      },
    },
    {
      name: 'Active on a test sender: the link is not shareable',
      spec: { state: 'Active', startKeyword: 'Start order' },
      sender: senderOf({ test: true, verifiedNumber: '+385981112222' }),
      want: {
        state: 'Active',
        senderBound: ['True', 'Bound', 'Sender acme-whatsapp'],
        entryPoints: {
          whatsapp: { link: 'https://wa.me/385911234567?text=Start%20order', shareable: false },
        },
        ready: 'Active and serving',
      },
    },
    {
      name: 'Active without a start keyword: link without text',
      spec: { state: 'Active', startKeyword: undefined },
      sender: senderOf({ address: '+385 91 123 4567' }),
      want: {
        state: 'Active',
        senderBound: ['True', 'Bound', 'Sender acme-whatsapp'],
        entryPoints: { whatsapp: { link: 'https://wa.me/385911234567', shareable: true } },
        ready: 'Active and serving',
      },
    },
    {
      name: 'Active on Telegram',
      spec: { state: 'Active', channel: 'Telegram' },
      sender: senderOf({ channel: 'Telegram', address: '@acme_bot' }),
      want: {
        state: 'Active',
        senderBound: ['True', 'Bound', 'Sender acme-whatsapp'],
        entryPoints: { telegram: { link: 'https://t.me/acme_bot', shareable: true } },
        ready: 'Active and serving',
      },
    },
    {
      name: 'Inactive: not bound, no entry points',
      spec: { state: 'Inactive' },
      sender: senderOf(),
      want: {
        state: 'Inactive',
        senderBound: ['False', 'NotActive', 'The chatbot is Inactive'],
        entryPoints: undefined,
        ready: 'Inactive',
      },
    },
    {
      name: 'state omitted: Inactive (the default)',
      spec: { state: undefined },
      sender: senderOf(),
      want: {
        state: 'Inactive',
        senderBound: ['False', 'NotActive', 'The chatbot is Inactive'],
        entryPoints: undefined,
        ready: 'Inactive',
      },
    },
    {
      name: 'Inactive with a missing Sender',
      spec: { state: 'Inactive' },
      sender: null,
      want: {
        state: 'Inactive',
        senderBound: ['False', 'SenderUnavailable', 'The Sender is missing or its channel differs'],
        entryPoints: undefined,
        ready: 'Inactive',
      },
    },
    {
      name: 'Inactive with a Sender on another channel',
      spec: { state: 'Inactive' },
      sender: senderOf({ channel: 'SMS' }),
      want: {
        state: 'Inactive',
        senderBound: ['False', 'SenderUnavailable', 'The Sender is missing or its channel differs'],
        entryPoints: undefined,
        ready: 'Inactive',
      },
    },
  ])('$name', ({ spec, sender, want }) => {
    const plan = decide(observed({ chatbot: chatbotOf({ spec }), sender }), at('2026-03-02T12:00:00Z'));
    const s = plan.status;
    expect(s.state).toBe(want.state);
    const c = conds(s);
    expect([c.SenderBound?.status, c.SenderBound?.reason]).toEqual(want.senderBound.slice(0, 2));
    expect(c.SenderBound?.message).toContain(want.senderBound[2]);
    expect(c.Ready).toEqual({ status: 'True', reason: want.state, message: want.ready });
    expect(s.entryPoints).toEqual(want.entryPoints);
    expect(s.activation?.desired).toBe(want.state === 'Active' ? 'Active' : 'Inactive');
    expect(c.Scheduled).toEqual({
      status: 'False',
      reason: 'NothingScheduled',
      message: 'No future schedule edge',
    });
    expect(s.schedule).toBeUndefined();
    expect(plan.nextWakeAt).toBeUndefined();
    expect(plan.reason).toBe(want.state === 'Active' ? 'ManualActivation' : 'Inactive');
  });
});

// ---------------------------------------------------------------- who owns the address

describe('a Sender refused for its address (another namespace owns it)', () => {
  const REFUSED = { accepted: false as const, owner: 'bank', ownerSender: 'bank/main' };
  const NOW = at('2026-03-02T10:00:00Z');

  it('an Active bot on it does not claim: Inactive, not ready, stalled with the owner named', () => {
    const plan = decide(
      observed({ chatbot: chatbotOf({ spec: { state: 'Active' } }), acceptance: REFUSED }),
      NOW,
    );
    expect(plan.lease).toBeUndefined();
    expect(plan.status.state).toBe('Inactive');
    const c = conds(plan.status);
    expect(c.Ready).toMatchObject({ status: 'False', reason: 'SenderNotAccepted' });
    expect(c.Stalled).toMatchObject({ status: 'True', reason: 'AddressOwnedElsewhere' });
    expect(c.SenderBound).toMatchObject({ status: 'False', reason: 'SenderNotAccepted' });
    expect(c.Stalled?.message).toMatch(
      /belongs to namespace bank, which declared it first; .*spec\.sharedWith/,
    );
  });

  it('an Inactive bot on it is ready (nothing wanted), but SenderBound says why it could not claim', () => {
    const plan = decide(observed({ acceptance: REFUSED }), NOW);
    const c = conds(plan.status);
    expect(c.Ready).toMatchObject({ status: 'True', reason: 'Inactive' });
    expect(c.Stalled).toMatchObject({ status: 'False' });
    expect(c.SenderBound).toMatchObject({ status: 'False', reason: 'SenderNotAccepted' });
  });

  it('a holder whose Sender became refused gives the Lease up', () => {
    const chatbot = chatbotOf({ spec: { state: 'Active' }, status: servingStatus() });
    const plan = decide(observed({ chatbot, acceptance: REFUSED, lease: leaseHeldBy(ME, CREATED) }), NOW);
    expect(plan.lease).toEqual({ op: 'release' });
    expect(plan.status.state).not.toBe('Active');
  });

  it('granted by the owner: it claims as any accepted Sender does', () => {
    const plan = decide(
      observed({
        chatbot: chatbotOf({ spec: { state: 'Active' } }),
        acceptance: { accepted: true, owner: 'bank', grantedBy: 'bank/main' },
      }),
      NOW,
    );
    expect(plan.lease?.op).toBe('acquire');
    expect(plan.status.state).toBe('Active');
  });
});
