// "Incorrect intent is matched": each training phrase is matched by the runtime's matcher trained
// WITHOUT that phrase; a phrase that then lands on another intent is a confusion.
//
// Cost, and the choice made: exact leave-one-out retrains once per phrase, n trainings of n phrases
// (1000 phrases x 51 perceptrons: ~100 ms per training, ~2 minutes in all). Instead the phrases are
// split into k folds (phrase g goes to fold g mod k, which spreads every intent over all folds); each
// fold is held out once and matched by a model trained on the other k-1 folds. k is the largest
// number of folds whose training work (k x phrases x (intents + 1), the network's cost per epoch) fits
// CONFUSION_BUDGET, at least MIN_FOLDS and at most one fold per phrase: small bots get exact
// leave-one-out, large ones k-fold (50 intents x 20 phrases: 5 folds, each phrase judged by a model
// that saw 80% of the corpus, ~0.5 s). Above MAX_CONFUSION_WORK (~3 s of training) the check is not
// run and the report says so (checked: false), so a huge bot cannot stall the validator.
import { DEFAULT_LANGUAGE, textPipeline } from './features.ts';
import {
  bestMatch,
  classifyFeatures,
  type IntentExamples,
  MATCH_THRESHOLD,
  type MatcherOptions,
  prepareExamples,
  trainModel,
} from './matcher.ts';

/** Training work (phrases x perceptrons, summed over all trainings) one confusion check may use. */
export const CONFUSION_BUDGET = 100_000;
/** Folds used when the budget allows fewer (a phrase is judged by a model that saw >= 80% of the rest). */
export const MIN_FOLDS = 5;
/** Above this much work (with MIN_FOLDS folds) the check is skipped. ~1000 phrases x 300 intents. */
export const MAX_CONFUSION_WORK = 1_500_000;

export interface PhraseConfusion {
  /** Index of the intent in the given list, and of the phrase in its trainingPhrases. */
  intentIndex: number;
  phraseIndex: number;
  intent: string;
  phrase: string;
  /** The intent the phrase was matched to, and its score. */
  matchedIntent: string;
  score: number;
}

export interface ConfusionReport {
  /** False when the corpus is too large for the check (see MAX_CONFUSION_WORK). */
  checked: boolean;
  /** True when every phrase was left out on its own (folds = phrases). */
  exact: boolean;
  folds: number;
  /** Phrases checked (phrases with at least one word). */
  phrases: number;
  /** Training work of the check, in phrases x perceptrons. */
  work: number;
  /** In input order (intent, then phrase). */
  confusions: PhraseConfusion[];
}

export interface ConfusionOptions extends MatcherOptions {
  budget?: number;
  maxWork?: number;
}

/** Number of folds for `phrases` phrases and `intents` intents, or undefined when the check is too big. */
export function planFolds(
  phrases: number,
  intents: number,
  budget = CONFUSION_BUDGET,
  maxWork = MAX_CONFUSION_WORK,
): number | undefined {
  if (!Number.isFinite(budget) || budget < 0) budget = CONFUSION_BUDGET;
  if (!(maxWork >= 0)) maxWork = MAX_CONFUSION_WORK;
  if (phrases < 2) return phrases;
  const perTraining = phrases * (intents + 1);
  const minFolds = Math.min(phrases, MIN_FOLDS);
  if (minFolds * perTraining > maxWork) return undefined;
  return Math.min(phrases, Math.max(minFolds, Math.floor(budget / perTraining)));
}

/** Leave-one-out (or k-fold, see above) matching of every training phrase. Synchronous and pure. */
export function findIntentConfusions(
  intents: readonly IntentExamples[],
  options: ConfusionOptions = {},
): ConfusionReport {
  const pipeline = textPipeline(options.language ?? DEFAULT_LANGUAGE);
  const threshold = options.threshold ?? MATCH_THRESHOLD;
  const { labels, examples } = prepareExamples(intents, pipeline);
  const usable = examples.filter((e) => Object.keys(e.features).length > 0);
  const n = usable.length;
  const empty = { exact: false, folds: 0, phrases: n, work: 0, confusions: [] };
  if (labels.length < 2 || n < 2) return { checked: true, ...empty };
  const folds = planFolds(n, labels.length, options.budget, options.maxWork);
  if (folds === undefined) return { checked: false, ...empty };

  const confusions: PhraseConfusion[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const model = trainModel(
      labels,
      usable.filter((_, g) => g % folds !== fold),
    );
    for (let g = fold; g < n; g += folds) {
      const ex = usable[g]!;
      const match = bestMatch(classifyFeatures(model, ex.features), threshold);
      const own = labels[ex.label]!;
      if (match && match.intent !== own) {
        confusions.push({
          intentIndex: ex.intentIndex,
          phraseIndex: ex.phraseIndex,
          intent: own,
          phrase: ex.phrase,
          matchedIntent: match.intent,
          score: match.score,
        });
      }
    }
  }
  confusions.sort((a, b) => a.intentIndex - b.intentIndex || a.phraseIndex - b.phraseIndex);
  return {
    checked: true,
    exact: folds === n,
    folds,
    phrases: n,
    work: folds * n * (labels.length + 1),
    confusions,
  };
}
