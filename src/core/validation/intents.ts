// Intents and their training phrases: unique names, enough (and not too many) distinct phrases, no
// phrase in two intents, balanced phrase counts, and no phrase the runtime's matcher would route to
// another intent (leave-one-out, src/core/intents/confusion.ts).
import {
  type ConfusionReport,
  findIntentConfusions,
  type IntentExamples,
  type PhraseConfusion,
  phraseKey,
} from '../intents/index.ts';
import { issue, SEED_MESSAGES } from './codes.ts';
import * as read from './read.ts';
import type { Issue } from './types.ts';

// Bound once: called in loops, and under vitest's module runner every call through an
// imported binding goes through an export getter (it made the benchmark ~25% slower).
const { appendIndex, arrayAt, isRecord, quote, stringAt } = read;
type JsonObject = read.JsonObject;

export interface ConfusionLimits {
  budget?: number;
  maxWork?: number;
  /** The report of a check done elsewhere (ValidationContext.confusionReport). */
  report?: (intents: IntentExamples[]) => ConfusionReport | 'pending';
}

/**
 * The most training one definition may need, in phrases x (intents + 1) (the network's work per
 * epoch): what the runtime trains in its worker thread in about 10 s on one core. 200 intents of 200
 * phrases are 8.04 million. Above it the definition is refused (IntentTrainingTooLarge).
 */
export const MAX_TRAINING_WORK = 10_000_000;

/** Fewer distinct phrases than this is an error: the matcher cannot generalize from them. */
export const MIN_TRAINING_PHRASES = 10;
/** More phrases than this is an error: training time (runtime and validation) grows with them. */
export const MAX_TRAINING_PHRASES = 1000;
/**
 * TrainingPhrasesUnbalanced rule: with at least two intents, an intent whose number of distinct
 * phrases is below half the median of all intents, or above double it, is out of balance (the
 * network then favours the larger intents).
 */
export const UNBALANCED_FACTOR = 2;

interface IntentEntry {
  index: number;
  path: string;
  name: string | undefined;
  /** The phrases, non-strings as '' so indexes stay those of the manifest. */
  phrases: string[];
  /** Normalized key -> index of its first occurrence. */
  distinct: Map<string, number>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function checkIntents(spec: JsonObject, limits: ConfusionLimits = {}): Issue[] {
  const issues: Issue[] = [];
  const definition = spec.definition;
  if (!isRecord(definition)) return issues;
  const entries: IntentEntry[] = [];
  arrayAt(definition.intents).forEach((intent, index) => {
    if (!isRecord(intent)) return;
    const phrases = arrayAt(intent.trainingPhrases).map((p) => stringAt(p) ?? '');
    const distinct = new Map<string, number>();
    phrases.forEach((p, i) => {
      const key = phraseKey(p);
      if (key && !distinct.has(key)) distinct.set(key, i);
    });
    entries.push({
      index,
      path: appendIndex('spec.definition.intents', index),
      name: stringAt(intent.name),
      phrases,
      distinct,
    });
  });

  // Names.
  const firstByName = new Map<string, IntentEntry>();
  for (const e of entries) {
    if (e.name === undefined) continue;
    const first = firstByName.get(e.name);
    if (first) {
      issues.push(
        issue(
          'DuplicateIntent',
          `${e.path}.name`,
          `Intent name ${quote(e.name)} is already used by ${first.path}`,
          'Merge the training phrases into one intent or rename one of them.',
        ),
      );
    } else {
      firstByName.set(e.name, e);
    }
  }

  // Counts.
  for (const e of entries) {
    const label = quote(e.name ?? '');
    if (e.distinct.size < MIN_TRAINING_PHRASES) {
      issues.push(
        issue(
          'TooFewTrainingPhrases',
          `${e.path}.trainingPhrases`,
          `Intent ${label} has ${e.distinct.size} distinct training phrases; at least ${MIN_TRAINING_PHRASES} are needed`,
          `Add ${MIN_TRAINING_PHRASES - e.distinct.size} or more different ways end users say it.`,
        ),
      );
    }
    if (e.phrases.length > MAX_TRAINING_PHRASES) {
      issues.push(
        issue(
          'TooManyTrainingPhrases',
          `${e.path}.trainingPhrases`,
          `Intent ${label} has ${e.phrases.length} training phrases; at most ${MAX_TRAINING_PHRASES} are allowed`,
          'Remove near-duplicate phrases or split the intent into more specific ones.',
        ),
      );
    }
  }
  if (entries.length >= 2) {
    const m = median(entries.map((e) => e.distinct.size));
    for (const e of entries) {
      const n = e.distinct.size;
      if (n * UNBALANCED_FACTOR < m || n > m * UNBALANCED_FACTOR) {
        issues.push(
          issue(
            'TrainingPhrasesUnbalanced',
            `${e.path}.trainingPhrases`,
            SEED_MESSAGES.TrainingPhrasesUnbalanced,
            `Intent ${quote(e.name ?? '')} has ${n} distinct training phrases while the median of all intents is ${m}: give it between ${Math.ceil(m / UNBALANCED_FACTOR)} and ${Math.floor(m * UNBALANCED_FACTOR)}.`,
          ),
        );
      }
    }
  }

  // The same phrase in two intents (of different names: same names are DuplicateIntent).
  const owner = new Map<string, IntentEntry>();
  const shared = new Set<string>();
  for (const e of entries) {
    for (const [key, i] of e.distinct) {
      const first = owner.get(key);
      if (!first) {
        owner.set(key, e);
      } else if (first.name !== e.name) {
        shared.add(key);
        issues.push(
          issue(
            'PhraseInSeveralIntents',
            appendIndex(`${e.path}.trainingPhrases`, i),
            `Training phrase ${quote(e.phrases[i] ?? '')} is also in intent ${quote(first.name ?? '')}`,
            'Keep the phrase in the one intent it belongs to.',
          ),
        );
      }
    }
  }

  const names = new Set(entries.map((e) => e.name).filter((n) => n !== undefined));
  const phrases = entries.reduce((n, e) => n + e.phrases.length, 0);
  const work = phrases * (names.size + 1);
  if (work > MAX_TRAINING_WORK) {
    issues.push(
      issue(
        'IntentTrainingTooLarge',
        'spec.definition.intents',
        `The intents need ${work.toLocaleString('en')} units of training (${phrases} phrases x ${names.size + 1} outputs); at most ${MAX_TRAINING_WORK.toLocaleString('en')} can be served`,
        'Remove near-duplicate phrases, merge intents, or split the chatbot into several.',
      ),
    );
    return issues; // too large to train: not checked for confusions either
  }
  issues.push(...confusionIssues(entries, shared, limits));
  return issues;
}

/** IntentConfusion: one issue per intent (its first confused phrase) with the count of the others. */
function confusionIssues(entries: IntentEntry[], shared: Set<string>, limits: ConfusionLimits): Issue[] {
  const named = entries.filter((e) => e.name !== undefined);
  if (new Set(named.map((e) => e.name)).size < 2) return [];
  const examples: IntentExamples[] = named.map((e) => ({ name: e.name!, trainingPhrases: e.phrases }));
  const report = limits.report
    ? limits.report(examples)
    : findIntentConfusions(examples, {
        ...(typeof limits.budget === 'number' ? { budget: limits.budget } : {}),
        ...(typeof limits.maxWork === 'number' ? { maxWork: limits.maxWork } : {}),
      });
  if (report === 'pending') {
    return [
      issue(
        'IntentConfusionPending',
        'spec.definition.intents',
        'The intents are being checked for incorrectly matched phrases in the background; the result replaces this warning',
        'Nothing to do: wait a moment (kubectl get chatbot shows the result once it is there).',
      ),
    ];
  }
  if (!report.checked) {
    return [
      issue(
        'IntentConfusionNotChecked',
        'spec.definition.intents',
        `The intents were not checked for incorrectly matched phrases: ${report.phrases} phrases in ${named.length} intents are too many for the check here`,
        'The operator checks them in the cluster (kubectl get chatbot shows the result); offline, check fewer phrases at a time.',
      ),
    ];
  }
  const byIntent = new Map<string, PhraseConfusion[]>();
  for (const c of report.confusions) {
    // Phrases that are in two intents are already an error of their own.
    if (shared.has(phraseKey(c.phrase))) continue;
    const list = byIntent.get(c.intent) ?? [];
    list.push(c);
    byIntent.set(c.intent, list);
  }
  const issues: Issue[] = [];
  for (const [intent, list] of byIntent) {
    const first = list[0]!;
    const entry = named[first.intentIndex]!;
    const more = list.length - 1;
    const others = [...new Set(list.map((c) => c.matchedIntent))].map((n) => quote(n));
    issues.push(
      issue(
        'IntentConfusion',
        appendIndex(`${entry.path}.trainingPhrases`, first.phraseIndex),
        `${SEED_MESSAGES.IntentConfusion}: training phrase ${quote(first.phrase)} of intent ${quote(intent)} is matched to intent ${quote(first.matchedIntent)}` +
          (more > 0 ? ` (and ${more} more of its phrases to other intents)` : ''),
        `Make the phrases of ${quote(intent)} more distinct from those of ${others.join(', ')}: reword the phrases that share words, or move them to the intent they belong to.`,
      ),
    );
  }
  return issues;
}
