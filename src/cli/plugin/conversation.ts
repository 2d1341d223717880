// One conversation with a bot's definition in the terminal, through the runtime's own dialog
// engine (src/core/dialog): each line the user types is one inbound message; replies print as
// "bot: ..." lines, reply buttons as numbered choices (typing the number presses the button), and
// what happens to the session (handed to an agent, closed, a fault in the definition) as "--" lines.
import { stripVTControlCharacters } from 'node:util';
import {
  type CompiledBot,
  type Inbound,
  type Reply,
  type ReplyButton,
  type SessionState,
  type StepOutput,
  step,
} from '../../core/dialog/engine.ts';

export interface Turn {
  /** How the message is shown ("1 (Talk to an agent)" for a pressed button). */
  said: string;
  /** The lines to print: the bot's replies and notes about the session. */
  lines: string[];
  output: StepOutput;
}

const BOT = 'bot: ';
const PAD = ' '.repeat(BOT.length);

/**
 * Bot text as it is safe to print in a terminal: whoever may edit a Chatbot writes it, so escape
 * sequences (colours, cursor moves, a rewritten title, a hidden line), other control characters and
 * bidirectional overrides are removed; what was removed shows as one "�".
 */
export function printable(text: string): string {
  return stripVTControlCharacters(text).replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g,
    '\ufffd',
  );
}

function textLines(text: string, first: string): string[] {
  return printable(text)
    .split('\n')
    .map((l, i) => `${i === 0 ? first : PAD}${l}`);
}

export class Conversation {
  private state: SessionState | undefined;
  /** The reply buttons of the last buttons message, while the session waits for a press. */
  private choices: ReplyButton[] = [];

  constructor(
    private readonly bot: CompiledBot,
    private readonly options: { sessionTimeoutMs: number; attributes?: Record<string, string> },
  ) {}

  /** Forgets the session: the next message starts a new one. */
  reset(): void {
    this.state = undefined;
    this.choices = [];
  }

  /** What a typed line means: a number presses that numbered button, anything else is text. */
  private inbound(text: string): { message: Inbound; said: string } {
    const n = /^\d{1,3}$/.test(text) ? Number(text) : 0;
    const button = n > 0 ? this.choices[n - 1] : undefined;
    if (button) return { message: { button: button.id }, said: `${text} (${printable(button.caption)})` };
    return { message: { text }, said: text };
  }

  say(text: string, now: number): Turn {
    const { message, said } = this.inbound(text);
    const output = step({
      bot: this.bot,
      state: this.state,
      message,
      now,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      ...(this.options.attributes ? { attributes: this.options.attributes } : {}),
    });
    this.state = output.state;
    const lines: string[] = [];
    if (output.expired) lines.push('-- the previous session timed out (sessionTimeout): a new one starts');
    this.choices = [];
    for (const reply of output.replies) lines.push(...this.render(reply));
    if (output.state?.waiting !== 'buttons') this.choices = [];
    lines.push(...notes(output));
    return { said, lines, output };
  }

  private render(reply: Reply): string[] {
    if ('text' in reply) return textLines(reply.text, BOT);
    const out = textLines(reply.buttons.message, BOT);
    const numbered: ReplyButton[] = [];
    for (const b of reply.buttons.items) {
      if (b.url !== undefined) {
        out.push(`${PAD}-  ${printable(b.caption)}: ${printable(b.url)}`);
      } else {
        numbered.push(b);
        out.push(`${PAD}${numbered.length}. ${printable(b.caption)}`);
      }
    }
    if (numbered.length > 0) this.choices = numbered;
    return out;
  }
}

function notes(o: StepOutput): string[] {
  const out: string[] = [];
  switch (o.outcome) {
    case 'handedOff':
      out.push(
        `-- handed over to a human agent${o.queue ? ` (queue ${o.queue})` : ''}: the bot stops answering this session (/new starts a new one)`,
      );
      break;
    case 'ignored':
      out.push('-- no reply: a human agent has this session (/new starts a new one)');
      break;
    case 'closed':
      out.push('-- session closed: the next message starts a new session');
      break;
    case 'loopLimit':
      out.push('-- the definition loops without waiting for an answer: the engine stopped this message');
      break;
    default:
      break;
  }
  for (const f of o.faults) {
    if (f.code === 'Loop' || f.code === 'ElementLimit') continue; // said by loopLimit above
    const where =
      f.dialog !== undefined
        ? ` in dialog ${f.dialog}${f.element !== undefined ? ` element ${f.element}` : ''}`
        : '';
    const target = f.target !== undefined ? ` (${f.target})` : '';
    out.push(`-- definition problem: ${f.code}${target}${where}`);
  }
  return out;
}
