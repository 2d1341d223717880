// The intent matcher: the runtime routes user replies with it (`route.intents`) and the validator's
// IntentConfusion check runs it leave-one-out, so both see exactly the same behaviour.
//
// It is nlp.js's intent classifier taken apart into its synchronous pieces: the features come from
// nlp.js's normalizer/tokenizer/stemmer (features.ts), the classifier is @nlpjs/neural's
// NeuralNetwork (one perceptron per intent plus the "None" perceptron fed by unknown words), and the
// scoring after the network is nlp.js NLU's: an intent that shares no word with the utterance scores 0,
// scores are squared and normalized to sum 1, and the best intent wins when it reaches the threshold
// (0.5, nlp.js's default). Nothing is async, nothing is logged, no model file is written (nlp.js's
// `Nlp` writes model.nlp unless autoSave is off; the NeuralNetwork alone never touches the disk), and
// training is deterministic (weights start at zero, examples are seen in input order).
import nlpNeural, { type NeuralNetwork as Network, type NeuralNetworkSettings } from '@nlpjs/neural';
import { DEFAULT_LANGUAGE, type Features, type TextPipeline, textPipeline } from './features.ts';

const { NeuralNetwork } = nlpNeural;

/** An intent and the phrases end users say for it. Intents with the same name are one intent. */
export interface IntentExamples {
  name: string;
  trainingPhrases: readonly string[];
}

export interface MatcherOptions {
  /** Language of the phrases (default en): en is stemmed; other languages are only tokenized. */
  language?: string;
  /** Minimum normalized score of the best intent for `match` to return it (default 0.5). */
  threshold?: number;
}

export interface IntentMatch {
  intent: string;
  /** Share of the intent in the normalized scores, 0..1 (all intents of one text sum to 1). */
  score: number;
}

/**
 * The score the best intent must reach for `match` to return it: nlp.js's default threshold. Scores
 * are normalized, so 0.5 means "more likely than all other intents together".
 */
export const MATCH_THRESHOLD = 0.5;

/** The label of "no intent" in `classify` results. */
export const NONE_INTENT = 'None';

/**
 * nlp.js's network settings, except the epoch cap: 100 instead of 20000. Measured on generated
 * corpora (5-fold, 50 intents x 20 phrases and 10 x 15): the full run stops after ~300 epochs and
 * gets no more held-out phrases right than 100 epochs do (1000 phrases: 294 wrong or unmatched
 * with the full run, 239 with 100 epochs; 150 phrases: 42 and 34), at a third of the training time.
 * Small corpora converge before the cap (the toy order/refund bot: ~50 epochs).
 */
export const NETWORK_SETTINGS: Readonly<Required<Omit<NeuralNetworkSettings, 'log'>>> = {
  iterations: 100,
  errorThresh: 0.00005,
  deltaErrorThresh: 0.000001,
  learningRate: 0.6,
  momentum: 0.5,
  alpha: 0.07,
};

// nlp.js NLU constants: the "None" input grows by nonedelta (intents/features) per unknown word,
// multiplied by 1.2 for each further one.
const NONE_FEATURE = 'nonefeature';
const NONE_DELTA_MULTIPLIER = 1.2;

/** One training phrase, prepared: the label (index of its intent name) and its features. */
export interface Example {
  label: number;
  features: Features;
}

/** A trained model over a fixed list of intent names (labels). */
export interface Model {
  readonly labels: readonly string[];
  readonly network: Network | undefined;
  /** Features seen in training, per label: an intent sharing none with the text scores 0. */
  readonly labelFeatures: ReadonlyArray<ReadonlySet<string>>;
  readonly knownFeatures: ReadonlySet<string>;
  readonly trainedLabels: number;
}

const outputName = (label: number) => `i${label}`;

/** Trains a model on examples (label = index into labels). Synchronous; cost ~ examples x labels x epochs. */
export function trainModel(labels: readonly string[], examples: readonly Example[]): Model {
  const labelFeatures = labels.map(() => new Set<string>());
  const knownFeatures = new Set<string>();
  const corpus: { input: Record<string, number>; output: Record<string, number> }[] = [];
  const trained = new Set<number>();
  for (const ex of examples) {
    const keys = Object.keys(ex.features);
    if (keys.length === 0) continue;
    for (const k of keys) {
      knownFeatures.add(k);
      labelFeatures[ex.label]?.add(k);
    }
    trained.add(ex.label);
    // Fresh objects: the network keeps references and mutates the None item.
    corpus.push({ input: { ...ex.features }, output: { [outputName(ex.label)]: 1 } });
  }
  let network: Network | undefined;
  if (corpus.length > 0) {
    corpus.push({ input: { [NONE_FEATURE]: 1 }, output: { [NONE_INTENT]: 1 } });
    network = new NeuralNetwork({ ...NETWORK_SETTINGS, log: false });
    network.train(corpus);
  }
  return { labels, network, labelFeatures, knownFeatures, trainedLabels: trained.size };
}

/** All labels with a positive normalized score, best first (ties: label order); None when nothing fits. */
export function classifyFeatures(model: Model, features: Features): IntentMatch[] {
  const { network } = model;
  if (!network) return [{ intent: NONE_INTENT, score: 1 }];
  const input: Record<string, number> = {};
  let unknown = 0;
  for (const key of Object.keys(features)) {
    if (model.knownFeatures.has(key)) input[key] = features[key] ?? 1;
    else unknown += 1;
  }
  let delta = model.trainedLabels / Math.max(1, model.knownFeatures.size);
  let noneValue = 0;
  for (let i = 0; i < unknown; i++) {
    noneValue += delta;
    delta *= NONE_DELTA_MULTIPLIER;
  }
  if (noneValue) input[NONE_FEATURE] = noneValue;
  const outputs = network.run(input) ?? {};
  const inputKeys = Object.keys(input);
  const scored: { intent: string; label: number; score: number }[] = [];
  for (let label = 0; label < model.labels.length; label++) {
    let score = outputs[outputName(label)] ?? 0;
    // nlp.js filterNonActivated: an intent that shares no feature with the text is not a candidate.
    if (score > 0 && !inputKeys.some((k) => model.labelFeatures[label]?.has(k))) score = 0;
    if (score > 0) scored.push({ intent: model.labels[label] ?? '', label, score });
  }
  const none = outputs[NONE_INTENT] ?? 0;
  if (none > 0) scored.push({ intent: NONE_INTENT, label: model.labels.length, score: none });
  if (scored.length === 0) return [{ intent: NONE_INTENT, score: 1 }];
  let total = 0;
  for (const s of scored) {
    s.score **= 2;
    total += s.score;
  }
  scored.sort((a, b) => b.score - a.score || a.label - b.label);
  return scored.map((s) => ({ intent: s.intent, score: s.score / total }));
}

/** The best intent when it is not None and reaches the threshold. */
export function bestMatch(
  classifications: readonly IntentMatch[],
  threshold: number,
): IntentMatch | undefined {
  const best = classifications[0];
  return best && best.intent !== NONE_INTENT && best.score >= threshold ? best : undefined;
}

/** Groups intents by name (same name: one intent) and prepares every phrase once. */
export function prepareExamples(
  intents: readonly IntentExamples[],
  pipeline: TextPipeline,
): {
  labels: string[];
  examples: (Example & { intentIndex: number; phraseIndex: number; phrase: string })[];
} {
  const labels: string[] = [];
  const labelOf = new Map<string, number>();
  const examples: (Example & { intentIndex: number; phraseIndex: number; phrase: string })[] = [];
  intents.forEach((intent, intentIndex) => {
    let label = labelOf.get(intent.name);
    if (label === undefined) {
      label = labels.length;
      labels.push(intent.name);
      labelOf.set(intent.name, label);
    }
    intent.trainingPhrases.forEach((phrase, phraseIndex) => {
      examples.push({ label: label, features: pipeline.features(phrase), intentIndex, phraseIndex, phrase });
    });
  });
  return { labels, examples };
}

export interface IntentMatcher {
  readonly language: string;
  readonly threshold: number;
  /** The intent names, in the order first declared. */
  readonly intents: readonly string[];
  /** The best intent for a text, or undefined when none reaches the threshold (the runtime's fallback). */
  match(text: string): IntentMatch | undefined;
  /** Every candidate with its normalized score, best first; includes None. */
  classify(text: string): IntentMatch[];
}

/** Trains a matcher synchronously (what the validator uses; the runtime may too). */
export function createIntentMatcher(
  intents: readonly IntentExamples[],
  options: MatcherOptions = {},
): IntentMatcher {
  const pipeline = textPipeline(options.language ?? DEFAULT_LANGUAGE);
  const threshold = options.threshold ?? MATCH_THRESHOLD;
  const { labels, examples } = prepareExamples(intents, pipeline);
  const model = trainModel(labels, examples);
  const classify = (text: string) => classifyFeatures(model, pipeline.features(text));
  return {
    language: pipeline.language,
    threshold,
    intents: labels,
    classify,
    match: (text) => bestMatch(classify(text), threshold),
  };
}

/**
 * Trains a matcher. Training is synchronous underneath; this form exists so the runtime can treat
 * training as a task (and so a future asynchronous model does not change its callers).
 */
export async function trainIntentMatcher(
  intents: readonly IntentExamples[],
  options: MatcherOptions = {},
): Promise<IntentMatcher> {
  return createIntentMatcher(intents, options);
}

/**
 * A trained model as plain data (structured-clone friendly: the weights as Float32Arrays), so it can
 * be trained in a worker thread and used where messages are routed. modelFromData gives back a
 * model that classifies exactly as the one it came from.
 */
export interface ModelData {
  labels: string[];
  /** The network's input features, in its input order; empty when nothing was trained. */
  features: string[];
  /** The network's outputs (label outputs and None), in its order. */
  outputs: string[];
  /** Per output: its weights over the features. */
  weights: Float32Array[];
  biases: number[];
  labelFeatures: string[][];
  trainedLabels: number;
}

interface NetworkInternals {
  lookup?: { inputLookup: { items: string[] }; outputLookup: { items: string[] } };
  perceptrons?: { weights: Float32Array; bias: number }[];
  settings: { alpha: number };
}

export function modelToData(model: Model): ModelData {
  const net = model.network as unknown as NetworkInternals | undefined;
  const trained = net?.lookup && net.perceptrons ? net : undefined;
  return {
    labels: [...model.labels],
    features: trained ? [...trained.lookup!.inputLookup.items] : [],
    outputs: trained ? [...trained.lookup!.outputLookup.items] : [],
    weights: trained ? trained.perceptrons!.map((p) => p.weights) : [],
    biases: trained ? trained.perceptrons!.map((p) => p.bias) : [],
    labelFeatures: model.labelFeatures.map((s) => [...s]),
    trainedLabels: model.trainedLabels,
  };
}

export function modelFromData(data: ModelData): Model {
  let network: Network | undefined;
  if (data.features.length > 0 && data.outputs.length > 0) {
    network = new NeuralNetwork({ ...NETWORK_SETTINGS, log: false });
    // nlp.js's fromJSON builds the lookups and perceptrons; its weights come from the data's own
    // Float32Arrays instead of being copied one number at a time from arrays.
    const net = network as unknown as {
      fromJSON(json: object): void;
      lookup: object;
      initialize(inputs: number, outputs: string[]): void;
      perceptrons: { weights: Float32Array; bias: number }[];
    };
    net.fromJSON({
      settings: {},
      features: [],
      intents: data.outputs,
      perceptrons: data.outputs.map(() => [0]),
    });
    const CorpusLookup = net.lookup.constructor as new (features: string[], outputs: string[]) => object;
    net.lookup = new CorpusLookup(data.features, data.outputs);
    net.initialize(data.features.length, data.outputs);
    data.weights.forEach((w, i) => {
      net.perceptrons[i]!.weights = w;
      net.perceptrons[i]!.bias = data.biases[i] ?? 0;
    });
  }
  return {
    labels: data.labels,
    network,
    labelFeatures: data.labelFeatures.map((f) => new Set(f)),
    knownFeatures: new Set(data.features.filter((f) => f !== NONE_FEATURE)),
    trainedLabels: data.trainedLabels,
  };
}

/** Prepares the examples and trains a model: what a worker thread runs for the runtime. */
export function trainModelData(intents: readonly IntentExamples[], options: MatcherOptions = {}): ModelData {
  const pipeline = textPipeline(options.language ?? DEFAULT_LANGUAGE);
  const { labels, examples } = prepareExamples(intents, pipeline);
  return modelToData(trainModel(labels, examples));
}

/** A matcher over a model trained elsewhere (modelFromData). */
export function matcherFromData(data: ModelData, options: MatcherOptions = {}): IntentMatcher {
  const pipeline = textPipeline(options.language ?? DEFAULT_LANGUAGE);
  const threshold = options.threshold ?? MATCH_THRESHOLD;
  const model = modelFromData(data);
  const classify = (text: string) => classifyFeatures(model, pipeline.features(text));
  return {
    language: pipeline.language,
    threshold,
    intents: model.labels,
    classify,
    match: (text) => bestMatch(classify(text), threshold),
  };
}
