// Fixtures for the decide() tests: a chatbot, its Sender and Lease as the operator shell observes
// them, and a small world that applies each plan the way the shell does, so a test can reconcile a
// bot over time. Fixed dates only; the clock is the `now` argument.
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
import type { Claim } from '../claims/claim.ts';
import type { Acceptance } from '../claims/ownership.ts';
import { decide, type Observed, type Plan } from './decide.ts';
import { contextOf, type DecisionContext } from './observed.ts';
import { revisionName } from './revisions.ts';

export const CREATED = '2026-03-01T09:00:00Z';
export const ME = 'acme/support-bot';
export const LEASE_NAME = 'sender-whatsapp-385911234567';

export type ClaimsView = NonNullable<Observed['claims']>;
export type LeaseView = NonNullable<ClaimsView['lease']>;
export type RevisionInfo = NonNullable<Observed['revisions']>[number];

export function senderOf(spec: Partial<SenderSpec> = {}): Sender {
  return {
    apiVersion: API_VERSION,
    kind: 'Sender',
    metadata: { name: 'acme-whatsapp', namespace: 'acme', generation: 1 },
    spec: {
      channel: 'WhatsApp',
      address: '+385911234567',
      credentialsSecretRef: { name: 'acme-whatsapp' },
      ...spec,
    },
  };
}

export interface BotInput {
  spec?: Partial<ChatbotSpec>;
  generation?: number;
  creationTimestamp?: string | Date;
  annotations?: Record<string, string>;
  status?: ChatbotStatus;
}

export function chatbotOf(input: BotInput = {}): Chatbot {
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
export function observed(
  o: {
    chatbot?: Chatbot;
    sender?: Sender | null;
    issues?: Issue[];
    lease?: LeaseView;
    others?: Omit<ClaimsView, 'lease' | 'rivals'> & { rivals?: ClaimsView['rivals'] };
    revisions?: RevisionInfo[];
    acceptance?: Acceptance;
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
    ...(o.acceptance ? { acceptance: o.acceptance } : {}),
    issues: o.issues ?? [],
    ...(claims ? { claims } : {}),
    revisions: o.revisions ?? [],
  };
}

export const at = (iso: string) => new Date(iso);

/** The world as the operator shell leaves it after applying plans: the object, its Lease, its revisions. */
export interface World {
  bot: Chatbot;
  sender: Sender | null;
  lease: LeaseView;
  revisions: RevisionInfo[];
  /** Other chatbots that want the same sender (the holder's claim and takeover, rivals). */
  others?: Omit<ClaimsView, 'lease' | 'rivals'> & { rivals?: ClaimsView['rivals'] };
}

export function newWorld(input: BotInput = {}): World {
  return {
    bot: chatbotOf(input),
    sender: senderOf(),
    lease: { name: LEASE_NAME, transitions: 0 },
    revisions: [],
  };
}

/** Reconcile once: observe the world, decide, apply the plan (Lease, revisions, status). */
export function reconcile(world: World, now: Date, issues: Issue[]): Plan {
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

export interface Step {
  now: string;
  /** A spec change: merged over the current spec, and the generation goes up as the API server does. */
  spec?: Partial<ChatbotSpec>;
  /** Annotations replace the current ones; they do not bump the generation. */
  annotations?: Record<string, string>;
  issues?: Issue[];
  sender?: Sender | null;
}

/** Reconcile a bot over time: each step sees what the previous ones wrote. */
export function run(initial: BotInput, steps: Step[]): Plan[] {
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

export const last = <T>(xs: T[]): T => xs[xs.length - 1]!;

export function issue(severity: Issue['severity'], path: string, message: string, code = 'SomeCode'): Issue {
  return { severity, code, path, message, hint: 'Fix it.' };
}
export const err = (path: string, message: string, code?: string) => issue('Error', path, message, code);
export const warn = (path: string, message: string, code?: string) => issue('Warning', path, message, code);

export const BUTTON_MESSAGE = err(
  'spec.definition.dialogs[0].elements[1].buttons.message',
  'Button message is empty',
  'ButtonMessageEmpty',
);
export const BUTTON_CAPTION = err(
  'spec.definition.dialogs[0].elements[1].buttons.items[1].caption',
  'Button caption is empty',
  'ButtonCaptionEmpty',
);
export const NO_SENDER = err('spec.senderRef', 'Channel or sender is not defined', 'ChannelSenderUndefined');
export const UNKNOWN_GOTO = err(
  'spec.definition.dialogs[2].elements[0].goTo',
  'Dialog "ordrs" does not exist',
);
export const PHRASES = warn(
  'spec.definition.intents[1].trainingPhrases',
  'Number of training phrases is higher or lower than others',
  'TrainingPhrasesUnbalanced',
);
export const MATCHED = warn(
  'spec.definition.intents[0].trainingPhrases[3]',
  'Incorrect intent is matched: refund',
  'IncorrectIntentMatched',
);

/** Conditions by type, without the bookkeeping fields. */
export function conds(
  status: ChatbotStatus,
): Record<string, { status: string; reason: string; message: string }> {
  return Object.fromEntries(
    (status.conditions ?? []).map((c) => [
      c.type,
      { status: c.status, reason: c.reason, message: c.message },
    ]),
  );
}
export const cond = (status: ChatbotStatus, type: string) => status.conditions?.find((c) => c.type === type);
export const reasons = (plan: Plan) => plan.events.map((e) => e.reason);

// Europe/Zagreb is UTC+1 in December: 09:00 local = 08:00Z, 18:00 local = 17:00Z.
export const ONCE = {
  timeZone: 'Europe/Zagreb',
  activateAt: '2026-12-01T09:00',
  deactivateAt: '2026-12-24T18:00',
} as const;
export const WEEKDAYS = {
  timeZone: 'Europe/Zagreb',
  windows: [{ activate: '0 8 * * 1-5', deactivate: '0 18 * * 1-5' }],
};
// 2026-12-05 is a Saturday, 2026-12-07 a Monday.

// ---------------------------------------------------------------- revisions, takeovers, sessions

export const DEFINITION = chatbotOf().spec.definition!;
export const DEFINITION_2 = {
  startDialog: 'welcome',
  dialogs: [{ name: 'welcome', elements: [{ text: 'Hello again!' }] }],
};
/** The ControllerRevision of the fixture bot's definition, and of its second one. */
export const REV = revisionName('support-bot', DEFINITION);
export const REV_2 = revisionName('support-bot', DEFINITION_2);

/** Another chatbot that wants the same sender. */
export const NEW_BOT = 'acme/new-bot';
export const claimBy = (key: string, moment: string, created = '2026-02-01T00:00:00Z'): Claim => ({
  key,
  moment: at(moment),
  created: at(created),
});

/**
 * Another chatbot has taken the sender (its own reconcile wrote the Lease): what this bot's
 * reconcile observes next.
 */
export function takenOverBy(
  world: World,
  o: { claim: Claim; acquireTime: string; takeover?: { mode?: string; gracePeriod?: string } },
): void {
  world.lease = {
    name: world.lease.name,
    holder: o.claim.key,
    claim: o.claim,
    acquireTime: at(o.acquireTime),
    transitions: world.lease.transitions + 1,
  };
  world.others = { holderClaim: o.claim, ...(o.takeover ? { holderTakeover: o.takeover } : {}) };
}

/** The runtime writes status.sessions: open sessions per revision, counted at observedAt. */
export function sessionsReported(world: World, byRevision: Record<string, number>, observedAt: string): void {
  const open = Object.values(byRevision).reduce((a, b) => a + b, 0);
  world.bot = {
    ...world.bot,
    status: { ...world.bot.status, sessions: { open, draining: 0, byRevision, observedAt } },
  };
}

/** A spec change, as the API server applies it: the generation goes up. */
export function edited(world: World, spec: Partial<ChatbotSpec>): void {
  world.bot = {
    ...world.bot,
    metadata: { ...world.bot.metadata, generation: (world.bot.metadata.generation ?? 0) + 1 },
    spec: { ...world.bot.spec, ...spec },
  };
}

/** The shared context of one decision, for the tests of a single step. */
export function contextFor(o: Parameters<typeof observed>[0], now: string): DecisionContext {
  return contextOf(observed(o), at(now));
}

/** The status a bot created Active at CREATED has after its first reconcile: serving REV. */
export function servingStatus(over: Partial<ChatbotStatus> = {}): ChatbotStatus {
  return {
    observedGeneration: 1,
    state: 'Active',
    validation: { errors: 0, warnings: 0, summary: '0/0', issues: [] },
    revision: REV,
    activation: { desired: 'Active', moment: CREATED, activatedAt: '2026-03-01T09:00:05Z' },
    ...over,
  };
}

/** The sender's Lease, held by `holder` with its claim at `moment`. */
export function leaseHeldBy(holder: string, moment: string, acquireTime = moment): LeaseView {
  return {
    name: LEASE_NAME,
    holder,
    claim: claimBy(holder, moment, holder === ME ? CREATED : undefined),
    acquireTime: at(acquireTime),
    transitions: 1,
  };
}
