// Text to features, the way nlp.js's NLU prepares an utterance (normalize, tokenize, stem; stopwords
// are kept, as nlp.js does by default): English uses @nlpjs/lang-en-min's normalizer, tokenizer and
// Porter stemmer; any other language uses nlp.js's language-neutral normalizer and tokenizer and no
// stemmer (what nlp.js falls back to for a language without a package).
//
// Only the synchronous, side-effect-free methods of those classes are called (normalize,
// innerTokenize, stemWord), so nothing reads the clock and nothing is cached without bound.
import nlpCore from '@nlpjs/core';
import langEnMin from '@nlpjs/lang-en-min';

const { NormalizerEn, TokenizerEn, StemmerEn } = langEnMin;
const { Normalizer, Tokenizer } = nlpCore;

export const DEFAULT_LANGUAGE = 'en';

/** Features of an utterance: stem -> 1. Keys carry a prefix so no stem can clash with Object.prototype. */
export type Features = Record<string, number>;
export const FEATURE_PREFIX = 'w:';

export interface TextPipeline {
  readonly language: string;
  /** Normalized tokens (lowercase, no diacritics, contractions expanded), before stemming. */
  tokens(text: string): string[];
  /** The set of stems of the text, as NN input features. */
  features(text: string): Features;
}

const STEM_CACHE_LIMIT = 20_000;

function englishPipeline(): TextPipeline {
  const normalizer = new NormalizerEn();
  const tokenizer = new TokenizerEn();
  const stemmer = new StemmerEn();
  // StemmerEn caches every word it ever saw; a long-running runtime would grow it without bound, so
  // the stemmer's own cache is emptied and this bounded one is used instead.
  const stems = new Map<string, string>();
  const stem = (word: string): string => {
    let s = stems.get(word);
    if (s === undefined) {
      s = (stemmer.stemWord(word) ?? word).trim();
      stemmer.cache = {};
      if (stems.size >= STEM_CACHE_LIMIT) stems.clear();
      stems.set(word, s);
    }
    return s;
  };
  const tokens = (text: string) => tokenizer.innerTokenize(normalizer.normalize(text)).filter((t) => t);
  return {
    language: 'en',
    tokens,
    features(text) {
      const out: Features = {};
      for (const token of tokens(text)) {
        const s = stem(token);
        if (s) out[FEATURE_PREFIX + s] = 1;
      }
      return out;
    },
  };
}

function genericPipeline(language: string): TextPipeline {
  const normalizer = new Normalizer();
  const tokenizer = new Tokenizer();
  const tokens = (text: string) => tokenizer.innerTokenize(normalizer.normalize(text)).filter((t) => t);
  return {
    language,
    tokens,
    features(text) {
      const out: Features = {};
      for (const token of tokens(text)) out[FEATURE_PREFIX + token] = 1;
      return out;
    },
  };
}

const pipelines = new Map<string, TextPipeline>();

/** The (shared, stateless apart from a bounded cache) text pipeline of a language. */
export function textPipeline(language: string = DEFAULT_LANGUAGE): TextPipeline {
  const lang = language.toLowerCase().split(/[-_]/)[0] || DEFAULT_LANGUAGE;
  let p = pipelines.get(lang);
  if (!p) {
    p = lang === 'en' ? englishPipeline() : genericPipeline(lang);
    pipelines.set(lang, p);
  }
  return p;
}

/**
 * The key two training phrases are "the same phrase" by: their normalized tokens joined by one space
 * (case, diacritics, punctuation and spacing do not count; different words do).
 */
export function phraseKey(text: string, language: string = DEFAULT_LANGUAGE): string {
  return textPipeline(language).tokens(text).join(' ');
}
