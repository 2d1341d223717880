// The contract of the validator: pure, no I/O, never throws on bad input.
import type { Chatbot, Issue, Sender } from '../../api/schema.ts';
import type { ConfusionReport, IntentExamples } from '../intents/index.ts';

export type { Issue };
export type Severity = Issue['severity'];

export interface ValidationContext {
  /**
   * Resolves spec.senderRef.name in the chatbot's namespace.
   * `undefined`: no such Sender. `'unknown'`: the caller could not look (offline CLI without
   * the Sender in its files): the validator then reports a warning instead of an error.
   */
  findSender(name: string): Sender | undefined | 'unknown';
  /**
   * Limits of the IntentConfusion check, in training work (phrases x (intents + 1) per training,
   * summed): `budget` picks the number of folds (default CONFUSION_BUDGET), above `maxWork` the check
   * is skipped with an IntentConfusionNotChecked warning (default MAX_CONFUSION_WORK).
   */
  intentConfusion?: { budget?: number; maxWork?: number };
  /**
   * The confusion check done elsewhere (the operator runs it in a worker thread, off its event
   * loop): its report for these intents, or 'pending' while it runs (an IntentConfusionPending
   * warning says so). Without it, the check runs here, synchronously (the offline CLI).
   */
  confusionReport?: (intents: IntentExamples[]) => ConfusionReport | 'pending';
}

/** Validates a Chatbot manifest (possibly malformed: any shape) and returns every issue found. */
export type ValidateChatbot = (chatbot: Chatbot | unknown, context: ValidationContext) => Issue[];
