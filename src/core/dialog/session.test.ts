// The session around the elements: where it starts, what happens when a dialog runs out, the idle
// timeout, loops, and definitions with faults (never an exception).
import { describe, expect, it } from 'vitest';
import type { Definition } from '../../api/schema.ts';
import { compileBot } from './compile.ts';
import { converse, definition, MINUTE, show, T0, TIMEOUT } from './fixtures.ts';
import { step } from './step.ts';
import type { SessionState } from './types.ts';

const askName = definition({
  welcome: [{ text: 'Hello {{name}}' }, { userInput: { saveAs: 'name' } }, { text: 'Thanks {{name}}' }],
});

describe('where a session starts', () => {
  it.each<[string, Definition, string]>([
    ['startDialog', definition({ a: [{ text: 'a' }], b: [{ text: 'b' }] }, { startDialog: 'b' }), 'b'],
    ['the first dialog without startDialog', definition({ a: [{ text: 'a' }], b: [{ text: 'b' }] }), 'a'],
    [
      'the first dialog with an empty startDialog',
      definition({ a: [{ text: 'a' }] }, { startDialog: '' }),
      'a',
    ],
  ])('%s', (_, def, expected) => {
    const { outputs } = converse(def, ['hi']);
    expect(outputs[0]!.replies.map(show)).toEqual([expected]);
    expect(outputs[0]!.started).toBe(true);
  });

  it('seeds attributes into a new session only', () => {
    const { transcript } = converse(
      definition({
        welcome: [{ text: 'Hi {{name}}' }, { userInput: { saveAs: 'x' } }, { text: 'Still {{name}}' }],
      }),
      ['hi', 'x'],
      { attributes: { name: 'Ana' } },
    );
    expect(transcript).toEqual([['Hi Ana'], ['Still Ana']]);
    const bot = compileBot(askName);
    const first = step({
      bot,
      state: undefined,
      message: { text: 'hi' },
      now: T0,
      sessionTimeoutMs: TIMEOUT,
    });
    const second = step({
      bot,
      state: first.state,
      message: { text: 'Ivo' },
      now: T0 + 1,
      sessionTimeoutMs: TIMEOUT,
      attributes: { name: 'Ana' },
    });
    expect(second.replies).toEqual([{ text: 'Thanks Ivo' }]);
  });
});

describe('a dialog that runs out of elements', () => {
  it('leaves the session waiting; the next message starts again at startDialog, attributes kept', () => {
    const { outputs, transcript } = converse(askName, ['hi', 'Ana', 'again']);
    expect(transcript).toEqual([['Hello '], ['Thanks Ana'], ['Hello Ana']]);
    expect(outputs[1]!.state).toMatchObject({ waiting: 'restart', attributes: { name: 'Ana' } });
    expect(outputs.map((o) => o.started)).toEqual([true, false, false]);
    expect(outputs[2]!.state?.startedAt).toBe(T0);
  });

  it('holds the message that starts it again, for a route to route', () => {
    const def = definition({
      welcome: [{ route: { keywords: [{ match: ['menu'], goTo: 'menu' }], otherwise: 'chat' } }],
      menu: [{ text: 'the menu' }],
      chat: [{ text: 'small talk' }],
    });
    expect(converse(def, ['hi', 'menu', 'ok']).transcript).toEqual([
      ['small talk'],
      ['the menu'],
      ['small talk'],
    ]);
  });
});

describe('the idle timeout', () => {
  it.each<[string, number, string[], boolean]>([
    ['a message just before the timeout continues the session', TIMEOUT - 1, ['Thanks Ana'], false],
    ['a message at the timeout starts a new session, attributes not kept', TIMEOUT, ['Hello '], true],
    ['a message long after starts a new session', 24 * 60 * MINUTE, ['Hello '], true],
  ])('%s', (_, idle, replies, expired) => {
    const { outputs } = converse(askName, [
      { text: 'hi', at: 0 },
      { text: 'Ana', at: idle },
    ]);
    expect(outputs[1]!.replies.map(show)).toEqual(replies);
    expect([outputs[1]!.expired, outputs[1]!.started]).toEqual([expired, expired]);
    if (expired) expect(outputs[1]!.state).toMatchObject({ startedAt: T0 + idle, attributes: {} });
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])(
    'a timeout of %d never expires a session',
    (timeout) => {
      const bot = compileBot(askName);
      const first = step({
        bot,
        state: undefined,
        message: { text: 'hi' },
        now: 0,
        sessionTimeoutMs: timeout,
      });
      const later = step({
        bot,
        state: first.state,
        message: { text: 'Ana' },
        now: 1e12,
        sessionTimeoutMs: timeout,
      });
      expect([later.expired, later.replies]).toEqual([false, [{ text: 'Thanks Ana' }]]);
    },
  );
});

describe('loops and the element bound', () => {
  const loop = definition({ a: [{ text: 'a' }, { goTo: 'b' }], b: [{ text: 'b' }, { goTo: 'a' }] });

  it('stops a loop that never waits, reports it, and the next message starts again', () => {
    const { outputs } = converse(loop, ['hi', 'hi']);
    for (const out of outputs) {
      expect(out.outcome).toBe('loopLimit');
      expect(out.replies.map(show)).toEqual(['a', 'b']);
      expect(out.faults).toEqual([{ code: 'Loop', dialog: 'b', element: 1, target: 'a' }]);
      expect(out.state).toMatchObject({ waiting: 'restart' });
    }
  });

  it('a dialog that goes to itself', () => {
    const out = converse(definition({ a: [{ goTo: 'a' }] }), ['hi']).outputs[0]!;
    expect([out.outcome, out.replies, out.elements]).toEqual(['loopLimit', [], 1]);
  });

  it('a loop through a route that routes the held message once, then waits: no loop', () => {
    const def = definition({
      a: [{ text: 'menu' }, { route: { keywords: [{ match: ['x'], goTo: 'x' }], otherwise: 'a' } }],
      x: [{ text: 'x' }],
    });
    const { outputs } = converse(def, ['hi', 'y', 'x']);
    expect(outputs.map((o) => [o.outcome, o.replies.map(show)])).toEqual([
      ['replied', ['menu', 'menu']],
      ['replied', ['menu']],
      ['replied', ['x']],
    ]);
  });

  it('bounds the elements run for one message (a long chain without a loop)', () => {
    const chain: Record<string, Definition['dialogs'][number]['elements']> = {};
    for (let d = 0; d < 6; d++) {
      chain[`d${d}`] = [
        ...Array.from({ length: 99 }, (_, i) => ({ text: `${d}.${i}` })),
        { goTo: `d${d + 1}` },
      ];
    }
    chain.d6 = [{ text: 'end' }];
    const out = converse(definition(chain), ['hi']).outputs[0]!;
    // 500 elements ran; the first 10 texts were answered (MAX_REPLIES_PER_MESSAGE), the rest not.
    expect([out.outcome, out.elements, out.replies.length]).toEqual(['loopLimit', 500, 10]);
    expect(out.replies.map(show)).toEqual(Array.from({ length: 10 }, (_, i) => `0.${i}`));
    expect(out.faults).toEqual([{ code: 'ReplyLimit' }, { code: 'ElementLimit', dialog: 'd5', element: 0 }]);
    const small = converse(definition(chain), ['hi'], { maxElements: 3 }).outputs[0]!;
    expect([small.outcome, small.replies.map(show)]).toEqual(['loopLimit', ['0.0', '0.1', '0.2']]);
  });
});

describe('faults in the definition: reported, never thrown', () => {
  it.each<[string, Definition | undefined, string[], string[], string[]]>([
    ['no definition', undefined, ['hi'], [], ['NoDefinition']],
    ['no dialogs', { dialogs: [] }, ['hi'], [], ['NoDefinition']],
    [
      'an unknown goTo: fallbackDialog',
      definition(
        { a: [{ text: 'a' }, { goTo: 'nowhere' }], sorry: [{ text: 'sorry' }] },
        { fallbackDialog: 'sorry' },
      ),
      ['hi'],
      ['a', 'sorry'],
      ['UnknownDialog'],
    ],
    [
      'an unknown goTo without fallbackDialog: stop, waiting',
      definition({ a: [{ text: 'a' }, { goTo: 'nowhere' }, { text: 'never' }] }),
      ['hi'],
      ['a'],
      ['UnknownDialog'],
    ],
    [
      'an empty dialog: fallbackDialog',
      definition(
        { a: [{ goTo: 'empty' }], empty: [], sorry: [{ text: 'sorry' }] },
        { fallbackDialog: 'sorry' },
      ),
      ['hi'],
      ['sorry'],
      ['EmptyDialog'],
    ],
    [
      'an unknown startDialog: fallbackDialog',
      definition({ sorry: [{ text: 'sorry' }] }, { startDialog: 'nowhere', fallbackDialog: 'sorry' }),
      ['hi'],
      ['sorry'],
      ['UnknownDialog'],
    ],
    [
      'an unknown fallbackDialog is none',
      definition({ a: [{ route: { keywords: [] } }, { text: 'next' }] }, { fallbackDialog: 'nowhere' }),
      ['hi'],
      ['next'],
      ['UnknownDialog'],
    ],
    [
      'a broken fallbackDialog is fallen back to once',
      definition(
        { a: [{ goTo: 'nowhere' }], sorry: [{ text: 'sorry' }, { goTo: 'gone' }] },
        { fallbackDialog: 'sorry' },
      ),
      ['hi'],
      ['sorry'],
      ['UnknownDialog', 'UnknownDialog'],
    ],
    [
      'an element of no known kind is skipped',
      { dialogs: [{ name: 'a', elements: [{} as never, { text: 'after' }] }] },
      ['hi'],
      ['after'],
      ['UnknownElement'],
    ],
  ])('%s', (_, def, messages, replies, codes) => {
    const out = converse(def, messages).outputs[0]!;
    expect(out.replies.map(show)).toEqual(replies);
    expect(out.faults.map((f) => f.code)).toEqual(codes);
    expect(out.outcome).toBe('brokenDefinition');
  });

  it('a definition of the wrong shape compiles to a bot that reports it', () => {
    for (const def of [
      null,
      'x',
      { dialogs: 'x' },
      { dialogs: [null, { name: 1 }] },
    ] as unknown as Definition[]) {
      const out = step({
        bot: compileBot(def),
        state: undefined,
        message: { text: 'hi' },
        now: T0,
        sessionTimeoutMs: 1,
      });
      expect([out.outcome, out.state]).toEqual(['brokenDefinition', undefined]);
    }
  });

  it('a session of a bot that lost its dialogs is closed', () => {
    const { state } = converse(askName, ['hi']);
    const out = step({
      bot: compileBot(undefined),
      state,
      message: { text: 'x' },
      now: T0 + 5,
      sessionTimeoutMs: TIMEOUT,
    });
    expect([out.closed, out.state, out.outcome]).toEqual([true, undefined, 'brokenDefinition']);
  });
});

describe('the stored state', () => {
  const bot = compileBot(askName);
  const at = (state: unknown) =>
    step({
      bot,
      state: state as SessionState,
      message: { text: 'Ana' },
      now: T0 + 10,
      sessionTimeoutMs: TIMEOUT,
    });

  it.each([
    [{}],
    ['x'],
    [{ v: 2, dialog: 'welcome' }],
    [{ ...converse(askName, ['hi']).state, element: -1 }],
  ])('a state that is not one (%j) starts a new session', (state) => {
    const out = at(state);
    expect([out.started, out.replies, out.faults]).toEqual([
      true,
      [{ text: 'Hello ' }],
      [{ code: 'InvalidState' }],
    ]);
  });

  it('a state whose position no longer fits starts again at startDialog, attributes kept', () => {
    const stale: SessionState = {
      v: 1,
      dialog: 'welcome',
      element: 0,
      waiting: 'userInput',
      attributes: { name: 'Ivo' },
      handedOff: false,
      startedAt: T0,
      lastActivityAt: T0,
    };
    const out = at(stale);
    expect([out.started, out.replies.map(show), out.faults.map((f) => f.code)]).toEqual([
      false,
      ['Hello Ivo'],
      ['InvalidState'],
    ]);
  });

  it('is plain JSON: position, what it waits for, attributes, hand-off and times', () => {
    const { state } = converse(askName, ['hi'], { attributes: { name: 'Ana' } });
    expect(state).toEqual({
      v: 1,
      dialog: 'welcome',
      element: 1,
      waiting: 'userInput',
      attributes: { name: 'Ana' },
      handedOff: false,
      startedAt: T0,
      lastActivityAt: T0,
    });
  });
});
