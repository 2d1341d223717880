// The intent matcher shared by the runtime (routing user replies) and the validator (IntentConfusion).
export {
  CONFUSION_BUDGET,
  type ConfusionOptions,
  type ConfusionReport,
  findIntentConfusions,
  MAX_CONFUSION_WORK,
  MIN_FOLDS,
  type PhraseConfusion,
  planFolds,
} from './confusion.ts';
export { DEFAULT_LANGUAGE, phraseKey, textPipeline } from './features.ts';
export {
  createIntentMatcher,
  type IntentExamples,
  type IntentMatch,
  type IntentMatcher,
  MATCH_THRESHOLD,
  type MatcherOptions,
  type ModelData,
  matcherFromData,
  NETWORK_SETTINGS,
  NONE_INTENT,
  trainIntentMatcher,
  trainModelData,
} from './matcher.ts';
