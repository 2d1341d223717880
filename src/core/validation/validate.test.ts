import { describe, expect, it } from 'vitest';
import type { ChatbotSpec, Sender } from '../../api/schema.ts';
import { findIntentConfusions } from '../intents/index.ts';
import {
  contextWith,
  exampleChatbot,
  exampleSender,
  generateChatbot,
  offlineContext,
  REFUND_PHRASES,
} from './fixtures.ts';
import {
  ALL_CODES,
  comparePaths,
  ISSUE_CODES,
  type Issue,
  type IssueCode,
  SEED_MESSAGES,
  type ValidationContext,
  validateChatbot,
  validateSender,
} from './index.ts';

type Spec = ChatbotSpec & Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: tests reach into the example with any shape
type Any = any;

const context = contextWith(exampleSender());
const D = 'spec.definition';
const welcome = `${D}.dialogs[0]`;
const buttons = `${welcome}.elements[1].buttons`;
const route = `${welcome}.elements[3].route`;

function validate(mutate: (spec: Spec) => void, ctx: ValidationContext = context): Issue[] {
  const bot = exampleChatbot();
  mutate(bot.spec as Spec);
  return validateChatbot(bot, ctx);
}
const def = (spec: Spec): Any => spec.definition;
const found = (issues: Issue[]) => issues.map((i) => ({ code: i.code, path: i.path, severity: i.severity }));
const expected = (...list: [IssueCode, string][]) =>
  list.map(([code, path]) => ({ code, path, severity: ISSUE_CODES[code].severity }));
const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

interface Row {
  name: string;
  mutate: (spec: Spec) => void;
  ctx?: ValidationContext;
  issues: [IssueCode, string][];
}

const rows: Row[] = [
  // ---- seed: buttons
  {
    name: 'blank button message',
    mutate: (s) => {
      def(s).dialogs[0].elements[1].buttons.message = '   ';
    },
    issues: [['ButtonMessageEmpty', `${buttons}.message`]],
  },
  {
    name: 'missing button message (instead of a schema error)',
    mutate: (s) => {
      delete def(s).dialogs[0].elements[1].buttons.message;
    },
    issues: [['ButtonMessageEmpty', `${buttons}.message`]],
  },
  {
    name: 'empty button caption',
    mutate: (s) => {
      def(s).dialogs[0].elements[1].buttons.items[1].caption = '';
    },
    issues: [['ButtonCaptionEmpty', `${buttons}.items[1].caption`]],
  },
  {
    name: 'url key present but blank',
    mutate: (s) => {
      def(s).dialogs[0].elements[1].buttons.items[1].url = ' ';
    },
    issues: [['ButtonUrlEmpty', `${buttons}.items[1].url`]],
  },
  {
    name: 'url key present but null (YAML `url:`)',
    mutate: (s) => {
      def(s).dialogs[0].elements[1].buttons.items[1].url = null;
    },
    issues: [['ButtonUrlEmpty', `${buttons}.items[1].url`]],
  },
  {
    name: 'url that is not a URL',
    mutate: (s) => {
      def(s).dialogs[0].elements[1].buttons.items[1].url = 'acme.example/orders';
    },
    issues: [['ButtonUrlInvalid', `${buttons}.items[1].url`]],
  },
  {
    name: 'url with another scheme',
    mutate: (s) => {
      def(s).dialogs[0].elements[1].buttons.items[1].url = 'ftp://acme.example';
    },
    issues: [['ButtonUrlInvalid', `${buttons}.items[1].url`]],
  },
  {
    name: 'url with a {{variable}} in it is checked with the variable filled in',
    mutate: (s) => {
      def(s).dialogs[0].elements[1].buttons.items[1].url = 'https://acme.example/orders/{{orderId}}';
    },
    issues: [],
  },
  // ---- seed: channel and sender
  {
    name: 'no channel',
    mutate: (s) => {
      delete s.channel;
    },
    issues: [['ChannelSenderUndefined', 'spec.channel']],
  },
  {
    name: 'no senderRef',
    mutate: (s) => {
      delete s.senderRef;
    },
    issues: [['ChannelSenderUndefined', 'spec.senderRef']],
  },
  {
    name: 'senderRef without name (instead of a schema error)',
    mutate: (s) => {
      s.senderRef = {} as Any;
    },
    issues: [['ChannelSenderUndefined', 'spec.senderRef.name']],
  },
  {
    name: 'Sender not found',
    mutate: (s) => {
      s.senderRef = { name: 'ghost' };
    },
    issues: [['ChannelSenderUndefined', 'spec.senderRef.name']],
  },
  {
    name: 'Sender on another channel',
    mutate: () => {},
    ctx: contextWith(exampleSender('acme-whatsapp', { channel: 'SMS' })),
    issues: [['ChannelSenderUndefined', 'spec.channel']],
  },
  {
    name: 'Sender not available offline',
    mutate: () => {},
    ctx: offlineContext,
    issues: [['SenderNotChecked', 'spec.senderRef.name']],
  },
  {
    name: 'Sender lookup that throws',
    mutate: () => {},
    ctx: {
      findSender: () => {
        throw new Error('connection refused');
      },
    },
    issues: [['SenderNotChecked', 'spec.senderRef.name']],
  },
  // ---- dialogs
  {
    name: 'element goTo to no dialog',
    mutate: (s) => {
      def(s).dialogs[2].elements[1].goTo = 'nowhere';
    },
    issues: [['UnknownDialog', `${D}.dialogs[2].elements[1].goTo`]],
  },
  {
    name: 'button goTo to no dialog',
    mutate: (s) => {
      def(s).dialogs[0].elements[1].buttons.items[0].goTo = 'nowhere';
    },
    issues: [['UnknownDialog', `${buttons}.items[0].goTo`]],
  },
  {
    name: 'route intent goTo to no dialog',
    mutate: (s) => {
      def(s).dialogs[0].elements[3].route.intents[0].goTo = 'nowhere';
    },
    issues: [['UnknownDialog', `${route}.intents[0].goTo`]],
  },
  {
    name: 'route keyword goTo to no dialog',
    mutate: (s) => {
      def(s).dialogs[0].elements[3].route.keywords[0].goTo = 'nowhere';
    },
    issues: [['UnknownDialog', `${route}.keywords[0].goTo`]],
  },
  {
    name: 'route otherwise to no dialog',
    mutate: (s) => {
      def(s).dialogs[0].elements[3].route.otherwise = 'nowhere';
    },
    issues: [['UnknownDialog', `${route}.otherwise`]],
  },
  {
    name: 'startDialog names no dialog',
    mutate: (s) => {
      def(s).startDialog = 'nowhere';
    },
    issues: [['UnknownDialog', `${D}.startDialog`]],
  },
  {
    name: 'fallbackDialog names no dialog',
    mutate: (s) => {
      def(s).fallbackDialog = 'nowhere';
    },
    issues: [['UnknownDialog', `${D}.fallbackDialog`]],
  },
  {
    name: 'route to an undeclared intent',
    mutate: (s) => {
      def(s).dialogs[0].elements[3].route.intents[1].intent = 'cancel_order';
    },
    issues: [['UnknownIntent', `${route}.intents[1].intent`]],
  },
  {
    name: 'two dialogs with one name',
    mutate: (s) => {
      def(s).dialogs.push({ name: 'orders', elements: [{ text: 'again' }] });
    },
    issues: [['DuplicateDialog', `${D}.dialogs[5].name`]],
  },
  {
    name: 'no startDialog',
    mutate: (s) => {
      delete def(s).startDialog;
    },
    issues: [['StartDialogMissing', `${D}.startDialog`]],
  },
  {
    name: 'no dialogs',
    mutate: (s) => {
      def(s).dialogs = [];
    },
    issues: [
      ['StartDialogMissing', `${D}.dialogs`],
      ['UnknownDialog', `${D}.fallbackDialog`],
      ['UnknownDialog', `${D}.startDialog`],
    ],
  },
  {
    name: 'no definition',
    mutate: (s) => {
      delete s.definition;
    },
    issues: [['StartDialogMissing', D]],
  },
  {
    name: 'a dialog nothing leads to',
    mutate: (s) => {
      def(s).dialogs.push({ name: 'orphan', elements: [{ text: 'lonely' }] });
    },
    issues: [['UnreachableDialog', `${D}.dialogs[5]`]],
  },
  {
    name: 'a dialog without elements',
    mutate: (s) => {
      def(s).dialogs[3].elements = [];
    },
    issues: [['EmptyDialog', `${D}.dialogs[3].elements`]],
  },
  // ---- intents
  {
    name: 'two intents with one name',
    mutate: (s) => {
      def(s).intents[1].name = 'order_status';
      def(s).dialogs[0].elements[3].route.intents[1].intent = 'order_status';
    },
    issues: [['DuplicateIntent', `${D}.intents[1].name`]],
  },
  {
    name: 'fewer than 10 distinct phrases (case and punctuation do not count)',
    mutate: (s) => {
      def(s).intents[1].trainingPhrases = [
        ...REFUND_PHRASES.slice(0, 8),
        'Refund please!',
        'REFUND   please',
        'money back',
        'Money back?',
      ];
    },
    issues: [['TooFewTrainingPhrases', `${D}.intents[1].trainingPhrases`]],
  },
  {
    name: 'more than 1000 phrases',
    mutate: (s) => {
      def(s).intents[0].trainingPhrases = many(1001, (i) => `where is my order number ${i}`);
    },
    issues: [
      ['TooManyTrainingPhrases', `${D}.intents[0].trainingPhrases`],
      ['TrainingPhrasesUnbalanced', `${D}.intents[1].trainingPhrases`],
    ],
  },
  {
    name: 'the same phrase in two intents (case and punctuation do not count)',
    mutate: (s) => {
      def(s).intents[0].trainingPhrases[9] = 'I have a question';
      def(s).intents[1].trainingPhrases[9] = 'i have a QUESTION?';
    },
    issues: [['PhraseInSeveralIntents', `${D}.intents[1].trainingPhrases[9]`]],
  },
  {
    name: 'an intent with far more phrases than the others',
    mutate: (s) => {
      def(s).intents.push(
        { name: 'opening_hours', trainingPhrases: many(10, (i) => `when do you open on day ${i}`) },
        { name: 'greeting', trainingPhrases: many(25, (i) => `hello there friend number ${i}`) },
      );
    },
    issues: [['TrainingPhrasesUnbalanced', `${D}.intents[3].trainingPhrases`]],
  },
  {
    name: 'a phrase the matcher routes to another intent',
    mutate: (s) => {
      def(s).intents[0].trainingPhrases[9] = 'where is my refund';
    },
    issues: [['IntentConfusion', `${D}.intents[0].trainingPhrases[9]`]],
  },
  {
    name: 'intents too large for the confusion check',
    mutate: () => {},
    ctx: { ...context, intentConfusion: { maxWork: 10 } },
    issues: [['IntentConfusionNotChecked', `${D}.intents`]],
  },
  {
    name: 'the confusion check still running elsewhere (the operator’s worker thread)',
    mutate: () => {},
    ctx: { ...context, confusionReport: () => 'pending' },
    issues: [['IntentConfusionPending', `${D}.intents`]],
  },
  {
    name: 'the confusion check done elsewhere: its report decides',
    mutate: (s) => {
      def(s).intents[0].trainingPhrases[9] = 'where is my refund';
    },
    ctx: { ...context, confusionReport: (intents) => findIntentConfusions(intents) },
    issues: [['IntentConfusion', `${D}.intents[0].trainingPhrases[9]`]],
  },
  {
    name: 'more training than the runtime serves (200 intents of 251 phrases)',
    mutate: (s) => {
      // The routes' intents (order_status, refund) stay declared among them.
      const names = def(s).intents.map((i: { name: string }) => i.name);
      def(s).intents = Array.from({ length: 200 }, (_, i) => ({
        name: names[i] ?? `i${i}`,
        trainingPhrases: many(251, (j) => `p ${i} ${j}`),
      }));
    },
    issues: [['IntentTrainingTooLarge', `${D}.intents`]],
  },
  {
    name: 'a definition over 1 MiB of JSON',
    mutate: (s) => {
      def(s).dialogs.push({
        name: 'huge',
        elements: Array.from({ length: 300 }, (_, i) => ({ text: `${i} ${'x'.repeat(4000)}` })),
      });
    },
    issues: [['DefinitionTooLarge', `${D}`]],
  },
  // ---- channel limits
  {
    name: 'WhatsApp: 4 buttons',
    mutate: (s) => {
      def(s).dialogs[0].elements[1].buttons.items.push({ caption: 'C' }, { caption: 'D' });
    },
    issues: [['ButtonsTooMany', `${buttons}.items`]],
  },
  {
    name: 'WhatsApp: caption of 21 characters',
    mutate: (s) => {
      def(s).dialogs[0].elements[1].buttons.items[0].caption = 'x'.repeat(21);
    },
    issues: [['ButtonCaptionTooLong', `${buttons}.items[0].caption`]],
  },
  {
    name: 'WhatsApp: caption of 20 emoji is fine (code points, not UTF-16 units)',
    mutate: (s) => {
      def(s).dialogs[0].elements[1].buttons.items[0].caption = '😀'.repeat(20);
    },
    issues: [],
  },
  {
    name: 'WhatsApp: button message of 1025 characters',
    mutate: (s) => {
      def(s).dialogs[0].elements[1].buttons.message = 'x'.repeat(1025);
    },
    issues: [['MessageTooLong', `${buttons}.message`]],
  },
  {
    name: 'WhatsApp: text message of 4097 characters',
    mutate: (s) => {
      def(s).dialogs[0].elements[0].text = 'x'.repeat(4097);
    },
    issues: [['MessageTooLong', `${welcome}.elements[0].text`]],
  },
  {
    name: 'WhatsApp: goodbye message of 4097 characters',
    mutate: (s) => {
      def(s).dialogs[1].elements[1].closeSession = { message: 'x'.repeat(4097) };
    },
    issues: [['MessageTooLong', `${D}.dialogs[1].elements[1].closeSession.message`]],
  },
  {
    name: 'WhatsApp: plain http URL',
    mutate: (s) => {
      def(s).dialogs[0].elements[1].buttons.items[1].url = 'http://acme.example';
    },
    issues: [['ButtonUrlNotHttps', `${buttons}.items[1].url`]],
  },
  {
    name: 'Messenger: caption of 21 characters',
    mutate: (s) => {
      s.channel = 'Messenger';
      def(s).dialogs[0].elements[1].buttons.items[0].caption = 'x'.repeat(21);
    },
    ctx: contextWith(exampleSender('acme-whatsapp', { channel: 'Messenger', address: 'page-1' })),
    issues: [['ButtonCaptionTooLong', `${buttons}.items[0].caption`]],
  },
  {
    name: 'SMS: no button limits, http allowed',
    mutate: (s) => {
      s.channel = 'SMS';
      const b = def(s).dialogs[0].elements[1].buttons;
      b.items.push(
        { caption: 'x'.repeat(40) },
        { caption: 'D' },
        { caption: 'E', url: 'http://acme.example' },
      );
    },
    ctx: contextWith(exampleSender('acme-whatsapp', { channel: 'SMS' })),
    issues: [],
  },
  // ---- schedule
  {
    name: 'time zone that is not IANA',
    mutate: (s) => {
      s.schedule!.timeZone = 'Mars/Olympus_Mons';
    },
    issues: [['InvalidTimeZone', 'spec.schedule.timeZone']],
  },
  {
    name: 'cron with 4 fields',
    mutate: (s) => {
      s.schedule!.windows![0]!.activate = '0 8 * *';
    },
    issues: [['InvalidCron', 'spec.schedule.windows[0].activate']],
  },
  {
    name: 'cron with minute 61',
    mutate: (s) => {
      s.schedule!.windows![0]!.deactivate = '61 18 * * 1-5';
    },
    issues: [['InvalidCron', 'spec.schedule.windows[0].deactivate']],
  },
  {
    name: 'February 30th',
    mutate: (s) => {
      s.schedule!.activateAt = '2026-02-30T10:00';
    },
    issues: [['InvalidWallTime', 'spec.schedule.activateAt']],
  },
  {
    name: 'hour 24',
    mutate: (s) => {
      s.schedule!.deactivateAt = '2026-12-24T24:00';
    },
    issues: [['InvalidWallTime', 'spec.schedule.deactivateAt']],
  },
  {
    name: 'a time skipped by daylight saving',
    mutate: (s) => {
      s.schedule!.activateAt = '2026-03-29T02:30';
    },
    issues: [['WallTimeInDstGap', 'spec.schedule.activateAt']],
  },
  // ---- schema and CEL rules (checkSchema)
  {
    name: 'state outside the enum',
    mutate: (s) => {
      (s as Any).state = 'Paused';
    },
    issues: [['SchemaViolation', 'spec.state']],
  },
  {
    name: 'a misspelled field',
    mutate: (s) => {
      def(s).dialogs[2].elements[1] = { goto: 'human' };
    },
    issues: [
      ['SchemaViolation', `${D}.dialogs[2].elements[1]`],
      ['UnknownField', `${D}.dialogs[2].elements[1].goto`],
    ],
  },
  {
    name: 'schedule without timeZone',
    mutate: (s) => {
      delete s.schedule!.timeZone;
    },
    issues: [['ScheduleTimeZoneMissing', 'spec.schedule.timeZone']],
  },
  {
    name: 'deactivateAt before activateAt',
    mutate: (s) => {
      s.schedule!.deactivateAt = '2026-11-30T09:00';
    },
    issues: [['ScheduleDeactivateBeforeActivate', 'spec.schedule.deactivateAt']],
  },
  {
    name: 'deactivation scheduled on an inactive bot without activation',
    mutate: (s) => {
      delete s.schedule!.activateAt;
      delete s.schedule!.windows;
    },
    issues: [['DeactivationWithoutActivation', 'spec.schedule.deactivateAt']],
  },
  ...(
    [
      ['takeover', 'spec.takeover.gracePeriod'],
      ['redeploy', 'spec.redeploy.gracePeriod'],
      ['deactivation', 'spec.deactivation.gracePeriod'],
    ] as const
  ).map(
    ([field, path]): Row => ({
      name: `${field}.gracePeriod that is not a duration`,
      mutate: (s) => {
        (s as Any)[field].gracePeriod = '15 minutes';
      },
      issues: [['InvalidDuration', path]],
    }),
  ),
  {
    name: 'sessionTimeout that is not a duration',
    mutate: (s) => {
      s.sessionTimeout = '1d';
    },
    issues: [['InvalidDuration', 'spec.sessionTimeout']],
  },
];

describe('validateChatbot', () => {
  it('finds no issue in the example bot', () => {
    expect(validateChatbot(exampleChatbot(), context)).toEqual([]);
  });

  it('finds no issue in a generated 50-dialog bot', () => {
    expect(validateChatbot(generateChatbot(50, 0), context)).toEqual([]);
  });

  it.each(rows)('$name', ({ mutate, ctx, issues }) => {
    expect(found(validate(mutate, ctx))).toEqual(expected(...issues));
  });

  it('does not modify its input', () => {
    const bot = exampleChatbot();
    (bot.spec.definition as Any).dialogs[0].elements[1].buttons.items[0].caption = '';
    const before = structuredClone(bot);
    validateChatbot(bot, context);
    expect(bot).toEqual(before);
  });
});

describe('messages users see', () => {
  it.each<[keyof typeof SEED_MESSAGES, (s: Spec) => void]>([
    [
      'ButtonMessageEmpty',
      (s) => {
        def(s).dialogs[0].elements[1].buttons.message = '';
      },
    ],
    [
      'ButtonCaptionEmpty',
      (s) => {
        def(s).dialogs[0].elements[1].buttons.items[0].caption = ' ';
      },
    ],
    [
      'ButtonUrlEmpty',
      (s) => {
        def(s).dialogs[0].elements[1].buttons.items[1].url = '';
      },
    ],
    [
      'ChannelSenderUndefined',
      (s) => {
        delete s.channel;
      },
    ],
    [
      'TrainingPhrasesUnbalanced',
      (s) => {
        def(s).intents.push({ name: 'x', trainingPhrases: many(41, (i) => `x ${i}`) });
      },
    ],
  ])('%s has the seed message verbatim', (code, mutate) => {
    const issue = validate(mutate).find((i) => i.code === code);
    expect(issue?.message).toBe(SEED_MESSAGES[code]);
    expect(issue?.hint).toMatch(/^[A-Z].*\.$/);
  });

  it('names the Sender when it does not exist', () => {
    const [issue] = validate((s) => {
      s.senderRef = { name: 'ghost' };
    });
    expect(issue?.message).toBe(
      'Chatbot channel and sender must be defined: Sender "ghost" does not exist in the chatbot’s namespace',
    );
  });

  it('names both channels on a mismatch', () => {
    const [issue] = validate(() => {}, contextWith(exampleSender('acme-whatsapp', { channel: 'SMS' })));
    expect(issue?.message).toBe(
      'Chatbot channel and sender must be defined: the chatbot’s channel is "WhatsApp" but Sender "acme-whatsapp" is on channel "SMS"',
    );
    expect(issue?.hint).toBe('Set spec.channel to SMS or refer to a WhatsApp Sender.');
  });

  it('names the intent a confused phrase is matched to', () => {
    const issue = validate((s) => {
      def(s).intents[0].trainingPhrases[9] = 'where is my refund';
    }).find((i) => i.code === 'IntentConfusion');
    expect(issue?.message).toBe(
      'Incorrect intent is matched: training phrase "where is my refund" of intent "order_status" is matched to intent "refund"',
    );
  });

  it('names the other intent of a phrase in two intents', () => {
    const [issue] = validate((s) => {
      def(s).intents[0].trainingPhrases[9] = 'I have a question';
      def(s).intents[1].trainingPhrases[9] = 'i have a QUESTION?';
    });
    expect(issue?.message).toBe('Training phrase "i have a QUESTION?" is also in intent "order_status"');
  });

  it('gives the numbers of an unbalanced intent in the hint', () => {
    const issue = validate((s) => {
      def(s).intents.push({ name: 'big', trainingPhrases: many(41, (i) => `tell me about thing ${i}`) });
    }).find((i) => i.code === 'TrainingPhrasesUnbalanced');
    expect(issue?.hint).toBe(
      'Intent "big" has 41 distinct training phrases while the median of all intents is 10: give it between 5 and 20.',
    );
  });

  it('says which field of a wall time is wrong', () => {
    const [issue] = validate((s) => {
      s.schedule!.activateAt = '2026-02-30T10:00';
    });
    expect(issue?.message).toBe(
      '"2026-02-30T10:00" is not a real date and time: day 30 does not exist in 2026-02',
    );
  });
});

describe('malformed input', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'kind: Chatbot'],
    ['an object without spec', { kind: 'Chatbot' }],
  ])('reports a missing spec for %s', (_, input) => {
    expect(found(validateChatbot(input, context))).toEqual(expected(['SchemaViolation', 'spec']));
  });

  it('reports a spec that is not an object', () => {
    expect(validateChatbot({ spec: [1, 2] }, context)).toEqual([
      {
        severity: 'Error',
        code: 'SchemaViolation',
        path: 'spec',
        message: 'must be of type object',
        hint: 'Write an object here.',
      },
    ]);
  });

  it('reports a manifest whose getters throw instead of throwing', () => {
    const evil = {
      get spec() {
        throw new Error('boom');
      },
    };
    expect(found(validateChatbot(evil, context))).toEqual(expected(['SchemaViolation', 'spec']));
  });

  it('still checks what it can in a half-broken bot', () => {
    const issues = validateChatbot(
      {
        spec: {
          channel: 42,
          senderRef: 'acme',
          definition: {
            startDialog: 'a',
            dialogs: [null, { name: 'a', elements: 'x' }, { name: 'a', elements: [{ goTo: 'b' }] }],
            intents: [{ name: 'i', trainingPhrases: ['hello', 7] }],
          },
        },
      },
      context,
    );
    const codes = new Set(issues.map((i) => i.code));
    expect([...codes].sort()).toEqual([
      'DuplicateDialog',
      'SchemaViolation',
      'TooFewTrainingPhrases',
      'UnknownDialog',
    ]);
    expect(issues.find((i) => i.code === 'UnknownDialog')?.path).toBe(`${D}.dialogs[2].elements[0].goTo`);
  });
});

describe('order and summaries', () => {
  it('sorts by path with indexes in numeric order, then by code', () => {
    const issues = validate((s) => {
      const dialogs = def(s).dialogs;
      for (let i = 0; i < 11; i++) dialogs.push({ name: `extra${i}`, elements: [] });
    });
    const paths = issues.map((i) => i.path);
    expect(paths.slice(0, 4)).toEqual([
      `${D}.dialogs[5]`,
      `${D}.dialogs[5].elements`,
      `${D}.dialogs[6]`,
      `${D}.dialogs[6].elements`,
    ]);
    expect(paths.at(-2)).toBe(`${D}.dialogs[15]`);
    expect(issues.slice(0, 2).map((i) => i.code)).toEqual(['UnreachableDialog', 'EmptyDialog']);
    expect([...paths].sort(comparePaths)).toEqual(paths);
  });

  it('orders paths segment by segment', () => {
    expect(['spec.b', 'spec.a[10]', 'spec.a[2].x', 'spec.a[2]', 'spec', 'spec.a'].sort(comparePaths)).toEqual(
      ['spec', 'spec.a', 'spec.a[2]', 'spec.a[2].x', 'spec.a[10]', 'spec.b'],
    );
  });
});

describe('validateSender', () => {
  const sender = (spec: Record<string, unknown>): Sender => ({ ...exampleSender(), spec: spec as Any });

  it.each<{ name: string; spec: Record<string, unknown>; issues: [IssueCode, string][] }>([
    {
      name: 'a valid sender',
      spec: { channel: 'WhatsApp', address: '+385911234567', credentialsSecretRef: { name: 'wa' } },
      issues: [],
    },
    {
      name: 'a WhatsApp sender without credentials (nothing could verify or send its messages)',
      spec: { channel: 'WhatsApp', address: '+385911234567' },
      issues: [['CredentialsMissing', 'spec.credentialsSecretRef']],
    },
    {
      name: 'an Http sender with any id',
      spec: { channel: 'Http', address: 'web-1', credentialsSecretRef: { name: 'web' } },
      issues: [],
    },
    {
      name: 'an Http sender without credentials: open to anyone, a warning',
      spec: { channel: 'Http', address: 'web-1' },
      issues: [['HttpSenderOpen', 'spec.credentialsSecretRef']],
    },
    {
      name: 'a phone address that is not E.164',
      spec: { channel: 'SMS', address: '0911234567' },
      issues: [['AddressNotE164', 'spec.address']],
    },
    {
      name: 'a test sender without verifiedNumber',
      spec: {
        channel: 'WhatsApp',
        address: '+385911234567',
        credentialsSecretRef: { name: 'wa' },
        test: true,
      },
      issues: [['VerifiedNumberMissing', 'spec.verifiedNumber']],
    },
    {
      name: 'no address',
      spec: { channel: 'Telegram' },
      issues: [['SchemaViolation', 'spec.address']],
    },
  ])('$name', ({ spec, issues }) => {
    expect(found(validateSender(sender(spec)))).toEqual(expected(...issues));
  });
});

describe('the code list', () => {
  it('has every code exercised by a test above with its severity', () => {
    const exercised = new Set<string>([
      ...rows.flatMap((r) => r.issues.map(([code]) => code)),
      'AddressNotE164',
      'VerifiedNumberMissing',
      'CredentialsMissing',
      'HttpSenderOpen',
    ]);
    expect(ALL_CODES.map((c) => c.code).filter((c) => !exercised.has(c))).toEqual([]);
  });

  it('lists severities', () => {
    expect(ALL_CODES.find((c) => c.code === 'TrainingPhrasesUnbalanced')?.severity).toBe('Warning');
    expect(ALL_CODES.find((c) => c.code === 'ButtonUrlEmpty')?.severity).toBe('Error');
  });
});
