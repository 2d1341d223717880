// Types for the parts of nlp.js (CommonJS, untyped) the intent matcher uses. Only what is used is
// declared; the shapes follow @nlpjs/neural 4.25 and @nlpjs/lang-en-min 4.26.

declare module '@nlpjs/neural' {
  export interface NeuralNetworkSettings {
    iterations?: number;
    errorThresh?: number;
    deltaErrorThresh?: number;
    learningRate?: number;
    momentum?: number;
    alpha?: number;
    log?: boolean | ((status: unknown, time: number) => void);
  }
  export interface TrainingItem {
    input: Record<string, number>;
    output: Record<string, number>;
  }
  export class NeuralNetwork {
    constructor(settings?: NeuralNetworkSettings);
    train(corpus: TrainingItem[]): { error: number; deltaError: number; iterations: number };
    run(input: Record<string, number>): Record<string, number> | undefined;
  }
  const neural: { NeuralNetwork: typeof NeuralNetwork };
  export default neural;
}

declare module '@nlpjs/lang-en-min' {
  export class NormalizerEn {
    normalize(text: string): string;
  }
  export class TokenizerEn {
    innerTokenize(text: string): string[];
  }
  export class StemmerEn {
    cache: Record<string, string>;
    stemWord(word: string): string;
  }
  const langEnMin: {
    NormalizerEn: typeof NormalizerEn;
    TokenizerEn: typeof TokenizerEn;
    StemmerEn: typeof StemmerEn;
  };
  export default langEnMin;
}

declare module '@nlpjs/core' {
  export class Normalizer {
    normalize(text: string): string;
  }
  export class Tokenizer {
    innerTokenize(text: string): string[];
  }
  const core: { Normalizer: typeof Normalizer; Tokenizer: typeof Tokenizer };
  export default core;
}
