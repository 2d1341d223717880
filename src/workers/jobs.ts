// What the intent worker thread is asked and answers (structured clone: plain data and typed arrays).
import type {
  ConfusionOptions,
  ConfusionReport,
  IntentExamples,
  MatcherOptions,
  ModelData,
} from '../core/intents/index.ts';

export type WorkerJob =
  | { id: number; kind: 'train'; intents: IntentExamples[]; options: MatcherOptions }
  | { id: number; kind: 'confusions'; intents: IntentExamples[]; options: ConfusionOptions };

export type WorkerAnswer =
  | { id: number; ok: true; model: ModelData }
  | { id: number; ok: true; report: ConfusionReport }
  | { id: number; ok: false; error: string };
