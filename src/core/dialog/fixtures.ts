// Test helpers: small definitions and a conversation driver that threads the session state
// through `step` (as the runtime does, via JSON, like the Redis store).
import type { Definition, Element } from '../../api/schema.ts';
import { type CompiledBot, compileBot } from './compile.ts';
import { step } from './step.ts';
import type { Inbound, Reply, SessionState, StepOutput } from './types.ts';

export const MINUTE = 60_000;
export const T0 = 1_780_000_000_000;
export const TIMEOUT = 30 * MINUTE;

export const ORDER_PHRASES = [
  'where is my order',
  'track my order',
  'has my order shipped',
  'when will my order arrive',
  'is my order on the way',
];
export const REFUND_PHRASES = [
  'i want a refund',
  'give me my money back',
  'how do i get a refund',
  'i need a refund for this',
  'money back please',
];

/** A definition from dialogs written as name → elements (the first one starts). */
export function definition(
  dialogs: Record<string, Element[]>,
  extra: Partial<Omit<Definition, 'dialogs'>> = {},
): Definition {
  return { ...extra, dialogs: Object.entries(dialogs).map(([name, elements]) => ({ name, elements })) };
}

/** A reply as one readable line: `text`, or `message [Caption] [Site -> url]`. */
export function show(reply: Reply): string {
  if ('text' in reply) return reply.text;
  const items = reply.buttons.items.map((b) => (b.url ? `[${b.caption} -> ${b.url}]` : `[${b.caption}]`));
  return [reply.buttons.message, ...items].join(' ');
}

export type Said = string | Inbound | { text: string; at: number };

export interface Conversation {
  bot: CompiledBot;
  outputs: StepOutput[];
  /** The replies to each message, shown as lines. */
  transcript: string[][];
  state: SessionState | undefined;
}

/**
 * Sends messages one by one, a second apart unless a message says `at` (ms after T0), and keeps
 * the state the way a store would (JSON in, JSON out).
 */
export function converse(
  bot: CompiledBot | Definition | undefined,
  messages: readonly Said[],
  options: { attributes?: Record<string, string>; maxElements?: number } = {},
): Conversation {
  const compiled = bot !== undefined && 'intentMatcher' in bot ? bot : compileBot(bot);
  let state: SessionState | undefined;
  let now = T0;
  const outputs: StepOutput[] = [];
  for (const said of messages) {
    if (typeof said === 'object' && 'at' in said) now = T0 + said.at;
    const message: Inbound =
      typeof said === 'string'
        ? { text: said }
        : 'button' in said
          ? { button: said.button }
          : 'unsupported' in said
            ? { unsupported: said.unsupported }
            : { text: said.text };
    const out = step({ bot: compiled, state, message, now, sessionTimeoutMs: TIMEOUT, ...options });
    outputs.push(out);
    state = out.state === undefined ? undefined : JSON.parse(JSON.stringify(out.state));
    now += 1000;
  }
  return { bot: compiled, outputs, transcript: outputs.map((o) => o.replies.map(show)), state };
}
