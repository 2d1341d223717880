// Property tests: whatever a user (or a broken tool) feeds the validator, it returns a sorted list
// of well-formed issues that fit status.validation, the same list every time, and never throws.
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNELS, Issue as IssueSchema } from '../../api/schema.ts';
import {
  contextWith,
  exampleChatbot,
  exampleSender,
  ORDER_PHRASES,
  offlineContext,
  REFUND_PHRASES,
} from './fixtures.ts';
import {
  compareIssues,
  ISSUE_CODES,
  type Issue,
  type ValidationContext,
  validateChatbot,
  validateSender,
} from './index.ts';

// The schema of status.validation.issues[] in the CRD: every issue must be writable to status.
// Each property has a fixed number of runs and a timeout far above what it needs: the slowest
// (the example bot, whose intents are matched leave-one-out) takes about 2 s for 300 runs on an
// idle core, so 60 s holds even at a third of that speed while another job has the machine.
const TIMEOUT_MS = 60_000;

const fitsStatus = new Ajv({ strict: false }).compile(IssueSchema);

function expectWellFormed(issues: Issue[]): void {
  expect(Array.isArray(issues)).toBe(true);
  for (const issue of issues) {
    expect(Object.keys(issue).sort()).toEqual(['code', 'hint', 'message', 'path', 'severity']);
    expect(Object.hasOwn(ISSUE_CODES, issue.code), issue.code).toBe(true);
    expect(issue.severity).toBe(ISSUE_CODES[issue.code as keyof typeof ISSUE_CODES].severity);
    expect(issue.path).toMatch(/^spec($|[.[])/);
    expect(issue.message.length).toBeGreaterThan(0);
    expect(issue.hint?.length).toBeGreaterThan(0);
    expect(fitsStatus(issue), JSON.stringify(issue)).toBe(true);
  }
  for (let i = 1; i < issues.length; i++) {
    expect(compareIssues(issues[i - 1]!, issues[i]!)).toBeLessThanOrEqual(0);
  }
}

const contexts: ValidationContext[] = [
  contextWith(exampleSender()),
  contextWith(exampleSender('acme-whatsapp', { channel: 'SMS' })),
  contextWith(),
  offlineContext,
  {
    findSender: () => {
      throw new Error('lookup failed');
    },
  },
  {} as ValidationContext,
  { findSender: () => 42 } as unknown as ValidationContext,
];
const context = fc.constantFrom(...contexts);

// ---- structurally plausible bots: the right shape most of the time, with names that often miss.
const name = fc.oneof(
  fc.constantFrom(
    'welcome',
    'orders',
    'fallback',
    'human',
    'order_status',
    'refund',
    '',
    ' ',
    'constructor',
    '__proto__',
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ minLength: 300, maxLength: 400 }),
);
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('', '   ', 'Hi {{name}}!', 'x'.repeat(1025), 'x'.repeat(4097)),
  fc.anything({ maxDepth: 1 }),
);
const url = fc.oneof(
  fc.webUrl(),
  fc.constantFrom(
    '',
    ' ',
    'http://acme.example',
    'acme.example',
    '{{link}}',
    'https://a.example/{{id}}',
    'ftp://x',
  ),
  fc.string({ maxLength: 20 }),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
const element = fc.oneof(
  fc.record({ text }),
  fc.record({
    buttons: fc.record(
      {
        message: text,
        items: fc.array(fc.record({ caption: text, goTo: name, url }, { requiredKeys: [] }), {
          maxLength: 5,
        }),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({ userInput: fc.record({ saveAs: name }, { requiredKeys: [] }) }),
  fc.record({
    route: fc.record(
      {
        intents: fc.array(fc.record({ intent: name, goTo: name }, { requiredKeys: [] }), { maxLength: 3 }),
        keywords: fc.array(
          fc.record({ match: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }), goTo: name }),
          { maxLength: 2 },
        ),
        otherwise: name,
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({ goTo: name }),
  fc.record({ toAgent: fc.record({ queue: name }, { requiredKeys: [] }) }),
  fc.record({ closeSession: fc.record({ message: text }, { requiredKeys: [] }) }),
  fc.record({ text, goTo: name }),
  fc.anything({ maxDepth: 2 }),
);
const dialog = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ name, elements: fc.array(element, { maxLength: 5 }) }, { requiredKeys: [] }),
  },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
);
const phrase = fc.oneof(
  fc.constantFrom(
    ...ORDER_PHRASES,
    ...REFUND_PHRASES,
    'where is my refund',
    'constructor',
    '__proto__ toString',
  ),
  fc.string({ maxLength: 20 }),
  fc.anything({ maxDepth: 0 }),
);
const intent = fc.record(
  { name, trainingPhrases: fc.array(phrase, { maxLength: 14 }) },
  { requiredKeys: [] },
);
const wallTime = fc.oneof(
  fc.constantFrom(
    '2026-12-01T09:00',
    '2026-02-30T10:00',
    '2026-03-29T02:30',
    '2026-12-24T24:00',
    '2026-12-24T18:00:30',
  ),
  fc.string({ maxLength: 20 }),
);
const cron = fc.oneof(
  fc.constantFrom(
    '0 8 * * 1-5',
    '0 18 * * MON-FRI',
    '* * * *',
    '61 8 * * *',
    'H 8 * * *',
    '@daily',
    '0 0 30 2 *',
  ),
  fc.string({ maxLength: 20 }),
);
const duration = fc.oneof(
  fc.constantFrom('15m', '0s', '1h30m', '15 minutes', ''),
  fc.string({ maxLength: 8 }),
);
const spec = fc.record(
  {
    channel: fc.oneof(fc.constantFrom(...CHANNELS), fc.anything({ maxDepth: 0 })),
    senderRef: fc.oneof(
      fc.record({ name: fc.constantFrom('acme-whatsapp', 'ghost', '') }),
      fc.anything({ maxDepth: 1 }),
    ),
    state: fc.constantFrom('Active', 'Inactive', 'Paused'),
    schedule: fc.record(
      {
        timeZone: fc.constantFrom('Europe/Zagreb', 'America/New_York', 'Mars/Olympus', ''),
        activateAt: wallTime,
        deactivateAt: wallTime,
        windows: fc.array(fc.record({ activate: cron, deactivate: cron }, { requiredKeys: [] }), {
          maxLength: 2,
        }),
      },
      { requiredKeys: [] },
    ),
    takeover: fc.record(
      { mode: fc.constantFrom('Graceful', 'Immediate', 'Soft'), gracePeriod: duration },
      { requiredKeys: [] },
    ),
    redeploy: fc.record({ gracePeriod: duration }, { requiredKeys: [] }),
    sessionTimeout: duration,
    revisionHistoryLimit: fc.oneof(fc.integer({ min: -5, max: 200 }), fc.double()),
    definition: fc.record(
      {
        startDialog: name,
        fallbackDialog: name,
        dialogs: fc.array(dialog, { maxLength: 8 }),
        intents: fc.array(intent, { maxLength: 3 }),
      },
      { requiredKeys: [] },
    ),
    unexpected: maybe(fc.anything({ maxDepth: 1 })),
  },
  { requiredKeys: [] },
);

describe('validateChatbot never throws and always returns well-formed issues', () => {
  it(
    'for any value as the manifest',
    () => {
      fc.assert(
        fc.property(fc.anything(), context, (manifest, ctx) => {
          expectWellFormed(validateChatbot(manifest, ctx));
        }),
        { numRuns: 300 },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'for any value as the spec',
    () => {
      fc.assert(
        fc.property(fc.anything(), context, (s, ctx) => {
          expectWellFormed(
            validateChatbot({ apiVersion: 'chatbots.dev/v1alpha1', kind: 'Chatbot', spec: s }, ctx),
          );
        }),
        { numRuns: 300 },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'for structurally plausible random bots, the same issues every time',
    () => {
      fc.assert(
        fc.property(spec, context, (s, ctx) => {
          const bot = {
            apiVersion: 'chatbots.dev/v1alpha1',
            kind: 'Chatbot',
            metadata: { name: 'x' },
            spec: s,
          };
          const issues = validateChatbot(bot, ctx);
          expectWellFormed(issues);
          expect(validateChatbot(bot, ctx)).toEqual(issues);
        }),
        { numRuns: 300 },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'for the example bot with any one node replaced by any value',
    () => {
      const paths: (string | number)[][] = [];
      const walk = (v: unknown, path: (string | number)[]) => {
        paths.push(path);
        if (Array.isArray(v)) {
          for (const [i, x] of v.entries()) walk(x, [...path, i]);
        } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
      };
      walk(exampleChatbot().spec, []);
      fc.assert(
        fc.property(fc.constantFrom(...paths.filter((p) => p.length > 0)), fc.anything(), (path, value) => {
          const bot = exampleChatbot();
          let node: Record<string | number, unknown> = bot.spec as never;
          for (const key of path.slice(0, -1)) node = node[key] as never;
          node[path.at(-1)!] = value;
          expectWellFormed(validateChatbot(bot, contexts[0]!));
        }),
        { numRuns: 300 },
      );
    },
    TIMEOUT_MS,
  );
});

describe('validateSender never throws and always returns well-formed issues', () => {
  it(
    'for any value',
    () => {
      fc.assert(
        fc.property(fc.anything(), (s) => {
          expectWellFormed(validateSender(s));
          expectWellFormed(validateSender({ spec: s }));
        }),
        { numRuns: 300 },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'for plausible senders',
    () => {
      const sender = fc.record(
        {
          channel: fc.oneof(fc.constantFrom(...CHANNELS), fc.string({ maxLength: 8 })),
          address: fc.oneof(fc.constantFrom('+385911234567', '0911234567', ''), fc.string({ maxLength: 20 })),
          test: fc.oneof(fc.boolean(), fc.anything({ maxDepth: 0 })),
          verifiedNumber: fc.oneof(fc.constantFrom('+385911234567', '123'), fc.string({ maxLength: 20 })),
          credentialsSecretRef: fc.anything({ maxDepth: 1 }),
        },
        { requiredKeys: [] },
      );
      fc.assert(
        fc.property(sender, (s) => {
          expectWellFormed(validateSender({ spec: s }));
        }),
        { numRuns: 300 },
      );
    },
    TIMEOUT_MS,
  );
});
