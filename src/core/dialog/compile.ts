// A definition prepared for the engine, once per revision: dialogs by name, elements in one
// checked shape (whatever the input, nothing later needs to guard against a missing field),
// button ids and keywords computed, and the intent matcher trained on first use.
import type { Definition } from '../../api/schema.ts';
import { createIntentMatcher, type IntentExamples, type IntentMatcher } from '../intents/index.ts';
import { buttonId, compileKeyword, type Keyword } from './text.ts';

export interface CompiledButton {
  id: string;
  caption: string;
  /** A URL button (never waits; a goTo next to a url is ignored). */
  url?: string;
  goTo?: string;
}

export interface CompiledRoute {
  intents: { intent: string; goTo: string }[];
  keywords: { match: Keyword[]; goTo: string }[];
  otherwise?: string;
}

/** One element, in the shape the engine runs. `unknown`: none of the known kinds (skipped). */
export type Step =
  | { kind: 'text'; text: string }
  | { kind: 'buttons'; message: string; items: CompiledButton[]; waits: boolean }
  | { kind: 'userInput'; saveAs: string }
  | { kind: 'route'; route: CompiledRoute }
  | { kind: 'goTo'; target: string }
  | { kind: 'toAgent'; queue?: string }
  | { kind: 'closeSession'; message?: string }
  | { kind: 'unknown' };

export interface CompiledDialog {
  name: string;
  steps: Step[];
}

export interface CompiledBot {
  /** Dialogs by name (the first of a duplicated name wins). */
  readonly dialogs: ReadonlyMap<string, CompiledDialog>;
  /** startDialog, or the first dialog when it is not set; undefined when there are no dialogs. */
  readonly startDialog: string | undefined;
  readonly fallbackDialog: string | undefined;
  /** Caption of every reply or URL button by its id (a pressed button's text). */
  readonly buttonCaptions: ReadonlyMap<string, string>;
  /** Whether any route lists intents (only then is a matcher trained). */
  readonly usesIntents: boolean;
  /** The intents a matcher is trained on (empty when no route uses them). */
  readonly intents: readonly IntentExamples[];
  readonly language: string | undefined;
  /**
   * The intent matcher over the definition's intents, trained on the first call and kept;
   * undefined when no route uses intents or training failed (see matcherFailed).
   */
  intentMatcher(): IntentMatcher | undefined;
  /** Whether training the matcher threw (bad intents); routes then match keywords only. */
  matcherFailed(): boolean;
  /** The same bot (dialogs shared, not compiled again) with a matcher trained elsewhere. */
  withMatcher(trained: TrainedMatcher): CompiledBot;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const arrayOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const stringOr = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const optionalString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function compileButtons(dialog: string, index: number, value: Record<string, unknown>): Step {
  const items = arrayOf(value.items).map((raw, i): CompiledButton => {
    const item = isRecord(raw) ? raw : {};
    const url = optionalString(item.url);
    const goTo = optionalString(item.goTo);
    return {
      id: buttonId(dialog, index, i),
      caption: stringOr(item.caption),
      ...(url !== undefined ? { url } : goTo !== undefined ? { goTo } : {}),
    };
  });
  return {
    kind: 'buttons',
    message: stringOr(value.message),
    items,
    waits: items.some((b) => b.url === undefined),
  };
}

function compileRoute(value: Record<string, unknown>): Step {
  const intents = arrayOf(value.intents)
    .filter(isRecord)
    .filter((r) => typeof r.intent === 'string' && typeof r.goTo === 'string')
    .map((r) => ({ intent: r.intent as string, goTo: r.goTo as string }));
  const keywords = arrayOf(value.keywords)
    .filter(isRecord)
    .filter((r) => typeof r.goTo === 'string')
    .map((r) => ({
      match: arrayOf(r.match)
        .filter((m): m is string => typeof m === 'string')
        .map(compileKeyword),
      goTo: r.goTo as string,
    }));
  const otherwise = optionalString(value.otherwise);
  return { kind: 'route', route: { intents, keywords, ...(otherwise !== undefined ? { otherwise } : {}) } };
}

/** One element; of several kinds in one element (invalid), the first in the schema's order wins. */
function compileElement(dialog: string, index: number, raw: unknown): Step {
  if (!isRecord(raw)) return { kind: 'unknown' };
  if (typeof raw.text === 'string') return { kind: 'text', text: raw.text };
  if (isRecord(raw.buttons)) return compileButtons(dialog, index, raw.buttons);
  if (isRecord(raw.userInput) && typeof raw.userInput.saveAs === 'string') {
    return { kind: 'userInput', saveAs: raw.userInput.saveAs };
  }
  if (isRecord(raw.route)) return compileRoute(raw.route);
  if (typeof raw.goTo === 'string') return { kind: 'goTo', target: raw.goTo };
  if (isRecord(raw.toAgent)) {
    const queue = optionalString(raw.toAgent.queue);
    return { kind: 'toAgent', ...(queue !== undefined ? { queue } : {}) };
  }
  if (isRecord(raw.closeSession)) {
    const message = optionalString(raw.closeSession.message);
    return { kind: 'closeSession', ...(message !== undefined ? { message } : {}) };
  }
  return { kind: 'unknown' };
}

function compileIntents(value: unknown): IntentExamples[] {
  return arrayOf(value)
    .filter(isRecord)
    .filter((i) => typeof i.name === 'string')
    .map((i) => ({
      name: i.name as string,
      trainingPhrases: arrayOf(i.trainingPhrases).filter((p): p is string => typeof p === 'string'),
    }));
}

/** A matcher trained elsewhere (the runtime trains in a worker thread), or the failure to train one. */
export interface TrainedMatcher {
  matcher: IntentMatcher | undefined;
  failed: boolean;
}

/**
 * Prepares a definition for `step`. Never throws: a missing definition or one of the wrong shape
 * gives a bot whose faults `step` reports (NoDefinition, UnknownElement, ...). Compile once per
 * revision and share the result between sessions. Without `trained`, the intent matcher is trained
 * here, synchronously, on first use (the CLI); the runtime passes one trained off its event loop.
 */
export function compileBot(
  definition: Definition | undefined,
  options: { language?: string; trained?: TrainedMatcher } = {},
): CompiledBot {
  const def: Record<string, unknown> = isRecord(definition) ? definition : {};
  const dialogs = new Map<string, CompiledDialog>();
  const buttonCaptions = new Map<string, string>();
  let first: string | undefined;
  for (const raw of arrayOf(def.dialogs)) {
    if (!isRecord(raw) || typeof raw.name !== 'string' || dialogs.has(raw.name)) continue;
    const name = raw.name;
    first ??= name;
    const steps = arrayOf(raw.elements).map((e, i) => compileElement(name, i, e));
    for (const s of steps) {
      if (s.kind === 'buttons') for (const b of s.items) buttonCaptions.set(b.id, b.caption);
    }
    dialogs.set(name, { name, steps });
  }
  const usesIntents = [...dialogs.values()].some((d) =>
    d.steps.some((s) => s.kind === 'route' && s.route.intents.length > 0),
  );
  const intents = usesIntents ? compileIntents(def.intents) : [];
  const language = options.language;
  // An empty name is no name: startDialog "" starts at the first dialog, fallbackDialog "" is none.
  const parts: BotParts = {
    dialogs,
    startDialog: optionalString(def.startDialog) || first,
    fallbackDialog: optionalString(def.fallbackDialog) || undefined,
    buttonCaptions,
    usesIntents,
    language,
  };
  if (options.trained) return botWith(parts, options.trained);
  // Trained here, synchronously, on first use (the CLI).
  let lazy: TrainedMatcher | undefined;
  const trainHere = (): TrainedMatcher => {
    if (lazy) return lazy;
    if (!usesIntents) {
      lazy = { matcher: undefined, failed: false };
      return lazy;
    }
    try {
      lazy = {
        matcher: createIntentMatcher(intents, language !== undefined ? { language } : {}),
        failed: false,
      };
    } catch {
      lazy = { matcher: undefined, failed: true };
    }
    return lazy;
  };
  return { ...botWith(parts, trainHere), intents };
}

type BotParts = Omit<CompiledBot, 'intents' | 'intentMatcher' | 'matcherFailed' | 'withMatcher'>;

/**
 * A compiled bot from its parts and its matcher (given, or trained on first use). Kept apart from
 * compileBot so that a bot with a matcher trained elsewhere holds no training phrases.
 */
function botWith(parts: BotParts, matcher: TrainedMatcher | (() => TrainedMatcher)): CompiledBot {
  const get = typeof matcher === 'function' ? matcher : () => matcher;
  return {
    ...parts,
    intents: [],
    intentMatcher: () => get().matcher,
    matcherFailed: () => get().failed,
    withMatcher: (trained) => botWith(parts, trained),
  };
}
