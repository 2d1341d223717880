// decide(observed, now) as a user sees it: status (state, conditions, validation, schedule,
// activation, entryPoints) and events. Fixed dates only; the clock is the `now` argument.
import { describe, expect, it } from 'vitest';
import { REACTIVATE_ANNOTATION } from '../../api/names.ts';
import {
  API_VERSION,
  type Chatbot,
  type ChatbotSpec,
  type ChatbotStatus,
  type Issue,
  type ObjectMeta,
  type Sender,
  type SenderSpec,
} from '../../api/schema.ts';
import { decide, MAX_STATUS_ISSUES, type Observed, type Plan } from './decide.ts';

// ---------------------------------------------------------------- fixtures

const CREATED = '2026-03-01T09:00:00Z';
const ME = 'acme/support-bot';
const LEASE_NAME = 'sender-whatsapp-385911234567';

type ClaimsView = NonNullable<Observed['claims']>;
type LeaseView = NonNullable<ClaimsView['lease']>;
type RevisionInfo = NonNullable<Observed['revisions']>[number];

function senderOf(spec: Partial<SenderSpec> = {}): Sender {
  return {
    apiVersion: API_VERSION,
    kind: 'Sender',
    metadata: { name: 'acme-whatsapp', namespace: 'acme', generation: 1 },
    spec: { channel: 'WhatsApp', address: '+385911234567', ...spec },
  };
}

interface BotInput {
  spec?: Partial<ChatbotSpec>;
  generation?: number;
  creationTimestamp?: string | Date;
  annotations?: Record<string, string>;
  status?: ChatbotStatus;
}

function chatbotOf(input: BotInput = {}): Chatbot {
  const metadata: ObjectMeta = {
    name: 'support-bot',
    namespace: 'acme',
    uid: '0b7e6c1e-1111-4222-8333-444455556666',
    generation: input.generation ?? 1,
    creationTimestamp: input.creationTimestamp ?? CREATED,
  };
  if (input.annotations) metadata.annotations = input.annotations;
  const bot: Chatbot = {
    apiVersion: API_VERSION,
    kind: 'Chatbot',
    metadata,
    spec: {
      channel: 'WhatsApp',
      senderRef: { name: 'acme-whatsapp' },
      state: 'Inactive',
      startKeyword: 'Hi',
      definition: { startDialog: 'welcome', dialogs: [{ name: 'welcome', elements: [{ text: 'Hello!' }] }] },
      ...input.spec,
    },
  };
  if (input.status) bot.status = input.status;
  return bot;
}

/**
 * The one place Observed is built, the way the operator shell builds it: when Observed grows
 * fields, only this function changes. `sender: null` means the Sender does not exist. Claims are
 * present when the Sender is usable (no rival bots unless given), or when this bot still holds a
 * Lease.
 */
function observed(
  o: {
    chatbot?: Chatbot;
    sender?: Sender | null;
    issues?: Issue[];
    lease?: LeaseView;
    others?: Omit<ClaimsView, 'lease' | 'rivals'> & { rivals?: ClaimsView['rivals'] };
    revisions?: RevisionInfo[];
  } = {},
): Observed {
  const chatbot = o.chatbot ?? chatbotOf();
  const sender = o.sender === null ? undefined : (o.sender ?? senderOf());
  const usable = sender !== undefined && sender.spec.channel === chatbot.spec.channel;
  const lease = o.lease ?? { name: LEASE_NAME, transitions: 0 };
  const claims: ClaimsView | undefined =
    usable || lease.holder === ME ? { rivals: [], ...o.others, lease } : undefined;
  return {
    chatbot,
    sender,
    issues: o.issues ?? [],
    ...(claims ? { claims } : {}),
    revisions: o.revisions ?? [],
  };
}

const at = (iso: string) => new Date(iso);

/** The world as the operator shell leaves it after applying plans: the object, its Lease, its revisions. */
interface World {
  bot: Chatbot;
  sender: Sender | null;
  lease: LeaseView;
  revisions: RevisionInfo[];
  /** Other chatbots that want the same sender (the holder's claim and takeover, rivals). */
  others?: Omit<ClaimsView, 'lease' | 'rivals'> & { rivals?: ClaimsView['rivals'] };
}

function newWorld(input: BotInput = {}): World {
  return {
    bot: chatbotOf(input),
    sender: senderOf(),
    lease: { name: LEASE_NAME, transitions: 0 },
    revisions: [],
  };
}

/** Reconcile once: observe the world, decide, apply the plan (Lease, revisions, status). */
function reconcile(world: World, now: Date, issues: Issue[]): Plan {
  const plan = decide(
    observed({
      chatbot: world.bot,
      sender: world.sender,
      issues,
      lease: world.lease,
      revisions: world.revisions,
      ...(world.others ? { others: world.others } : {}),
    }),
    now,
  );
  const op = plan.lease;
  if (op?.op === 'acquire') {
    const changed = world.lease.holder !== ME;
    world.lease = {
      name: world.lease.name,
      holder: ME,
      claim: op.claim,
      acquireTime: changed ? now : (world.lease.acquireTime ?? now),
      transitions: world.lease.transitions + (changed && world.lease.holder ? 1 : 0),
    };
  } else if (op?.op === 'release') {
    world.lease = { name: world.lease.name, transitions: world.lease.transitions };
  }
  if (plan.createRevision) {
    world.revisions = [
      ...world.revisions,
      { name: plan.createRevision, revision: world.revisions.length + 1 },
    ];
  }
  world.revisions = world.revisions.filter((r) => !plan.pruneRevisions.includes(r.name));
  world.bot = { ...world.bot, status: structuredClone(plan.status) };
  return plan;
}

interface Step {
  now: string;
  /** A spec change: merged over the current spec, and the generation goes up as the API server does. */
  spec?: Partial<ChatbotSpec>;
  /** Annotations replace the current ones; they do not bump the generation. */
  annotations?: Record<string, string>;
  issues?: Issue[];
  sender?: Sender | null;
}

/** Reconcile a bot over time: each step sees what the previous ones wrote. */
function run(initial: BotInput, steps: Step[]): Plan[] {
  const world = newWorld(initial);
  return steps.map((step) => {
    if (step.spec) {
      world.bot = {
        ...world.bot,
        metadata: { ...world.bot.metadata, generation: (world.bot.metadata.generation ?? 0) + 1 },
        spec: { ...world.bot.spec, ...step.spec },
      };
    }
    if (step.annotations)
      world.bot = { ...world.bot, metadata: { ...world.bot.metadata, annotations: step.annotations } };
    if (step.sender !== undefined) world.sender = step.sender;
    return reconcile(world, at(step.now), step.issues ?? []);
  });
}

const last = <T>(xs: T[]): T => xs[xs.length - 1]!;

function issue(severity: Issue['severity'], path: string, message: string, code = 'SomeCode'): Issue {
  return { severity, code, path, message, hint: 'Fix it.' };
}
const err = (path: string, message: string, code?: string) => issue('Error', path, message, code);
const warn = (path: string, message: string, code?: string) => issue('Warning', path, message, code);

const BUTTON_MESSAGE = err(
  'spec.definition.dialogs[0].elements[1].buttons.message',
  'Button message is empty',
  'ButtonMessageEmpty',
);
const BUTTON_CAPTION = err(
  'spec.definition.dialogs[0].elements[1].buttons.items[1].caption',
  'Button caption is empty',
  'ButtonCaptionEmpty',
);
const NO_SENDER = err('spec.senderRef', 'Channel or sender is not defined', 'ChannelSenderUndefined');
const UNKNOWN_GOTO = err('spec.definition.dialogs[2].elements[0].goTo', 'Dialog "ordrs" does not exist');
const PHRASES = warn(
  'spec.definition.intents[1].trainingPhrases',
  'Number of training phrases is higher or lower than others',
  'TrainingPhrasesUnbalanced',
);
const MATCHED = warn(
  'spec.definition.intents[0].trainingPhrases[3]',
  'Incorrect intent is matched: refund',
  'IncorrectIntentMatched',
);

/** Conditions by type, without the bookkeeping fields. */
function conds(status: ChatbotStatus): Record<string, { status: string; reason: string; message: string }> {
  return Object.fromEntries(
    (status.conditions ?? []).map((c) => [
      c.type,
      { status: c.status, reason: c.reason, message: c.message },
    ]),
  );
}
const cond = (status: ChatbotStatus, type: string) => status.conditions?.find((c) => c.type === type);
const reasons = (plan: Plan) => plan.events.map((e) => e.reason);

// Europe/Zagreb is UTC+1 in December: 09:00 local = 08:00Z, 18:00 local = 17:00Z.
const ONCE = {
  timeZone: 'Europe/Zagreb',
  activateAt: '2026-12-01T09:00',
  deactivateAt: '2026-12-24T18:00',
} as const;
const WEEKDAYS = {
  timeZone: 'Europe/Zagreb',
  windows: [{ activate: '0 8 * * 1-5', deactivate: '0 18 * * 1-5' }],
};
// 2026-12-05 is a Saturday, 2026-12-07 a Monday.

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
      expect(s.activation?.moment).toBeUndefined();
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

  it.each<[string, number, number, number | undefined]>([
    // name, issue count, issues kept, omitted
    ['99 issues: all kept', 99, 99, undefined],
    ['exactly 100 issues: all kept, nothing omitted', MAX_STATUS_ISSUES, 100, undefined],
    ['101 issues: 100 kept, 1 omitted', 101, 100, 1],
    ['250 issues: 100 kept, 150 omitted', 250, 100, 150],
  ])('%s', (_name, count, kept, omitted) => {
    // Every third issue is an error.
    const issues = Array.from({ length: count }, (_, i) =>
      i % 3 === 0
        ? err(`spec.definition.dialogs[${i}].name`, `error ${i}`)
        : warn(`spec.x[${i}]`, `warning ${i}`),
    );
    const errors = issues.filter((i) => i.severity === 'Error').length;
    const v = decide(observed({ issues }), at('2026-03-02T12:00:00Z')).status.validation!;
    expect(v.issues).toEqual(issues.slice(0, kept));
    expect(v.omitted).toBe(omitted);
    if (omitted === undefined) expect(v).not.toHaveProperty('omitted');
    // The counts cover every issue, not only the listed ones.
    expect([v.errors, v.warnings, v.summary]).toEqual([
      errors,
      count - errors,
      `${errors}/${count - errors}`,
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

describe('activation moment', () => {
  it.each<[string, string | Date]>([
    ['creationTimestamp as a string', CREATED],
    ['creationTimestamp as a Date (as client-node gives it)', new Date(CREATED)],
  ])('a bot created wanting Active claims with its creationTimestamp (%s)', (_name, creationTimestamp) => {
    const plan = decide(
      observed({ chatbot: chatbotOf({ spec: { state: 'Active' }, creationTimestamp }) }),
      at('2026-03-01T09:00:07Z'),
    );
    expect(plan.status.activation).toEqual({
      desired: 'Active',
      moment: CREATED,
      activatedAt: '2026-03-01T09:00:07Z',
    });
  });

  it('a flip to Active is recorded once in requestedAt and never recomputed', () => {
    const plans = run({ spec: { state: 'Inactive' } }, [
      { now: '2026-03-01T09:00:05Z' },
      { now: '2026-03-05T14:20:00.250Z', spec: { state: 'Active' } },
      { now: '2026-03-05T15:00:00Z' },
      { now: '2026-03-09T08:00:00Z' },
    ]);
    expect(plans[0]!.status.activation).toEqual({ desired: 'Inactive' });
    const flipped = {
      desired: 'Active',
      moment: '2026-03-05T14:20:00Z',
      requestedAt: '2026-03-05T14:20:00Z',
      activatedAt: '2026-03-05T14:20:00Z',
    };
    expect(plans[1]!.status.activation).toEqual(flipped);
    expect(plans[2]!.status.activation).toEqual(flipped);
    expect(plans[3]!.status.activation).toEqual(flipped);
  });

  it('an Active -> Inactive -> Active round trip records a new requestedAt', () => {
    const plans = run({ spec: { state: 'Inactive' } }, [
      { now: '2026-03-01T09:00:05Z' },
      { now: '2026-03-02T10:00:00Z', spec: { state: 'Active' } },
      { now: '2026-03-03T10:00:00Z', spec: { state: 'Inactive' } },
      { now: '2026-03-04T10:00:00Z', spec: { state: 'Active' } },
    ]);
    expect(plans[2]!.status.activation).toEqual({
      desired: 'Inactive',
      activatedAt: '2026-03-02T10:00:00Z',
      deactivatedAt: '2026-03-03T10:00:00Z',
    });
    expect(plans[3]!.status.activation).toEqual({
      desired: 'Active',
      moment: '2026-03-04T10:00:00Z',
      requestedAt: '2026-03-04T10:00:00Z',
      activatedAt: '2026-03-04T10:00:00Z',
      deactivatedAt: '2026-03-03T10:00:00Z',
    });
  });

  it.each<{ name: string; annotation: string; moment: string }>([
    {
      name: 'a later reactivate annotation wins',
      annotation: '2026-03-07T08:00:00Z',
      moment: '2026-03-07T08:00:00Z',
    },
    {
      name: 'a later annotation with an offset is read as an instant',
      annotation: '2026-03-07T09:00:00+01:00',
      moment: '2026-03-07T08:00:00Z',
    },
    {
      name: 'an annotation before the flip is ignored',
      annotation: '2026-03-01T00:00:00Z',
      moment: '2026-03-05T14:20:00Z',
    },
    { name: 'an unparseable annotation is ignored', annotation: 'yesterday', moment: '2026-03-05T14:20:00Z' },
    { name: 'an empty annotation is ignored', annotation: '', moment: '2026-03-05T14:20:00Z' },
  ])('$name', ({ annotation, moment }) => {
    const plans = run({ spec: { state: 'Inactive' } }, [
      { now: '2026-03-01T09:00:05Z' },
      { now: '2026-03-05T14:20:00Z', spec: { state: 'Active' } },
      { now: '2026-03-07T08:00:01Z', annotations: { [REACTIVATE_ANNOTATION]: annotation } },
    ]);
    expect(last(plans).status.state).toBe('Active');
    expect(last(plans).status.activation).toMatchObject({ moment, requestedAt: '2026-03-05T14:20:00Z' });
  });

  it('a reactivate annotation later than the creationTimestamp wins for a bot created Active', () => {
    const plan = decide(
      observed({
        chatbot: chatbotOf({
          spec: { state: 'Active' },
          annotations: { [REACTIVATE_ANNOTATION]: '2026-03-01T10:00:00Z' },
        }),
      }),
      at('2026-03-01T10:00:02Z'),
    );
    expect(plan.status.activation?.moment).toBe('2026-03-01T10:00:00Z');
  });

  it('a reactivate annotation later than the schedule edge wins', () => {
    const plan = decide(
      observed({
        chatbot: chatbotOf({
          spec: { schedule: ONCE },
          annotations: { [REACTIVATE_ANNOTATION]: '2026-12-02T10:00:00Z' },
        }),
      }),
      at('2026-12-02T10:00:03Z'),
    );
    expect(plan.status.activation?.moment).toBe('2026-12-02T10:00:00Z');
  });

  it('nothing to claim while Inactive or Invalid', () => {
    expect(decide(observed(), at('2026-03-02T00:00:00Z')).status.activation).toEqual({ desired: 'Inactive' });
    expect(
      decide(
        observed({ chatbot: chatbotOf({ spec: { state: 'Active' } }), issues: [NO_SENDER] }),
        at('2026-03-02T00:00:00Z'),
      ).status.activation,
    ).toEqual({ desired: 'Active' });
  });
});

// ---------------------------------------------------------------- schedule

describe('schedule', () => {
  it.each<{
    name: string;
    spec: Partial<ChatbotSpec>;
    issues?: Issue[];
    now: string;
    want: {
      state: string;
      reason: string;
      schedule?: ChatbotStatus['schedule'];
      scheduled: [string, string, string];
      ready: string;
      moment?: string;
      lateEdge?: string;
    };
  }>([
    {
      name: 'before activateAt: Scheduled',
      spec: { schedule: ONCE },
      now: '2026-11-30T12:00:00Z',
      want: {
        state: 'Scheduled',
        reason: 'WaitingForActivation',
        schedule: {
          nextAction: 'Activate',
          nextAt: '2026-12-01T08:00:00Z',
          next: 'Activate 2026-12-01T08:00:00Z',
        },
        scheduled: ['True', 'NextActivate', 'Activate 2026-12-01T08:00:00Z'],
        ready: 'Inactive until 2026-12-01T08:00:00Z',
      },
    },
    {
      name: 'a millisecond before activateAt: still Scheduled',
      spec: { schedule: ONCE },
      now: '2026-12-01T07:59:59.999Z',
      want: {
        state: 'Scheduled',
        reason: 'WaitingForActivation',
        schedule: {
          nextAction: 'Activate',
          nextAt: '2026-12-01T08:00:00Z',
          next: 'Activate 2026-12-01T08:00:00Z',
        },
        scheduled: ['True', 'NextActivate', 'Activate 2026-12-01T08:00:00Z'],
        ready: 'Inactive until 2026-12-01T08:00:00Z',
      },
    },
    {
      name: 'at activateAt: Active, the moment is the edge instant',
      spec: { schedule: ONCE },
      now: '2026-12-01T08:00:00Z',
      want: {
        state: 'Active',
        reason: 'ScheduledActivation',
        schedule: {
          nextAction: 'Deactivate',
          nextAt: '2026-12-24T17:00:00Z',
          next: 'Deactivate 2026-12-24T17:00:00Z',
        },
        scheduled: ['True', 'NextDeactivate', 'Deactivate 2026-12-24T17:00:00Z'],
        ready: 'Active and serving',
        moment: '2026-12-01T08:00:00Z',
        lateEdge: '2026-12-01T08:00:00Z',
      },
    },
    {
      name: 'observed two hours late: the moment is still the edge instant',
      spec: { schedule: ONCE },
      now: '2026-12-01T10:00:00Z',
      want: {
        state: 'Active',
        reason: 'ScheduledActivation',
        schedule: {
          nextAction: 'Deactivate',
          nextAt: '2026-12-24T17:00:00Z',
          next: 'Deactivate 2026-12-24T17:00:00Z',
        },
        scheduled: ['True', 'NextDeactivate', 'Deactivate 2026-12-24T17:00:00Z'],
        ready: 'Active and serving',
        moment: '2026-12-01T08:00:00Z',
        lateEdge: '2026-12-01T08:00:00Z',
      },
    },
    {
      name: 'at deactivateAt: Inactive, nothing scheduled',
      spec: { schedule: ONCE },
      now: '2026-12-24T17:00:00Z',
      want: {
        state: 'Inactive',
        reason: 'ScheduledDeactivation',
        scheduled: ['False', 'NothingScheduled', 'No future schedule edge'],
        ready: 'Inactive',
        lateEdge: '2026-12-24T17:00:00Z',
      },
    },
    {
      name: 'deactivateAt on a bot Active by hand: Inactive after it, even with state Active',
      spec: { state: 'Active', schedule: { timeZone: 'Europe/Zagreb', deactivateAt: '2026-12-24T18:00' } },
      now: '2027-01-10T00:00:00Z',
      want: {
        state: 'Inactive',
        reason: 'ScheduledDeactivation',
        scheduled: ['False', 'NothingScheduled', 'No future schedule edge'],
        ready: 'Inactive',
        lateEdge: '2026-12-24T17:00:00Z',
      },
    },
    {
      name: 'weekday window on a Saturday: Scheduled for Monday 08:00 local',
      spec: { schedule: WEEKDAYS },
      now: '2026-12-05T12:00:00Z',
      want: {
        state: 'Scheduled',
        reason: 'WaitingForActivation',
        schedule: {
          nextAction: 'Activate',
          nextAt: '2026-12-07T07:00:00Z',
          next: 'Activate 2026-12-07T07:00:00Z',
        },
        scheduled: ['True', 'NextActivate', 'Activate 2026-12-07T07:00:00Z'],
        ready: 'Inactive until 2026-12-07T07:00:00Z',
        lateEdge: '2026-12-04T17:00:00Z',
      },
    },
    {
      name: 'weekday window on Monday morning: Active until 18:00 local',
      spec: { schedule: WEEKDAYS },
      now: '2026-12-07T07:30:00Z',
      want: {
        state: 'Active',
        reason: 'ScheduledActivation',
        schedule: {
          nextAction: 'Deactivate',
          nextAt: '2026-12-07T17:00:00Z',
          next: 'Deactivate 2026-12-07T17:00:00Z',
        },
        scheduled: ['True', 'NextDeactivate', 'Deactivate 2026-12-07T17:00:00Z'],
        ready: 'Active and serving',
        moment: '2026-12-07T07:00:00Z',
        lateEdge: '2026-12-07T07:00:00Z',
      },
    },
    {
      name: 'errors block a scheduled activation but the schedule is still shown',
      spec: { schedule: ONCE },
      issues: [NO_SENDER],
      now: '2026-11-30T12:00:00Z',
      want: {
        state: 'Invalid',
        reason: 'ValidationFailed',
        schedule: {
          nextAction: 'Activate',
          nextAt: '2026-12-01T08:00:00Z',
          next: 'Activate 2026-12-01T08:00:00Z',
        },
        scheduled: ['True', 'NextActivate', 'Activate 2026-12-01T08:00:00Z'],
        ready: '1 error; first: spec.senderRef: Channel or sender is not defined',
      },
    },
  ])('$name', ({ spec, issues, now, want }) => {
    const plan = decide(observed({ chatbot: chatbotOf({ spec }), issues }), at(now));
    const s = plan.status;
    expect(s.state).toBe(want.state);
    expect(plan.reason).toBe(want.reason);
    expect(s.schedule).toEqual(want.schedule);
    expect(plan.nextWakeAt?.toISOString()).toBe(
      want.schedule?.nextAt ? new Date(want.schedule.nextAt).toISOString() : undefined,
    );
    const c = conds(s);
    expect([c.Scheduled?.status, c.Scheduled?.reason, c.Scheduled?.message]).toEqual(want.scheduled);
    expect(c.Ready?.message).toBe(want.ready);
    expect(s.activation?.moment).toBe(want.moment);
    expect(s.activation?.requestedAt).toBeUndefined(); // a schedule edge is read from the spec, never recorded
    expect(plan.lateEdge?.toISOString()).toBe(
      want.lateEdge ? new Date(want.lateEdge).toISOString() : undefined,
    );
    if (want.state === 'Active') {
      expect(s.entryPoints).toEqual({
        whatsapp: { link: 'https://wa.me/385911234567?text=Hi', shareable: true },
      });
    } else {
      expect(s.entryPoints).toBeUndefined();
    }
  });

  it('a bot that was Active by schedule loses its entry points and schedule after deactivateAt', () => {
    const plans = run({ spec: { schedule: ONCE } }, [
      { now: '2026-12-01T08:00:01Z' },
      { now: '2026-12-24T17:00:02Z' },
    ]);
    const s = last(plans).status;
    expect(s.state).toBe('Inactive');
    expect(s.schedule).toBeUndefined();
    expect(s.entryPoints).toBeUndefined();
    expect(s.activation).toEqual({
      desired: 'Inactive',
      activatedAt: '2026-12-01T08:00:01Z',
      deactivatedAt: '2026-12-24T17:00:00Z', // the edge's instant, the same on every replica
    });
  });
});

// ---------------------------------------------------------------- idempotence

describe('idempotence: decide over its own output', () => {
  // Each scenario ends in a steady state; one more reconcile an hour later (crossing no edge)
  // must write nothing new and emit nothing.
  it.each<{ name: string; initial: BotInput; steps: Step[] }>([
    { name: 'Inactive by hand', initial: {}, steps: [{ now: '2026-03-01T09:00:05Z' }] },
    {
      name: 'Active by hand, flipped from Inactive',
      initial: {},
      steps: [{ now: '2026-03-01T09:00:05Z' }, { now: '2026-03-02T10:00:00Z', spec: { state: 'Active' } }],
    },
    {
      name: 'Active by hand on a test sender with warnings',
      initial: {},
      steps: [
        { now: '2026-03-01T09:00:05Z' },
        {
          now: '2026-03-02T10:00:00Z',
          spec: { state: 'Active' },
          issues: [PHRASES, MATCHED],
          sender: senderOf({ test: true, verifiedNumber: '+385981112222' }),
        },
      ],
    },
    { name: 'Scheduled', initial: { spec: { schedule: ONCE } }, steps: [{ now: '2026-11-30T10:00:00Z' }] },
    {
      name: 'Active by schedule',
      initial: { spec: { schedule: ONCE } },
      steps: [{ now: '2026-11-30T10:00:00Z' }, { now: '2026-12-01T08:00:00Z' }],
    },
    {
      name: 'Active by schedule, first seen late',
      initial: { spec: { schedule: ONCE } },
      steps: [{ now: '2026-12-03T08:00:00Z' }],
    },
    {
      name: 'Inactive after deactivateAt',
      initial: { spec: { schedule: ONCE } },
      steps: [{ now: '2026-12-01T09:00:00Z' }, { now: '2026-12-24T17:00:00Z' }],
    },
    {
      name: 'Active in a weekday window',
      initial: { spec: { schedule: WEEKDAYS } },
      steps: [{ now: '2026-12-05T12:00:00Z' }, { now: '2026-12-07T07:00:00Z' }],
    },
    {
      name: 'Invalid',
      initial: { spec: { state: 'Active' } },
      steps: [{ now: '2026-03-01T09:00:05Z', issues: [BUTTON_MESSAGE, PHRASES] }],
    },
    {
      name: 'Active, then an invalid edit',
      initial: {},
      steps: [
        { now: '2026-03-01T09:00:05Z' },
        { now: '2026-03-02T10:00:00Z', spec: { state: 'Active' } },
        { now: '2026-03-03T10:00:00Z', spec: { startKeyword: '' }, issues: [BUTTON_CAPTION] },
      ],
    },
    {
      name: 'Inactive with a missing Sender',
      initial: {},
      steps: [{ now: '2026-03-01T09:00:05Z', sender: null }],
    },
  ])('$name', ({ initial, steps }) => {
    const final = last(steps);
    const again: Step = {
      now: new Date(at(final.now).getTime() + 3_600_000).toISOString(),
      ...(final.issues ? { issues: final.issues } : {}),
      ...(final.sender !== undefined ? { sender: final.sender } : {}),
    };
    const plans = run(initial, [...steps, again]);
    const [before, after] = plans.slice(-2) as [Plan, Plan];
    expect(after.status).toEqual(before.status);
    expect(after.events).toEqual([]);
    expect(after.nextWakeAt).toEqual(before.nextWakeAt);
  });

  it('the same world reconciled again half an hour later writes the same status', () => {
    const world = newWorld({ spec: { schedule: WEEKDAYS } });
    const first = reconcile(world, at('2026-12-08T09:00:00Z'), [PHRASES]);
    const second = reconcile(world, at('2026-12-08T09:30:00Z'), [PHRASES]);
    expect(first.status.state).toBe('Active');
    expect(second.status).toEqual(first.status);
    expect(second.events).toEqual([]);
  });

  it('does not modify the observed objects', () => {
    const world = newWorld({ spec: { state: 'Active' } });
    reconcile(world, at('2026-03-01T09:00:05Z'), [PHRASES]);
    const obs = observed({
      chatbot: world.bot,
      issues: [PHRASES],
      lease: world.lease,
      revisions: world.revisions,
    });
    const copy = structuredClone(obs);
    decide(obs, at('2026-03-09T00:00:00Z'));
    decide(obs, at('2026-12-24T17:00:00Z'));
    expect(obs).toEqual(copy);
  });

  it('carries over what the runtime owns (status.sessions) untouched', () => {
    const sessions = {
      open: 12,
      draining: 0,
      byRevision: { 'support-bot-0000000000': 12 },
      observedAt: '2026-03-02T10:04:00Z',
    };
    const world = newWorld({ spec: { state: 'Active' } });
    reconcile(world, at('2026-03-02T10:00:00Z'), []);
    world.bot = { ...world.bot, status: { ...world.bot.status, sessions } };
    expect(reconcile(world, at('2026-03-02T10:05:00Z'), []).status.sessions).toEqual(sessions);
  });
});

describe('lastTransitionTime', () => {
  const T1 = '2026-03-01T09:00:05Z';
  const T2 = '2026-03-02T10:00:00Z';
  const T3 = '2026-03-03T11:00:00Z';

  // Inactive at T1, Active by hand at T2, reconciled again at T3.
  const toActive = run({}, [{ now: T1 }, { now: T2, spec: { state: 'Active' } }, { now: T3 }]);
  // Active at T1, an invalid edit at T2 (the last valid revision keeps serving), again at T3.
  const toInvalid = run({ spec: { state: 'Active' } }, [
    { now: T1 },
    { now: T2, spec: { startKeyword: 'Hello' }, issues: [BUTTON_MESSAGE] },
    { now: T3, issues: [BUTTON_MESSAGE] },
  ]);

  it.each<[string, string, string, string]>([
    // type, status at the end, lastTransitionTime (Inactive -> Active), why
    ['Ready', 'True', T1, 'True throughout (only the reason changed)'],
    ['Reconciling', 'False', T1, 'False throughout'],
    ['Stalled', 'False', T1, 'False throughout'],
    ['Validated', 'True', T1, 'True throughout'],
    ['SenderBound', 'True', T2, 'flipped False -> True at T2'],
    ['Scheduled', 'False', T1, 'False throughout'],
  ])('Inactive -> Active: %s %s since %s (%s)', (type, status, since) => {
    const c = cond(last(toActive).status, type);
    expect([c?.status, c?.lastTransitionTime]).toEqual([status, since]);
    expect(c?.observedGeneration).toBe(2);
  });

  it.each<[string, string, string]>([
    ['Ready', 'False', T2],
    ['Reconciling', 'False', T1],
    ['Stalled', 'True', T2],
    ['Validated', 'False', T2],
    ['SenderBound', 'True', T1],
    ['Scheduled', 'False', T1],
  ])('Active, then an invalid edit: %s %s since %s', (type, status, since) => {
    const c = cond(last(toInvalid).status, type);
    expect([c?.status, c?.lastTransitionTime]).toEqual([status, since]);
  });

  it('lists the conditions in a stable order', () => {
    expect(last(toActive).status.conditions?.map((c) => c.type)).toEqual([
      'Ready',
      'Reconciling',
      'Stalled',
      'Validated',
      'SenderBound',
      'Scheduled',
    ]);
  });
});

// ---------------------------------------------------------------- events

describe('events', () => {
  it.each<{ name: string; initial: BotInput; steps: Step[]; want: string[][] }>([
    {
      name: 'created Active: one Activated event that carries the validation result',
      initial: { spec: { state: 'Active' } },
      steps: [
        { now: '2026-03-01T09:00:05Z' },
        { now: '2026-03-01T10:00:00Z' },
        { now: '2026-03-02T10:00:00Z' },
      ],
      want: [['Activated'], [], []],
    },
    {
      name: 'Inactive -> Active -> Inactive by hand',
      initial: {},
      steps: [
        { now: '2026-03-01T09:00:05Z' },
        { now: '2026-03-02T10:00:00Z', spec: { state: 'Active' } },
        { now: '2026-03-02T11:00:00Z' },
        { now: '2026-03-03T10:00:00Z', spec: { state: 'Inactive' } },
        { now: '2026-03-03T11:00:00Z' },
      ],
      want: [['Validated'], ['Validated', 'Activated'], [], ['Validated', 'Deactivated'], []],
    },
    {
      name: 'one-off schedule: Scheduled, Activated, Deactivated',
      initial: { spec: { schedule: ONCE } },
      steps: [
        { now: '2026-11-30T10:00:00Z' },
        { now: '2026-11-30T22:00:00Z' },
        { now: '2026-12-01T08:00:00Z' },
        { now: '2026-12-10T08:00:00Z' },
        { now: '2026-12-24T17:00:00Z' },
        { now: '2026-12-25T17:00:00Z' },
      ],
      want: [['Validated', 'Scheduled'], [], ['Activated', 'Scheduled'], [], ['Deactivated'], []],
    },
    {
      name: 'weekday windows: each edge once',
      initial: { spec: { schedule: WEEKDAYS } },
      steps: [
        { now: '2026-12-05T12:00:00Z' }, // Saturday
        { now: '2026-12-06T12:00:00Z' }, // Sunday
        { now: '2026-12-07T07:00:00Z' }, // Monday 08:00 local
        { now: '2026-12-07T12:00:00Z' },
        { now: '2026-12-07T17:00:00Z' }, // Monday 18:00 local
        { now: '2026-12-08T07:00:00Z' }, // Tuesday 08:00 local
      ],
      want: [
        ['Validated', 'Scheduled'],
        [],
        ['Activated', 'Scheduled'],
        [],
        ['Deactivated', 'Scheduled'],
        ['Activated', 'Scheduled'],
      ],
    },
    {
      name: 'Invalid, then fixed in the next generation',
      initial: { spec: { state: 'Active' } },
      steps: [
        { now: '2026-03-01T09:00:05Z', issues: [BUTTON_MESSAGE] },
        { now: '2026-03-01T10:00:00Z', issues: [BUTTON_MESSAGE] },
        { now: '2026-03-01T11:00:00Z', spec: { startKeyword: 'Hello' } },
        { now: '2026-03-01T12:00:00Z' },
      ],
      want: [['ValidationFailed'], [], ['Validated', 'Activated'], []],
    },
    {
      name: 'Active, then an invalid edit: it keeps serving, so no Deactivated',
      initial: { spec: { state: 'Active' } },
      steps: [
        { now: '2026-03-01T09:00:05Z' },
        { now: '2026-03-01T10:00:00Z', spec: { startKeyword: 'Hello' }, issues: [BUTTON_CAPTION] },
        { now: '2026-03-01T11:00:00Z', issues: [BUTTON_CAPTION] },
      ],
      want: [['Activated'], ['ValidationFailed'], []],
    },
    {
      name: 'a valid edit that keeps the state: Validated once for the new generation',
      initial: { spec: { state: 'Active' } },
      steps: [
        { now: '2026-03-01T09:00:05Z' },
        { now: '2026-03-01T10:00:00Z', spec: { startKeyword: 'Hello' }, issues: [PHRASES] },
        { now: '2026-03-01T11:00:00Z', issues: [PHRASES] },
      ],
      want: [['Activated'], ['Validated'], []],
    },
    {
      name: 'the missing Sender appears (same generation): validated again',
      initial: {},
      steps: [
        { now: '2026-03-01T09:00:05Z', issues: [NO_SENDER], sender: null },
        { now: '2026-03-01T10:00:00Z', issues: [NO_SENDER], sender: null },
        { now: '2026-03-01T11:00:00Z' },
      ],
      want: [['ValidationFailed'], [], ['Validated']],
    },
    {
      name: 'a schedule edit moves nextAt: Scheduled again',
      initial: { spec: { schedule: ONCE } },
      steps: [
        { now: '2026-11-20T10:00:00Z' },
        { now: '2026-11-21T10:00:00Z', spec: { schedule: { ...ONCE, activateAt: '2026-12-02T09:00' } } },
        { now: '2026-11-22T10:00:00Z' },
      ],
      want: [['Validated', 'Scheduled'], ['Validated', 'Scheduled'], []],
    },
  ])('$name', ({ initial, steps, want }) => {
    expect(run(initial, steps).map(reasons)).toEqual(want);
  });

  it.each<{ name: string; initial: BotInput; steps: Step[]; want: Plan['events'] }>([
    {
      name: 'Validated',
      initial: {},
      steps: [{ now: '2026-03-01T09:00:05Z', issues: [PHRASES] }],
      want: [
        {
          type: 'Normal',
          reason: 'Validated',
          action: 'Validate',
          note: 'Generation 1: 1 warning; no errors',
        },
      ],
    },
    {
      name: 'ValidationFailed',
      initial: {},
      steps: [{ now: '2026-03-01T09:00:05Z', issues: [NO_SENDER] }],
      want: [
        {
          type: 'Warning',
          reason: 'ValidationFailed',
          action: 'Validate',
          note: '1 error; first: spec.senderRef: Channel or sender is not defined',
        },
      ],
    },
    {
      name: 'Activated by hand',
      initial: { spec: { state: 'Active' } },
      steps: [{ now: '2026-03-01T09:00:05Z' }],
      want: [
        {
          type: 'Normal',
          reason: 'Activated',
          action: 'Activate',
          note: 'Activated by hand (activation moment 2026-03-01T09:00:00Z); generation 1: No issues',
        },
      ],
    },
    {
      name: 'Activated by schedule, then Scheduled',
      initial: { spec: { schedule: ONCE } },
      steps: [{ now: '2026-11-30T10:00:00Z' }, { now: '2026-12-01T08:00:04Z' }],
      want: [
        {
          type: 'Normal',
          reason: 'Activated',
          action: 'Activate',
          note: 'Activated by schedule (activation moment 2026-12-01T08:00:00Z)',
        },
        { type: 'Normal', reason: 'Scheduled', action: 'Schedule', note: 'Deactivate 2026-12-24T17:00:00Z' },
      ],
    },
    {
      name: 'Deactivated by schedule',
      initial: { spec: { schedule: ONCE } },
      steps: [{ now: '2026-12-01T08:00:04Z' }, { now: '2026-12-24T17:00:00Z' }],
      want: [
        {
          type: 'Normal',
          reason: 'Deactivated',
          action: 'Deactivate',
          note: 'Now Inactive: ScheduledDeactivation',
        },
      ],
    },
    {
      name: 'Deactivated by hand',
      initial: { spec: { state: 'Active' } },
      steps: [{ now: '2026-03-01T09:00:05Z' }, { now: '2026-03-02T09:00:00Z', spec: { state: 'Inactive' } }],
      want: [
        { type: 'Normal', reason: 'Validated', action: 'Validate', note: 'Generation 2: No issues' },
        { type: 'Normal', reason: 'Deactivated', action: 'Deactivate', note: 'Now Inactive: Inactive' },
      ],
    },
  ])('what kubectl get events shows: $name', ({ initial, steps, want }) => {
    expect(last(run(initial, steps)).events).toEqual(want);
  });
});

describe('activation moments are recorded once', () => {
  it('a bot created wanting Active keeps its creationTimestamp moment on the next reconcile', () => {
    const plans = run({ spec: { state: 'Active' } }, [
      { now: '2026-03-01T09:00:05Z' },
      { now: '2026-03-01T10:00:00Z' },
    ]);
    expect(plans[0]!.status.activation).toEqual({
      desired: 'Active',
      moment: CREATED,
      activatedAt: '2026-03-01T09:00:05Z',
    });
    expect(plans[1]!.status.activation).toEqual(plans[0]!.status.activation);
    expect(plans[1]!.status).toEqual(plans[0]!.status);
  });
  it('created Active, reconciled again an hour later: same status, no Lease write', () => {
    const world = newWorld({ spec: { state: 'Active' } });
    const first = reconcile(world, at('2026-03-01T09:00:05Z'), []);
    const second = reconcile(world, at('2026-03-01T10:00:05Z'), []);
    expect(second.status).toEqual(first.status);
    expect(second.lease).toBeUndefined();
  });
  it('a resync never lets an older bot take the sender back from a newer one', () => {
    const world = newWorld({ spec: { state: 'Active' } });
    reconcile(world, at('2026-03-01T09:00:05Z'), []);
    const other = {
      key: 'acme/other-bot',
      moment: at('2026-03-01T09:30:00Z'),
      created: at('2026-02-01T00:00:00Z'),
    };
    world.lease = {
      name: LEASE_NAME,
      holder: other.key,
      claim: other,
      acquireTime: at('2026-03-01T09:30:01Z'),
      transitions: 1,
    };
    world.others = { holderClaim: other, holderTakeover: { mode: 'Graceful', gracePeriod: '15m' } };
    const plan = reconcile(world, at('2026-03-01T10:00:00Z'), []);
    expect(plan.status.state).not.toBe('Active');
    expect(plan.lease).toBeUndefined();
    expect(plan.status.activation?.moment).toBe(CREATED);
  });
  it('removing the schedule of a bot Active by schedule (state Active by hand) keeps its moment', () => {
    const plans = run({ spec: { schedule: ONCE } }, [
      { now: '2026-12-01T08:00:05Z' },
      { now: '2026-12-02T12:00:00Z', spec: { state: 'Active', schedule: undefined } },
    ]);
    expect(plans[1]!.status.state).toBe('Active');
    expect(reasons(plans[1]!)).toEqual(['Validated']);
    expect(plans[1]!.status.activation?.moment).toBe('2026-12-01T08:00:00Z');
  });
});
