// Property tests: for any definition (arbitrary dialogs, elements, goTo names, intents, or no
// definition at all) and any messages, the engine never throws, returns a JSON state it can resume,
// well-formed replies, and the same answer for the same input. Bounded runs, 60 s timeout each:
// they must hold on a busy 2-core machine.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Definition } from '../../api/schema.ts';
import { compileBot } from './compile.ts';
import { TIMEOUT } from './fixtures.ts';
import { isSessionState } from './session.ts';
import { step } from './step.ts';
import { buttonId } from './text.ts';
import { type Inbound, MAX_ELEMENTS_PER_MESSAGE, type SessionState, type StepOutput } from './types.ts';

const TIMEOUT_MS = 60_000;
const OUTCOMES = ['replied', 'handedOff', 'closed', 'ignored', 'loopLimit', 'brokenDefinition'];

// Mostly names that exist (so conversations go somewhere), sometimes ones that do not.
const name = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('a', 'b', 'c', 'fallback') },
  { weight: 1, arbitrary: fc.constantFrom('', '__proto__', 'constructor') },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
);
const words = fc.oneof(
  fc.constantFrom(
    'agent',
    'order',
    'where is my order',
    'refund please',
    'yes',
    'Orders',
    '{{x}}',
    '{{ y }}',
  ),
  fc.string({ maxLength: 12 }),
);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const button = fc.record(
  { caption: words, goTo: optional(name), url: optional(fc.constant('https://x.example')) },
  { requiredKeys: ['caption'] },
);
const route = fc.record(
  {
    intents: fc.array(fc.record({ intent: fc.constantFrom('i1', 'i2', 'i3'), goTo: name }), { maxLength: 3 }),
    keywords: fc.array(fc.record({ match: fc.array(words, { maxLength: 3 }), goTo: name }), { maxLength: 3 }),
    otherwise: name,
  },
  { requiredKeys: [] },
);
const element = fc.oneof(
  { weight: 3, arbitrary: fc.record({ text: words }) },
  {
    weight: 2,
    arbitrary: fc.record({
      buttons: fc.record({ message: words, items: fc.array(button, { maxLength: 4 }) }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ userInput: fc.record({ saveAs: fc.oneof(name, fc.constantFrom('x', 'y')) }) }),
  },
  { weight: 2, arbitrary: fc.record({ route }) },
  { weight: 2, arbitrary: fc.record({ goTo: name }) },
  { weight: 1, arbitrary: fc.record({ toAgent: fc.record({ queue: name }, { requiredKeys: [] }) }) },
  { weight: 1, arbitrary: fc.record({ closeSession: fc.record({ message: words }, { requiredKeys: [] }) }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
);

const dialog = (n: fc.Arbitrary<string>) =>
  fc.record({ name: n, elements: fc.array(element, { maxLength: 6 }) });
// Some of the usual names (so most goTo targets exist), then now and then any other, or a duplicate.
const dialogs = fc
  .tuple(
    fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'fallback'), { maxLength: 4 }),
    fc.array(dialog(name), { maxLength: 2 }),
  )
  .chain(([usual, other]) =>
    fc.tuple(...usual.map((n) => dialog(fc.constant(n)))).map((d) => [...d, ...other]),
  );

const definition = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record(
      {
        startDialog: name,
        fallbackDialog: name,
        dialogs,
        intents: fc.array(
          fc.record({
            name: fc.constantFrom('i1', 'i2', 'i3'),
            trainingPhrases: fc.array(words, { maxLength: 4 }),
          }),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: ['dialogs'] },
    ),
  },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
) as fc.Arbitrary<Definition | undefined>;

const message: fc.Arbitrary<Inbound> = fc.oneof(
  fc.record({ text: words }),
  fc.record({ button: words }),
  fc.record({ button: fc.tuple(name, fc.nat(6), fc.nat(4)).map(([d, e, i]) => buttonId(d, e, i)) }),
);
const messages = fc.array(fc.tuple(message, fc.nat(TIMEOUT + 1000)), { minLength: 1, maxLength: 8 });

/** States of the right shape at any position (most of them do not fit the definition). */
const plausibleState = fc.record({
  v: fc.constantFrom(1, 1, 2),
  dialog: name,
  element: fc.integer({ min: -1, max: 7 }),
  waiting: fc.constantFrom('buttons', 'userInput', 'route', 'restart', 'other'),
  attributes: fc.dictionary(name, fc.oneof(words, fc.integer())),
  handedOff: fc.boolean(),
  startedAt: fc.integer({ min: -2, max: 2 }),
  lastActivityAt: fc.oneof(fc.integer({ min: -TIMEOUT, max: 2 }), fc.double()),
});

function expectWellFormed(out: StepOutput): void {
  expect(OUTCOMES).toContain(out.outcome);
  expect(out.elements).toBeLessThanOrEqual(MAX_ELEMENTS_PER_MESSAGE);
  for (const reply of out.replies) {
    if ('text' in reply) expect(reply.text.trim()).not.toBe('');
    else for (const b of reply.buttons.items) expect(b.id.length).toBeLessThanOrEqual(256);
  }
  if (out.closed) expect(out.state).toBeUndefined();
  if (out.outcome === 'ignored') expect(out.replies).toEqual([]);
  if (out.state !== undefined) {
    const stored = JSON.parse(JSON.stringify(out.state));
    expect(stored).toEqual(out.state);
    expect(isSessionState(stored)).toBe(true);
  }
}

/** A whole conversation, the state kept as JSON between messages. */
function talk(def: Definition | undefined, said: [Inbound, number][]): StepOutput[] {
  const bot = compileBot(def);
  let state: SessionState | undefined;
  let now = 0;
  return said.map(([message, wait]) => {
    now += wait;
    const out = step({ bot, state, message, now, sessionTimeoutMs: TIMEOUT, attributes: { x: 'seed' } });
    state = out.state === undefined ? undefined : JSON.parse(JSON.stringify(out.state));
    return out;
  });
}

describe('the engine never throws', () => {
  it(
    'for any definition and messages: well-formed replies, a resumable JSON state, the same every time',
    () => {
      fc.assert(
        fc.property(definition, messages, (def, said) => {
          const outputs = talk(def, said);
          outputs.forEach(expectWellFormed);
          expect(talk(def, said)).toEqual(outputs);
        }),
        { numRuns: 200 },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'for any stored state (damaged, another version, or a valid one of another bot)',
    () => {
      fc.assert(
        fc.property(
          definition,
          fc.oneof(plausibleState, fc.anything({ maxDepth: 2 })),
          message,
          (def, state, msg) => {
            const out = step({
              bot: compileBot(def),
              state: state as SessionState,
              message: msg,
              now: 1,
              sessionTimeoutMs: TIMEOUT,
            });
            expectWellFormed(out);
          },
        ),
        { numRuns: 200 },
      );
    },
    TIMEOUT_MS,
  );
});
