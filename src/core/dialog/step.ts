// One inbound message through a session: (compiled definition, session state, message, now) →
// replies and the new state. Pure: the clock comes in as `now`, nothing is read or written, and
// nothing throws; problems in the definition are reported as faults.
//
// The held message is the one a `route` routes without waiting. It is always the latest message
// and lives only while that message is handled: a new session holds its first message, a restart
// (after a dialog ran out) holds the message that restarted it, and a userInput holds the answer it
// saved. A message a buttons element took (matched, unmatched or answered with the buttons again)
// is not held, and a route that routes the held message lets it go: a later route waits.
import type { CompiledBot, CompiledButton, CompiledRoute, Step } from './compile.ts';
import { isExpired, isSessionState, seedAttributes, withAttribute } from './session.ts';
import { captionKey, keywordMatches, renderTemplate, words } from './text.ts';
import {
  type Inbound,
  MAX_ELEMENTS_PER_MESSAGE,
  MAX_REPLIES_PER_MESSAGE,
  type Reply,
  type SessionState,
  type StepFault,
  type StepFaultCode,
  type StepOutcome,
  type StepOutput,
  type Waiting,
} from './types.ts';

export interface StepInput {
  bot: CompiledBot;
  /** The session's state after its last message; undefined when none is open. */
  state: SessionState | undefined;
  message: Inbound;
  /** The time the message arrived (ms since the epoch). */
  now: number;
  /** The chatbot's sessionTimeout in ms (not positive: sessions never expire by idling). */
  sessionTimeoutMs: number;
  /** Attributes a NEW session starts with (e.g. the WhatsApp profile name); ignored otherwise. */
  attributes?: Record<string, string>;
  /** The bound on elements executed for this message (default MAX_ELEMENTS_PER_MESSAGE). */
  maxElements?: number;
}

type Cursor = { dialog: string; index: number };
type Stop =
  | { kind: 'wait'; waiting: Waiting; at: Cursor }
  | { kind: 'closed' }
  | { kind: 'handedOff'; queue?: string; at: Cursor }
  | { kind: 'loopLimit'; at: Cursor };

const isStop = (x: Cursor | Stop): x is Stop => 'kind' in x;
const next = (at: Cursor): Cursor => ({ dialog: at.dialog, index: at.index + 1 });

const DEFINITION_FAULTS: ReadonlySet<StepFaultCode> = new Set([
  'NoDefinition',
  'UnknownDialog',
  'EmptyDialog',
  'UnknownElement',
  'IntentMatcherFailed',
]);

/** The text of a message; a pressed button's id stands for its caption. */
function inboundText(bot: CompiledBot, message: Inbound): { raw: string; text: string } {
  const m = message as Partial<Record<'text' | 'button', unknown>> | null | undefined;
  if (typeof m?.button === 'string')
    return { raw: m.button, text: bot.buttonCaptions.get(m.button) ?? m.button };
  const text = typeof m?.text === 'string' ? m.text : '';
  return { raw: text, text };
}

/** The reply button a message means: by id, then by caption (trimmed, case-insensitive). */
function pressedButton(
  items: readonly CompiledButton[],
  raw: string,
  text: string,
): CompiledButton | undefined {
  const reply = items.filter((b) => b.url === undefined);
  const byId = reply.find((b) => b.id === raw);
  if (byId) return byId;
  const keys = new Set([captionKey(raw), captionKey(text)]);
  return reply.find((b) => keys.has(captionKey(b.caption)));
}

/** The run of elements for one message. */
class Execution {
  readonly replies: Reply[] = [];
  readonly faults: StepFault[] = [];
  elements = 0;
  held: string | undefined;
  /** Set once a fault fell back to fallbackDialog: a second fault stops instead. */
  private faultFallbackUsed = false;
  private fallbackChecked = false;
  private readonly entered = new Set<string>();

  constructor(
    private readonly bot: CompiledBot,
    public attributes: Record<string, string>,
    private readonly maxElements: number,
  ) {}

  fault(code: StepFaultCode, at?: Cursor, target?: string): void {
    this.faults.push({
      code,
      ...(at ? { dialog: at.dialog, element: at.index } : {}),
      ...(target !== undefined ? { target } : {}),
    });
  }

  private say(template: string): void {
    if (this.full()) return;
    const text = renderTemplate(template, this.attributes);
    if (text.trim() !== '') this.replies.push({ text });
  }

  /** Whether this message has all the replies it may have (reported once, as ReplyLimit). */
  private full(): boolean {
    if (this.replies.length < MAX_REPLIES_PER_MESSAGE) return false;
    if (!this.faults.some((f) => f.code === 'ReplyLimit')) this.fault('ReplyLimit');
    return true;
  }

  /** fallbackDialog when it names a dialog with elements (else reported once, and none). */
  fallback(): string | undefined {
    const name = this.bot.fallbackDialog;
    if (name === undefined) return undefined;
    const dialog = this.bot.dialogs.get(name);
    if (dialog && dialog.steps.length > 0) return name;
    if (!this.fallbackChecked) this.fault(dialog ? 'EmptyDialog' : 'UnknownDialog', undefined, name);
    this.fallbackChecked = true;
    return undefined;
  }

  /**
   * Enters a dialog at its first element. An unknown or empty dialog is a fault: the first one
   * falls back to fallbackDialog, any other stops (the session waits; the next message restarts).
   * Entering a dialog a second time in the same state is a loop that would never wait: it stops.
   */
  enter(target: string, from: Cursor | undefined): Cursor | Stop {
    const dialog = this.bot.dialogs.get(target);
    const here = from ?? { dialog: target, index: 0 };
    if (!dialog || dialog.steps.length === 0) {
      this.fault(dialog ? 'EmptyDialog' : 'UnknownDialog', from, target);
      const fallback = this.faultFallbackUsed ? undefined : this.fallback();
      if (fallback === undefined) return { kind: 'wait', waiting: 'restart', at: here };
      this.faultFallbackUsed = true;
      return this.enter(fallback, from);
    }
    // Everything a run depends on besides the position: the held message (it can only be let go)
    // and whether the fault fallback is spent. Attributes change only by waiting (userInput).
    const key = `${this.held === undefined ? 0 : 1}${this.faultFallbackUsed ? 1 : 0}${target}`;
    if (this.entered.has(key)) {
      this.fault('Loop', from, target);
      return { kind: 'loopLimit', at: here };
    }
    this.entered.add(key);
    return { dialog: target, index: 0 };
  }

  /** Where a route sends a message: intents, keywords, otherwise, fallbackDialog; else undefined. */
  private route(route: CompiledRoute, text: string, at: Cursor): string | undefined {
    if (route.intents.length > 0) {
      const matcher = this.bot.intentMatcher();
      if (this.bot.matcherFailed() && !this.faults.some((f) => f.code === 'IntentMatcherFailed')) {
        this.fault('IntentMatcherFailed', at);
      }
      let best: string | undefined;
      try {
        best = matcher?.match(text)?.intent;
      } catch {
        this.fault('IntentMatcherFailed', at);
      }
      const hit = best === undefined ? undefined : route.intents.find((i) => i.intent === best);
      if (hit) return hit.goTo;
    }
    if (route.keywords.length > 0) {
      const textWords = words(text);
      const hit = route.keywords.find((k) => k.match.some((kw) => keywordMatches(kw, text, textWords)));
      if (hit) return hit.goTo;
    }
    return route.otherwise ?? this.fallback();
  }

  private buttons(step: Extract<Step, { kind: 'buttons' }>): Reply {
    return {
      buttons: {
        message: renderTemplate(step.message, this.attributes),
        items: step.items.map((b) => ({
          id: b.id,
          caption: b.caption,
          ...(b.url !== undefined ? { url: b.url } : {}),
        })),
      },
    };
  }

  /** Runs elements from a position until the session waits, ends or hands off. */
  run(start: Cursor | Stop): Stop {
    let at = start;
    while (!isStop(at)) {
      const steps = this.bot.dialogs.get(at.dialog)?.steps ?? [];
      const step = steps[at.index];
      if (!step) return { kind: 'wait', waiting: 'restart', at };
      if (this.elements >= this.maxElements) {
        this.fault('ElementLimit', at);
        return { kind: 'loopLimit', at };
      }
      this.elements += 1;
      switch (step.kind) {
        case 'text':
          this.say(step.text);
          at = next(at);
          break;
        case 'buttons':
          if (step.items.length === 0) this.say(step.message);
          else if (!this.full()) this.replies.push(this.buttons(step));
          if (step.waits) return { kind: 'wait', waiting: 'buttons', at };
          at = next(at);
          break;
        case 'userInput':
          return { kind: 'wait', waiting: 'userInput', at };
        case 'route': {
          if (this.held === undefined) return { kind: 'wait', waiting: 'route', at };
          const target = this.route(step.route, this.held, at);
          this.held = undefined;
          at = target === undefined ? next(at) : this.enter(target, at);
          break;
        }
        case 'goTo':
          at = this.enter(step.target, at);
          break;
        case 'toAgent':
          return { kind: 'handedOff', at, ...(step.queue !== undefined ? { queue: step.queue } : {}) };
        case 'closeSession':
          if (step.message !== undefined) this.say(step.message);
          return { kind: 'closed' };
        default:
          this.fault('UnknownElement', at);
          at = next(at);
      }
    }
    return at;
  }

  /** Where a waiting session goes on with the next message (its text already held or not). */
  resume(state: SessionState, raw: string, text: string): Cursor | Stop {
    const at: Cursor = { dialog: state.dialog, index: state.element };
    const step = this.bot.dialogs.get(at.dialog)?.steps[at.index];
    const fits =
      state.waiting === 'restart' ||
      (state.waiting === 'buttons' && step?.kind === 'buttons' && step.waits) ||
      (state.waiting === 'userInput' && step?.kind === 'userInput') ||
      (state.waiting === 'route' && step?.kind === 'route');
    if (!fits) this.fault('InvalidState', at);
    if (!fits || state.waiting === 'restart' || !step) return this.restart(text);
    if (step.kind === 'userInput') {
      this.attributes = withAttribute(this.attributes, step.saveAs, text);
      this.held = text;
      return next(at);
    }
    if (step.kind === 'route') {
      this.held = text;
      return at;
    }
    if (step.kind !== 'buttons') return this.restart(text);
    const pressed = pressedButton(step.items, raw, text);
    if (pressed) return pressed.goTo === undefined ? next(at) : this.enter(pressed.goTo, at);
    const fallback = this.fallback();
    return fallback === undefined ? at : this.enter(fallback, at);
  }

  /** startDialog from its first element, holding the message. */
  restart(text: string): Cursor | Stop {
    this.held = text;
    return this.enter(this.bot.startDialog ?? '', undefined);
  }
}

function limitOf(maxElements: number | undefined): number {
  return maxElements !== undefined && maxElements >= 0 && Number.isFinite(maxElements)
    ? Math.floor(maxElements)
    : MAX_ELEMENTS_PER_MESSAGE;
}

function outcomeOf(stop: Stop, faults: readonly StepFault[]): StepOutcome {
  if (stop.kind === 'loopLimit') return 'loopLimit';
  if (faults.some((f) => DEFINITION_FAULTS.has(f.code))) return 'brokenDefinition';
  if (stop.kind === 'closed') return 'closed';
  if (stop.kind === 'handedOff') return 'handedOff';
  return 'replied';
}

/** The session as it was, touched at `now`, with no reply (handed off, or nothing to say). */
function ignoredOutput(previous: SessionState, now: number, faults: StepFault[]): StepOutput {
  return {
    replies: [],
    state: {
      v: 1,
      dialog: previous.dialog,
      element: previous.element,
      waiting: previous.waiting,
      attributes: previous.attributes,
      handedOff: previous.handedOff,
      ...(previous.queue !== undefined ? { queue: previous.queue } : {}),
      startedAt: previous.startedAt,
      lastActivityAt: now,
    },
    started: false,
    expired: false,
    closed: false,
    handedOff: previous.handedOff,
    ...(previous.queue !== undefined ? { queue: previous.queue } : {}),
    outcome: 'ignored',
    faults,
    elements: 0,
  };
}

/** Handles one inbound message of one session. Never throws. */
export function step(input: StepInput): StepOutput {
  const { bot, message } = input;
  const now = Number.isFinite(input.now) ? input.now : 0;
  const faults: StepFault[] = [];
  let previous: SessionState | undefined;
  if (input.state !== undefined && input.state !== null) {
    if (isSessionState(input.state)) previous = input.state;
    else faults.push({ code: 'InvalidState' });
  }
  const expired = previous !== undefined && isExpired(previous, now, input.sessionTimeoutMs);
  if (expired) previous = undefined;

  if (previous?.handedOff) return ignoredOutput(previous, now, faults);
  if (bot.startDialog === undefined) {
    return {
      replies: [],
      state: undefined,
      started: false,
      expired,
      closed: previous !== undefined,
      handedOff: false,
      outcome: 'brokenDefinition',
      faults: [...faults, { code: 'NoDefinition' }],
      elements: 0,
    };
  }

  const { raw, text } = inboundText(bot, message);
  const unsupported = typeof (message as { unsupported?: unknown } | null)?.unsupported === 'string';
  const run = new Execution(
    bot,
    previous ? previous.attributes : seedAttributes(input.attributes),
    limitOf(input.maxElements),
  );
  run.faults.push(...faults);
  // A message the bot cannot read gets the fallback dialog (nothing is held for a route); without
  // one, an open session ignores it and keeps waiting, and a new one starts as with any message.
  const fallback = unsupported ? run.fallback() : undefined;
  if (unsupported && fallback === undefined && previous) {
    return ignoredOutput(previous, now, faults);
  }
  const started = previous === undefined;
  const stop = run.run(
    fallback !== undefined
      ? run.enter(fallback, undefined)
      : previous
        ? run.resume(previous, raw, text)
        : run.restart(text),
  );

  const base = {
    v: 1 as const,
    attributes: run.attributes,
    startedAt: previous?.startedAt ?? now,
    lastActivityAt: now,
  };
  let state: SessionState | undefined;
  if (stop.kind === 'wait' || stop.kind === 'loopLimit') {
    const at = stop.at;
    const waiting = stop.kind === 'wait' ? stop.waiting : 'restart';
    state = { ...base, dialog: at.dialog, element: at.index, waiting, handedOff: false };
  } else if (stop.kind === 'handedOff') {
    state = {
      ...base,
      dialog: stop.at.dialog,
      element: stop.at.index,
      waiting: 'restart',
      handedOff: true,
      ...(stop.queue !== undefined ? { queue: stop.queue } : {}),
    };
  }
  return {
    replies: run.replies,
    state,
    started,
    expired,
    closed: stop.kind === 'closed',
    handedOff: stop.kind === 'handedOff',
    ...(stop.kind === 'handedOff' && stop.queue !== undefined ? { queue: stop.queue } : {}),
    outcome: outcomeOf(stop, run.faults),
    faults: run.faults,
    elements: run.elements,
  };
}
