import { existsSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateIntents, ORDER_PHRASES, REFUND_PHRASES } from '../validation/fixtures.ts';
import {
  CONFUSION_BUDGET,
  createIntentMatcher,
  findIntentConfusions,
  MATCH_THRESHOLD,
  MIN_FOLDS,
  matcherFromData,
  NONE_INTENT,
  phraseKey,
  planFolds,
  trainIntentMatcher,
  trainModelData,
} from './index.ts';

const support = [
  { name: 'order_status', trainingPhrases: ORDER_PHRASES },
  { name: 'refund', trainingPhrases: REFUND_PHRASES },
];

describe('intent matcher', () => {
  const matcher = createIntentMatcher(support);

  it.each([
    ['Where is my order?', 'order_status'],
    ['can you track my parcel', 'order_status'],
    ['when does my package arrive', 'order_status'],
    ['I want my money back', 'refund'],
    ['REFUND!!', 'refund'],
    ['i would like to get a refund please', 'refund'],
    ['refunds', 'refund'], // stemmed
  ])('matches %j to %s', (text, intent) => {
    const match = matcher.match(text);
    expect(match?.intent).toBe(intent);
    expect(match!.score).toBeGreaterThanOrEqual(MATCH_THRESHOLD);
    expect(match!.score).toBeLessThanOrEqual(1);
  });

  it.each([['hello there'], [''], ['   '], ['what is the weather like in Zagreb']])(
    'matches nothing for %j',
    (text) => {
      expect(matcher.match(text)).toBeUndefined();
    },
  );

  it('gives every candidate with scores that sum to 1, best first', () => {
    const all = matcher.classify('refund my order');
    expect(all[0]?.intent).toBe('refund');
    expect(all.reduce((s, c) => s + c.score, 0)).toBeCloseTo(1, 10);
    expect([...all].sort((a, b) => b.score - a.score)).toEqual(all);
    expect(matcher.classify('zzz qqq')).toEqual([{ intent: NONE_INTENT, score: 1 }]);
  });

  it('is deterministic: the same corpus gives the same scores', () => {
    const again = createIntentMatcher(support);
    for (const text of ['where is my refund', 'track it', 'money']) {
      expect(again.classify(text)).toEqual(matcher.classify(text));
    }
  });

  it('takes a threshold: a stricter one returns nothing for an unsure match', () => {
    const text = 'where is my refund';
    const score = matcher.classify(text)[0]!.score;
    expect(score).toBeLessThan(1);
    expect(
      createIntentMatcher(support, { threshold: Math.min(1, score + 0.01) }).match(text),
    ).toBeUndefined();
    expect(createIntentMatcher(support, { threshold: score }).match(text)?.intent).toBe(
      matcher.match(text)?.intent,
    );
  });

  it('treats intents with the same name as one intent', () => {
    const split = createIntentMatcher([
      { name: 'refund', trainingPhrases: REFUND_PHRASES.slice(0, 5) },
      { name: 'order_status', trainingPhrases: ORDER_PHRASES },
      { name: 'refund', trainingPhrases: REFUND_PHRASES.slice(5) },
    ]);
    expect(split.intents).toEqual(['refund', 'order_status']);
    expect(split.match('money back please')?.intent).toBe('refund');
  });

  it('copes with words and intent names that are Object.prototype members', () => {
    const m = createIntentMatcher([
      {
        name: 'constructor',
        trainingPhrases: ['constructor toString', 'build a constructor', 'constructor please'],
      },
      {
        name: '__proto__',
        trainingPhrases: ['__proto__ hasOwnProperty', 'valueOf __proto__', 'the __proto__ thing'],
      },
    ]);
    expect(m.match('a constructor')?.intent).toBe('constructor');
    expect(m.match('show me __proto__')?.intent).toBe('__proto__');
  });

  it('works without intents or phrases', () => {
    expect(createIntentMatcher([]).match('anything')).toBeUndefined();
    expect(createIntentMatcher([{ name: 'x', trainingPhrases: ['', '  '] }]).match('x')).toBeUndefined();
  });

  it('has an async form that trains the same model', async () => {
    const m = await trainIntentMatcher(support);
    expect(m.classify('where is my refund')).toEqual(matcher.classify('where is my refund'));
  });

  it('tokenizes other languages without English stemming', () => {
    const m = createIntentMatcher(
      [
        {
          name: 'narudzba',
          trainingPhrases: ['gdje je moja narudžba', 'status narudžbe', 'pratite narudžbu'],
        },
        { name: 'povrat', trainingPhrases: ['želim povrat novca', 'vratite mi novac', 'povrat molim'] },
      ],
      { language: 'hr' },
    );
    expect(m.language).toBe('hr');
    expect(m.match('Gdje je NARUDZBA')?.intent).toBe('narudzba');
    expect(m.match('povrat novca')?.intent).toBe('povrat');
  });
});

describe('quiet and side-effect free', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes nothing to the console and no model file', () => {
    const before = readdirSync(process.cwd()).sort();
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation(() => {}),
    );
    const stdout = vi.spyOn(process.stdout, 'write');
    createIntentMatcher(generateIntents(5, 12)).match('track my order');
    findIntentConfusions(support);
    for (const spy of [...spies, stdout]) expect(spy).not.toHaveBeenCalled();
    expect(existsSync('model.nlp')).toBe(false);
    expect(readdirSync(process.cwd()).sort()).toEqual(before);
  });
});

describe('phraseKey', () => {
  it.each([
    ['Where is my ORDER?', 'where is my order'],
    ['  where   is my order ', 'where is my order'],
    ['Où est ma commande', 'ou est ma commande'],
    ["I can't find it", 'i ca not find it'],
  ])('%j -> %j', (text, key) => {
    expect(phraseKey(text)).toBe(key);
  });
});

describe('leave-one-out confusion check', () => {
  it('finds nothing in well separated intents', () => {
    const report = findIntentConfusions(support);
    expect(report).toMatchObject({ checked: true, exact: true, folds: 20, phrases: 20, confusions: [] });
  });

  it('detects a phrase that lands on another intent and names it', () => {
    const report = findIntentConfusions([
      { name: 'order_status', trainingPhrases: [...ORDER_PHRASES.slice(0, 9), 'where is my refund'] },
      { name: 'refund', trainingPhrases: REFUND_PHRASES },
    ]);
    expect(report.exact).toBe(true);
    expect(report.confusions).toEqual([
      {
        intentIndex: 0,
        phraseIndex: 9,
        intent: 'order_status',
        phrase: 'where is my refund',
        matchedIntent: 'refund',
        score: expect.any(Number),
      },
    ]);
    expect(report.confusions[0]!.score).toBeGreaterThanOrEqual(MATCH_THRESHOLD);
  });

  it('detects confusion in both directions for overlapping intents', () => {
    const report = findIntentConfusions([
      {
        name: 'cancel_order',
        trainingPhrases: [
          'cancel my order',
          'i want to cancel the order',
          'please cancel order',
          'stop my order',
          'cancel it',
          'do not send my order',
          'cancel purchase',
          'abort the order',
          'i changed my mind cancel',
          'refund and cancel my order',
        ],
      },
      {
        name: 'refund',
        trainingPhrases: [...REFUND_PHRASES.slice(0, 9), 'cancel my order and refund me'],
      },
    ]);
    const pairs = report.confusions.map((c) => `${c.phrase} -> ${c.matchedIntent}`);
    expect(pairs).toContain('refund and cancel my order -> refund');
    expect(pairs).toContain('cancel my order and refund me -> cancel_order');
  });

  it.each([
    { phrases: 20, intents: 2, folds: 20 },
    { phrases: 150, intents: 5, folds: 111 },
    { phrases: 1000, intents: 50, folds: MIN_FOLDS },
    { phrases: 3, intents: 2, folds: 3 },
    { phrases: 1, intents: 2, folds: 1 },
    { phrases: 6000, intents: 300, folds: undefined },
  ])('plans $folds folds for $phrases phrases in $intents intents', ({ phrases, intents, folds }) => {
    expect(planFolds(phrases, intents)).toBe(folds);
    if (folds && folds > MIN_FOLDS && folds < phrases) {
      expect(folds * phrases * (intents + 1)).toBeLessThanOrEqual(CONFUSION_BUDGET);
    }
  });

  it('says when the corpus is too large to check', () => {
    const report = findIntentConfusions(support, { maxWork: 10 });
    expect(report).toMatchObject({ checked: false, confusions: [] });
  });

  it('still finds a misplaced phrase with k-fold when the budget is exhausted', () => {
    const intents = [
      { name: 'order_status', trainingPhrases: [...ORDER_PHRASES.slice(0, 9), 'please refund my money'] },
      { name: 'refund', trainingPhrases: REFUND_PHRASES },
    ];
    const kFold = findIntentConfusions(intents, { budget: 1 });
    expect(kFold).toMatchObject({ checked: true, exact: false, folds: MIN_FOLDS, phrases: 20 });
    expect(kFold.confusions.map((c) => [c.phrase, c.matchedIntent])).toContainEqual([
      'please refund my money',
      'refund',
    ]);
    // The exact check agrees on it.
    expect(findIntentConfusions(intents).confusions.map((c) => [c.phrase, c.matchedIntent])).toContainEqual([
      'please refund my money',
      'refund',
    ]);
  });
});

describe('a model trained elsewhere (a worker thread) classifies exactly as the one trained here', () => {
  it('modelToData → structured clone → matcherFromData gives the same scores for every text', () => {
    const intents = [
      {
        name: 'order_status',
        trainingPhrases: [
          'where is my order',
          'track my parcel',
          'has my order shipped',
          'order status please',
        ],
      },
      {
        name: 'opening_hours',
        trainingPhrases: [
          'when are you open',
          'opening hours',
          'what time do you close',
          'are you open today',
        ],
      },
      {
        name: 'refund',
        trainingPhrases: [
          'i want my money back',
          'refund please',
          'how do i get a refund',
          'return for a refund',
        ],
      },
    ];
    const here = createIntentMatcher(intents);
    const there = matcherFromData(structuredClone(trainModelData(intents)));
    for (const text of [
      'where is my parcel',
      'are you open on sunday',
      'refund',
      'qwerty',
      '',
      'open order refund',
    ]) {
      expect(there.classify(text)).toEqual(here.classify(text));
      expect(there.match(text)).toEqual(here.match(text));
    }
    expect(there.intents).toEqual(here.intents);
  });

  it('an empty model (nothing trained) round-trips to a matcher that matches nothing', () => {
    const m = matcherFromData(structuredClone(trainModelData([])));
    expect(m.match('anything')).toBeUndefined();
  });
});
