// A realistic conversation: examples/ai-assistant.yaml's definition, run by the engine message by
// message, with the session state kept between messages as JSON (as the Redis store keeps it).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { Chatbot } from '../../api/schema.ts';
import { compileBot, type StepOutcome } from './engine.ts';
import { converse, show } from './fixtures.ts';

const file = resolve(import.meta.dirname, '..', '..', '..', 'examples', 'ai-assistant.yaml');
const chatbot = parseAllDocuments(readFileSync(file, 'utf8'))
  .map((d) => d.toJS() as Chatbot)
  .find((d) => d.kind === 'Chatbot')!;
const bot = compileBot(chatbot.spec.definition);

const HI = 'Hi! I am the Acme assistant. Ask me about an order, a return or our opening hours.';
const SORRY = 'Sorry, I did not understand that. Let me connect you with a colleague.';
const RETURNS =
  'You can return any item within 30 days. How would you like to continue? [Return form -> https://acme.example/returns] [Talk to an agent]';

type Turn = [said: string | { button: string }, replies: string[], outcome: StepOutcome];

describe('examples/ai-assistant.yaml', () => {
  it.each<[string, Turn[]]>([
    [
      'an order: intent, userInput, templated text, closeSession; then a new session',
      [
        ['Hello Acme', [HI], 'replied'],
        ['Where is my order?', ['Please send me your order number (it starts with ACM).'], 'replied'],
        [
          'ACM-20417',
          [
            'Thanks! You can follow order ACM-20417 at https://acme.example/track',
            'Anything else? Just write to us again.',
          ],
          'closed',
        ],
        ['Hello again', [HI], 'replied'],
      ],
    ],
    [
      'opening hours',
      [
        ['Hello Acme', [HI], 'replied'],
        [
          'what time do you close on saturday',
          ['Our stores are open Monday to Saturday, 8:00 to 20:00.'],
          'closed',
        ],
      ],
    ],
    [
      'a return: buttons, a press by caption, the agent; then silence',
      [
        ['Hello Acme', [HI], 'replied'],
        ['I want to return an item', [RETURNS], 'replied'],
        ['talk to an agent', [], 'handedOff'],
        ['hello?', [], 'ignored'],
      ],
    ],
    [
      'a return: free text instead of a button goes to the fallback dialog',
      [
        ['Hello Acme', [HI], 'replied'],
        ['can I get a refund', [RETURNS], 'replied'],
        ['what about shipping costs?', [SORRY], 'handedOff'],
      ],
    ],
    [
      'a keyword: a person',
      [
        ['Hello Acme', [HI], 'replied'],
        ['human', [], 'handedOff'],
      ],
    ],
    [
      'nothing matches: otherwise',
      [
        ['Hello Acme', [HI], 'replied'],
        ['blue bicycle', [SORRY], 'handedOff'],
      ],
    ],
  ])('%s', (_, turns) => {
    const { outputs } = converse(
      bot,
      turns.map(([said]) => said),
    );
    expect(outputs.map((o, i) => [turns[i]![0], o.replies.map(show), o.outcome])).toEqual(turns);
    expect(outputs.flatMap((o) => o.faults)).toEqual([]);
  });

  it('sends the Talk to an agent button with its stable id, and a press by id works', () => {
    const { outputs } = converse(bot, [
      'Hello Acme',
      'I want a refund for this item',
      { button: 'b:0:1:returns' },
    ]);
    expect(outputs[1]!.replies[0]).toEqual({
      buttons: {
        message: 'You can return any item within 30 days. How would you like to continue?',
        items: [
          { id: 'b:0:0:returns', caption: 'Return form', url: 'https://acme.example/returns' },
          { id: 'b:0:1:returns', caption: 'Talk to an agent' },
        ],
      },
    });
    expect([outputs[2]!.outcome, outputs[2]!.queue]).toEqual(['handedOff', 'support']);
  });
});
