// Each element kind, one small definition per row: the replies to each message of a conversation.
import { describe, expect, it } from 'vitest';
import type { Definition, Element } from '../../api/schema.ts';
import { compileBot } from './compile.ts';
import {
  converse,
  definition,
  MINUTE,
  ORDER_PHRASES,
  REFUND_PHRASES,
  type Said,
  show,
  T0,
} from './fixtures.ts';
import { step } from './step.ts';
import { buttonId } from './text.ts';
import type { Inbound } from './types.ts';

type Row = [title: string, def: Definition, messages: (string | Inbound)[], transcript: string[][]];

describe('text', () => {
  it.each<[string, string, Record<string, string>, string]>([
    ['an attribute', 'Hi {{name}}!', { name: 'Ana' }, 'Hi Ana!'],
    ['a missing attribute (empty, never "undefined")', 'Hi {{name}}!', {}, 'Hi !'],
    ['spaces inside the braces', 'Hi {{ name }}!', { name: 'Ana' }, 'Hi Ana!'],
    ['two attributes', '{{greeting}}, {{ name }}.', { name: 'Ana', greeting: 'Bok' }, 'Bok, Ana.'],
  ])('sends its text with %s filled in', (_, text, attributes, expected) => {
    const { transcript } = converse(definition({ welcome: [{ text }] }), ['hi'], { attributes });
    expect(transcript).toEqual([[expected]]);
  });

  it('sends nothing for a text that is empty once filled in (channels reject empty messages)', () => {
    const def = definition({ welcome: [{ text: '{{missing}} ' }, { text: 'next' }] });
    expect(converse(def, ['hi']).transcript).toEqual([['next']]);
  });

  it('runs elements in order within one message', () => {
    const def = definition({ welcome: [{ text: 'one' }, { text: 'two' }, { text: 'three' }] });
    expect(converse(def, ['hi']).transcript).toEqual([['one', 'two', 'three']]);
  });
});

describe('buttons', () => {
  const menu = (fallback: boolean) =>
    definition(
      {
        welcome: [
          {
            buttons: {
              message: 'Pick one, {{name}}',
              items: [
                { caption: 'Orders', goTo: 'orders' },
                { caption: 'Help' },
                { caption: 'Site', url: 'https://acme.example' },
              ],
            },
          },
          { text: 'after the buttons' },
        ],
        orders: [{ text: 'orders here' }],
        sorry: [{ text: 'sorry, pick a button' }],
      },
      fallback ? { fallbackDialog: 'sorry' } : {},
    );
  const asked = 'Pick one,  [Orders] [Help] [Site -> https://acme.example]';

  it.each<Row>([
    [
      'a press by stable id follows goTo',
      menu(true),
      ['hi', { button: buttonId('welcome', 0, 0) }],
      [[asked], ['orders here']],
    ],
    ['a caption, case-insensitive and trimmed', menu(true), ['hi', '  oRDERS '], [[asked], ['orders here']]],
    [
      'a caption sent as a button press',
      menu(true),
      ['hi', { button: 'orders' }],
      [[asked], ['orders here']],
    ],
    [
      'a reply button without goTo continues with the next element',
      menu(true),
      ['hi', 'help'],
      [[asked], ['after the buttons']],
    ],
    ['unmatched: fallbackDialog', menu(true), ['hi', 'what?'], [[asked], ['sorry, pick a button']]],
    [
      'unmatched without fallbackDialog: the buttons again, still waiting',
      menu(false),
      ['hi', 'what?', 'Orders'],
      [[asked], [asked], ['orders here']],
    ],
    ['a URL button caption is not a reply', menu(false), ['hi', 'Site'], [[asked], [asked]]],
    [
      'a URL button id is not a reply',
      menu(false),
      ['hi', { button: buttonId('welcome', 0, 2) }],
      [[asked], [asked]],
    ],
    [
      'URL-only buttons never wait',
      definition({
        welcome: [
          { buttons: { message: 'See', items: [{ caption: 'Site', url: 'https://x' }] } },
          { text: 'next' },
        ],
      }),
      ['hi'],
      [['See [Site -> https://x]', 'next']],
    ],
    [
      'no items: the message is sent as text and nothing waits',
      definition({ welcome: [{ buttons: { message: 'Just this', items: [] } }, { text: 'next' }] }),
      ['hi'],
      [['Just this', 'next']],
    ],
    [
      "another element's button id stands for its caption",
      definition({
        welcome: [{ buttons: { message: 'A', items: [{ caption: 'Yes', goTo: 'first' }] } }],
        first: [
          { buttons: { message: 'B', items: [{ caption: 'No' }, { caption: 'yes', goTo: 'second' }] } },
        ],
        second: [{ text: 'second' }],
      }),
      ['hi', 'yes', { button: buttonId('welcome', 0, 0) }],
      [['A [Yes]'], ['B [No] [yes]'], ['second']],
    ],
  ])('%s', (_, def, messages, transcript) => {
    expect(converse(def, messages, { attributes: { name: '' } }).transcript).toEqual(transcript);
  });

  it('sends each reply button with its stable id, and URL buttons with their url', () => {
    const { outputs } = converse(menu(false), ['hi']);
    expect(outputs[0]!.replies).toEqual([
      {
        buttons: {
          message: 'Pick one, ',
          items: [
            { id: 'b:0:0:welcome', caption: 'Orders' },
            { id: 'b:0:1:welcome', caption: 'Help' },
            { id: 'b:0:2:welcome', caption: 'Site', url: 'https://acme.example' },
          ],
        },
      },
    ]);
    expect(outputs[0]!.state).toMatchObject({ dialog: 'welcome', element: 0, waiting: 'buttons' });
  });
});

describe('userInput', () => {
  const def = definition({
    welcome: [{ text: 'Your name?' }, { userInput: { saveAs: 'name' } }, { text: 'Hello {{ name }}!' }],
  });

  it('waits, saves the answer under saveAs, and the next text uses it', () => {
    const { transcript, state } = converse(def, ['hi', 'Ana']);
    expect(transcript).toEqual([['Your name?'], ['Hello Ana!']]);
    expect(state?.attributes).toEqual({ name: 'Ana' });
  });

  it('saves the caption of a pressed button, not its id', () => {
    const withButton = definition({
      welcome: [
        { buttons: { message: 'Pick', items: [{ caption: 'Tea' }] } },
        { userInput: { saveAs: 'drink' } },
        { text: '{{drink}}' },
      ],
    });
    const { transcript } = converse(withButton, ['hi', 'tea', { button: buttonId('welcome', 0, 0) }]);
    expect(transcript).toEqual([['Pick [Tea]'], [], ['Tea']]);
  });

  it('keeps any attribute name as data (no prototype games) and cuts long answers', () => {
    const odd = definition({
      welcome: [
        { userInput: { saveAs: '__proto__' } },
        { userInput: { saveAs: 'long' } },
        { text: '{{__proto__}}' },
      ],
    });
    const { transcript, state } = converse(odd, ['hi', 'x', 'y'.repeat(10_000)]);
    expect(transcript).toEqual([[], [], ['x']]);
    expect(Object.hasOwn(state!.attributes, '__proto__')).toBe(true);
    expect(state!.attributes.long).toHaveLength(4096);
  });
});

describe('route', () => {
  const routes = (
    route: NonNullable<Definition['dialogs'][number]['elements'][number]['route']>,
    extra = {},
  ) =>
    definition(
      {
        welcome: [{ route }, { text: 'next element' }],
        orders: [{ text: 'orders' }],
        refunds: [{ text: 'refunds' }],
        human: [{ text: 'human' }],
        other: [{ text: 'other' }],
        sorry: [{ text: 'sorry' }],
      },
      {
        intents: [
          { name: 'order_status', trainingPhrases: ORDER_PHRASES },
          { name: 'refund', trainingPhrases: REFUND_PHRASES },
        ],
        ...extra,
      },
    );
  const full = routes({
    intents: [
      { intent: 'order_status', goTo: 'orders' },
      { intent: 'refund', goTo: 'refunds' },
    ],
    keywords: [{ match: ['agent', 'speak with someone'], goTo: 'human' }],
    otherwise: 'other',
  });

  it.each<[string, Definition, string, string]>([
    ['by intent', full, 'where is my order?', 'orders'],
    ['by the other intent', full, 'I want my money back', 'refunds'],
    ['by keyword (whole word)', full, 'an agent now', 'human'],
    ['by keyword, any case', full, 'AGENT!', 'human'],
    ['by a multi-word keyword as a phrase', full, 'could we speak with someone', 'human'],
    ['not by part of a word ("agents" is not "agent")', full, 'agents', 'other'],
    ['not by the words of a phrase out of order', full, 'someone with speak', 'other'],
    ['otherwise when nothing matches', full, 'hello there', 'other'],
    [
      'only an intent the route lists (the best intent is order_status, not listed)',
      routes({ intents: [{ intent: 'refund', goTo: 'refunds' }], otherwise: 'other' }),
      'where is my order',
      'other',
    ],
    [
      'intents before keywords',
      routes({
        intents: [{ intent: 'order_status', goTo: 'orders' }],
        keywords: [{ match: ['order'], goTo: 'human' }],
      }),
      'where is my order',
      'orders',
    ],
    [
      'keywords in order: the first that matches',
      routes({
        keywords: [
          { match: ['b'], goTo: 'human' },
          { match: ['a'], goTo: 'other' },
        ],
      }),
      'a b',
      'human',
    ],
    [
      'fallbackDialog without otherwise',
      routes({ keywords: [{ match: ['agent'], goTo: 'human' }] }, { fallbackDialog: 'sorry' }),
      'hello',
      'sorry',
    ],
    [
      'the next element without otherwise and fallbackDialog',
      routes({ keywords: [{ match: ['agent'], goTo: 'human' }] }),
      'hello',
      'next element',
    ],
  ])('routes the first message %s', (_, def, message, expected) => {
    expect(converse(def, [message]).transcript).toEqual([[expected]]);
  });

  it.each<Row>([
    [
      'routes a held message once: a second route waits for the next message',
      definition({
        welcome: [
          { route: { keywords: [{ match: ['menu'], goTo: 'menu' }] } },
          { text: 'yes or no?' },
          { route: { keywords: [{ match: ['yes'], goTo: 'yes' }], otherwise: 'no' } },
        ],
        menu: [{ text: 'menu' }],
        yes: [{ text: 'yes!' }],
        no: [{ text: 'no!' }],
      }),
      ['yes', 'yes'],
      [['yes or no?'], ['yes!']],
    ],
    [
      'routes the answer a userInput just saved',
      definition({
        welcome: [
          { text: 'How can I help?' },
          { userInput: { saveAs: 'q' } },
          { route: { keywords: [{ match: ['agent'], goTo: 'human' }], otherwise: 'other' } },
        ],
        human: [{ text: 'human for "{{q}}"' }],
        other: [{ text: 'other' }],
      }),
      ['hi', 'an agent'],
      [['How can I help?'], ['human for "an agent"']],
    ],
    [
      'holds the first message across goTo',
      definition({
        welcome: [{ goTo: 'menu' }],
        menu: [{ route: { keywords: [{ match: ['hi'], goTo: 'greet' }] } }],
        greet: [{ text: 'hello!' }],
      }),
      ['hi'],
      [['hello!']],
    ],
    [
      'a button press is not held: the route after it waits',
      definition({
        welcome: [
          { buttons: { message: 'Go?', items: [{ caption: 'agent' }] } },
          { route: { keywords: [{ match: ['agent'], goTo: 'human' }], otherwise: 'other' } },
        ],
        human: [{ text: 'human' }],
        other: [{ text: 'other' }],
      }),
      ['agent', 'agent', 'hmm'],
      [['Go? [agent]'], [], ['other']],
    ],
  ])('%s', (_, def, messages, transcript) => {
    expect(converse(def, messages).transcript).toEqual(transcript);
  });

  it('trains the matcher once, lazily, and only when a route uses intents', () => {
    const bot = compileBot(full);
    expect(bot.usesIntents).toBe(true);
    const matcher = bot.intentMatcher();
    expect(matcher?.intents).toEqual(['order_status', 'refund']);
    expect(bot.intentMatcher()).toBe(matcher);
    const keywordsOnly = compileBot(routes({ keywords: [{ match: ['agent'], goTo: 'human' }] }));
    expect(keywordsOnly.usesIntents).toBe(false);
    expect(keywordsOnly.intentMatcher()).toBeUndefined();
    expect(compileBot(full, { language: 'es' }).intentMatcher()?.language).toBe('es');
  });
});

describe('goTo, toAgent, closeSession', () => {
  it('goTo jumps to the first element of a dialog', () => {
    const def = definition({
      welcome: [{ text: 'a' }, { goTo: 'b' }, { text: 'never' }],
      b: [{ text: 'b' }],
    });
    expect(converse(def, ['hi']).transcript).toEqual([['a', 'b']]);
  });

  it('toAgent hands the session over; the bot stays silent until the session expires', () => {
    const def = definition({ welcome: [{ text: 'connecting' }, { toAgent: { queue: 'support' } }] });
    const { outputs } = converse(def, [
      'hi',
      'hello?',
      'anyone?',
      { text: 'much later', at: 5 * 60 * MINUTE },
    ]);
    expect(outputs.map((o) => [o.outcome, o.replies.map(show), o.handedOff, o.started, o.expired])).toEqual([
      ['handedOff', ['connecting'], true, true, false],
      ['ignored', [], true, false, false],
      ['ignored', [], true, false, false],
      // A new session (the handed-off one expired), which runs into toAgent again.
      ['handedOff', ['connecting'], true, true, true],
    ]);
    expect(outputs[0]!.queue).toBe('support');
    // Messages to the agent keep the session alive: each one counts as activity.
    expect(outputs[2]!.state).toMatchObject({ handedOff: true, queue: 'support', lastActivityAt: T0 + 2000 });
  });

  it('closeSession sends its message and ends the session; the next message starts a new one', () => {
    const def = definition({
      welcome: [
        { text: 'Hello {{name}}' },
        { userInput: { saveAs: 'name' } },
        { closeSession: { message: 'Bye {{name}}' } },
      ],
    });
    const { outputs, transcript } = converse(def, ['hi', 'Ana', 'hi again']);
    expect(transcript).toEqual([['Hello '], ['Bye Ana'], ['Hello ']]);
    expect(outputs.map((o) => [o.outcome, o.closed, o.started, o.state === undefined])).toEqual([
      ['replied', false, true, false],
      ['closed', true, false, true],
      ['replied', false, true, false],
    ]);
  });

  it('closeSession without a message sends nothing', () => {
    const def = definition({ welcome: [{ text: 'bye' }, { closeSession: {} }] });
    expect(converse(def, ['hi']).transcript).toEqual([['bye']]);
  });
});

describe('the message itself', () => {
  it('any shape of message is some text (a malformed one is empty)', () => {
    const bot = compileBot(
      definition({ welcome: [{ route: { keywords: [{ match: ['x'], goTo: 'x' }] } }, { text: 'ok' }] }),
    );
    for (const message of [{}, null, { text: 5 }, { button: null }] as unknown as Inbound[]) {
      const out = step({ bot, state: undefined, message, now: 0, sessionTimeoutMs: 1 });
      expect(out.replies).toEqual([{ text: 'ok' }]);
    }
  });
});

describe('a message the bot cannot read (an image, a location...)', () => {
  const dialogs = {
    welcome: [{ text: 'Hi!' }, { userInput: { saveAs: 'order' } }, { text: 'Order {{order}}' }] as Element[],
    fallback: [{ text: 'Sorry, I can only read text.' }] as Element[],
  };
  it.each<[string, Definition, Said[], string[][]]>([
    [
      'gets the fallback dialog, also as a first message',
      definition(dialogs, { fallbackDialog: 'fallback' }),
      [{ unsupported: 'image' }, 'hi', { unsupported: 'location' }],
      [['Sorry, I can only read text.'], ['Hi!'], ['Sorry, I can only read text.']],
    ],
    [
      'without a fallback an open session ignores it and keeps waiting',
      definition(dialogs),
      ['hi', { unsupported: 'sticker' }, 'A-1'],
      [['Hi!'], [], ['Order A-1']],
    ],
    [
      'without a fallback a first message starts the session as any message would',
      definition(dialogs),
      [{ unsupported: 'audio' }, 'A-2'],
      [['Hi!'], ['Order A-2']],
    ],
  ])('%s', (_name, def, said, transcript) => {
    expect(converse(def, said).transcript).toEqual(transcript);
  });
});
