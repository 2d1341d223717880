// Example manifests for tests and benchmarks: a valid WhatsApp bot, its Sender, and a generator of
// large valid bots.
import type { Chatbot, Intent, Sender } from '../../api/schema.ts';
import type { ValidationContext } from './types.ts';

export const ORDER_PHRASES = [
  'where is my order',
  'track my order',
  'order status',
  'has my order shipped',
  'when will my order arrive',
  'where is my package',
  'is my order on the way',
  'track package',
  'order tracking',
  'where is my delivery',
];

export const REFUND_PHRASES = [
  'i want a refund',
  'refund please',
  'give me my money back',
  'how do i get a refund',
  'cancel and refund',
  'money back',
  'return an item',
  'i need a refund',
  'can i get reimbursed',
  'refund',
];

/** A valid WhatsApp chatbot that uses every kind of element; validates without any issue. */
export function exampleChatbot(): Chatbot {
  return {
    apiVersion: 'chatbots.dev/v1alpha1',
    kind: 'Chatbot',
    metadata: { name: 'support-bot', namespace: 'acme' },
    spec: {
      channel: 'WhatsApp',
      senderRef: { name: 'acme-whatsapp' },
      state: 'Inactive',
      schedule: {
        timeZone: 'Europe/Zagreb',
        activateAt: '2026-12-01T09:00',
        deactivateAt: '2026-12-24T18:00',
        windows: [{ activate: '0 8 * * 1-5', deactivate: '0 18 * * 1-5' }],
      },
      takeover: { mode: 'Graceful', gracePeriod: '15m' },
      redeploy: { gracePeriod: '10m' },
      deactivation: { gracePeriod: '0s' },
      sessionTimeout: '30m',
      startKeyword: 'Hi',
      revisionHistoryLimit: 5,
      definition: {
        startDialog: 'welcome',
        fallbackDialog: 'fallback',
        dialogs: [
          {
            name: 'welcome',
            elements: [
              { text: 'Hi {{name}}!' },
              {
                buttons: {
                  message: 'How can we help?',
                  items: [
                    { caption: 'Orders', goTo: 'orders' },
                    { caption: 'Website', url: 'https://acme.example' },
                  ],
                },
              },
              { userInput: { saveAs: 'question' } },
              {
                route: {
                  intents: [
                    { intent: 'order_status', goTo: 'orders' },
                    { intent: 'refund', goTo: 'refunds' },
                  ],
                  keywords: [{ match: ['agent'], goTo: 'human' }],
                  otherwise: 'fallback',
                },
              },
            ],
          },
          { name: 'orders', elements: [{ text: 'Your order is on its way.' }, { closeSession: {} }] },
          { name: 'refunds', elements: [{ text: 'We will refund you.' }, { goTo: 'human' }] },
          { name: 'human', elements: [{ toAgent: {} }] },
          { name: 'fallback', elements: [{ text: 'Sorry, I did not get that.' }, { goTo: 'welcome' }] },
        ],
        intents: [
          { name: 'order_status', trainingPhrases: [...ORDER_PHRASES] },
          { name: 'refund', trainingPhrases: [...REFUND_PHRASES] },
        ],
      },
    },
  };
}

export function exampleSender(name = 'acme-whatsapp', spec: Partial<Sender['spec']> = {}): Sender {
  return {
    apiVersion: 'chatbots.dev/v1alpha1',
    kind: 'Sender',
    metadata: { name, namespace: 'acme' },
    spec: { channel: 'WhatsApp', address: '+385911234567', credentialsSecretRef: { name }, ...spec },
  };
}

/** A lookup that knows exactly the given Senders. */
export function contextWith(...senders: Sender[]): ValidationContext {
  return { findSender: (name) => senders.find((s) => s.metadata.name === name) };
}

/** A lookup that cannot look (offline validation without Sender files). */
export const offlineContext: ValidationContext = { findSender: () => 'unknown' };

const WORDS = [
  'order',
  'track',
  'refund',
  'delivery',
  'invoice',
  'payment',
  'account',
  'password',
  'address',
  'shipping',
  'return',
  'cancel',
  'change',
  'update',
  'price',
  'discount',
  'coupon',
  'store',
  'hours',
  'agent',
  'complaint',
  'warranty',
  'repair',
  'size',
  'color',
  'stock',
  'gift',
  'card',
  'loyalty',
  'points',
  'newsletter',
  'subscription',
  'contract',
  'plan',
  'upgrade',
  'downgrade',
  'roaming',
  'internet',
  'router',
  'signal',
  'bill',
  'tariff',
  'sim',
  'number',
  'port',
  'device',
  'insurance',
  'claim',
  'appointment',
  'booking',
];
const FILLERS = [
  'i',
  'want',
  'to',
  'my',
  'please',
  'can',
  'you',
  'how',
  'do',
  'need',
  'help',
  'with',
  'the',
  'a',
];

/** Deterministic pseudo-random numbers (a linear congruential generator). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * `intents` intents of `phrases` phrases each: intent i is about the topic words WORDS[i] and
 * WORDS[i+1 mod n] mixed with common filler words, so neighbouring intents overlap a little.
 */
export function generateIntents(intents: number, phrases: number, seed = 7): Intent[] {
  const rnd = lcg(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  return Array.from({ length: intents }, (_, i) => {
    const topic = [WORDS[i % WORDS.length]!, WORDS[(i + 1) % WORDS.length]!, `topic${i}`];
    const set = new Set<string>();
    while (set.size < phrases) {
      // At least one topic word per phrase; the rest topic or filler words.
      const words = [
        pick(topic),
        ...Array.from({ length: 2 + Math.floor(rnd() * 4) }, () =>
          rnd() < 0.5 ? pick(topic) : pick(FILLERS),
        ),
      ];
      set.add(words.join(' '));
    }
    return { name: `intent_${i}`, trainingPhrases: [...set] };
  });
}

/**
 * A valid bot of `dialogs` dialogs in a chain (each leads to the next by a button, a route and a
 * goTo), every kind of element used, and `intents` intents of `phrases` phrases.
 */
export function generateChatbot(dialogs: number, intents = 0, phrases = 12): Chatbot {
  const bot = exampleChatbot();
  const intentList = generateIntents(intents, phrases);
  const name = (i: number) => `dialog_${i}`;
  bot.spec.definition = {
    startDialog: name(0),
    fallbackDialog: name(0),
    dialogs: Array.from({ length: dialogs }, (_, i) => {
      const next = name((i + 1) % dialogs);
      return {
        name: name(i),
        elements: [
          { text: `Step ${i}: hello {{name}}, this is dialog number ${i}.` },
          {
            buttons: {
              message: `Choose what to do in step ${i}`,
              items: [
                { caption: 'Next', goTo: next },
                { caption: 'Back', goTo: name(Math.max(0, i - 1)) },
                { caption: 'Website', url: `https://acme.example/step/${i}` },
              ],
            },
          },
          { userInput: { saveAs: `answer_${i}` } },
          {
            route: {
              intents: intentList.slice(0, 3).map((it) => ({ intent: it.name, goTo: next })),
              keywords: [{ match: ['next', 'continue'], goTo: next }],
              otherwise: name(0),
            },
          },
          { goTo: next },
        ],
      };
    }),
    intents: intentList,
  };
  return bot;
}
