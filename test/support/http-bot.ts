// An Acme support bot on the Http channel that uses every element of the API: text with
// {{attributes}}, reply and URL buttons, route by intent and keyword, userInput, goTo,
// toAgent and closeSession. The runtime tests talk to it as end users would.

const phrases = (list: string[]) => `[${list.map((p) => JSON.stringify(p)).join(', ')}]`;

const ORDER_STATUS = [
  'where is my order',
  'track my order',
  'order status',
  'when will my order arrive',
  'has my order shipped',
  'where is my package',
  'my parcel has not arrived',
  'delivery status of my order',
  'is my order on the way',
  'when does my package come',
];
const OPENING_HOURS = [
  'when are you open',
  'opening hours',
  'are you open on sunday',
  'what time do you close',
  'business hours',
  'what are your hours',
  'are you open today',
  'until when are you open',
  'what time do you open',
  'are you closed on holidays',
];

export const httpSenderYaml = (
  name: string,
  address: string,
  secret?: string,
) => `apiVersion: chatbots.dev/v1alpha1
kind: Sender
metadata: {name: ${name}}
spec:
  channel: Http
  address: "${address}"${secret ? `\n  credentialsSecretRef: {name: ${secret}}` : ''}
`;

export interface HttpBotOptions {
  sender: string;
  /** Default Http. */
  channel?: 'Http' | 'WhatsApp';
  state?: 'Active' | 'Inactive';
  /** The greeting's wording: change it to make a new revision. */
  greeting?: string;
  takeover?: string;
  redeploy?: string;
  deactivation?: string;
  sessionTimeout?: string;
}

export function httpBotYaml(name: string, o: HttpBotOptions): string {
  const extra = [
    o.takeover ? `  takeover: ${o.takeover}` : '',
    o.redeploy ? `  redeploy: ${o.redeploy}` : '',
    o.deactivation ? `  deactivation: ${o.deactivation}` : '',
    o.sessionTimeout ? `  sessionTimeout: ${o.sessionTimeout}` : '',
  ]
    .filter(Boolean)
    .map((l) => `${l}\n`)
    .join('');
  return `apiVersion: chatbots.dev/v1alpha1
kind: Chatbot
metadata: {name: ${name}}
spec:
  channel: ${o.channel ?? 'Http'}
  senderRef: {name: ${o.sender}}
  state: ${o.state ?? 'Active'}
${extra}  definition:
    startDialog: welcome
    fallbackDialog: fallback
    dialogs:
    - name: welcome
      elements:
      - text: "${o.greeting ?? 'Welcome to Acme'}, {{name}}!"
      - buttons:
          message: "How can we help?"
          items: [{caption: Orders, goTo: orders}, {caption: Website, url: "https://acme.example"}]
    - name: orders
      elements:
      - text: "Ask me about your order."
      - route:
          intents: [{intent: order_status, goTo: status}, {intent: opening_hours, goTo: hours}]
          keywords: [{match: [agent], goTo: human}, {match: [bye], goTo: bye}]
          otherwise: fallback
    - name: status
      elements:
      - text: "What is your order number?"
      - userInput: {saveAs: order}
      - text: "Order {{order}} is on its way."
      - goTo: more
    - name: hours
      elements:
      - text: "We are open 9-17, Monday to Friday."
      - goTo: more
    - name: more
      elements:
      - buttons:
          message: "Anything else?"
          items: [{caption: "Talk to someone", goTo: human}, {caption: "No, thanks", goTo: bye}]
    - name: human
      elements:
      - text: "Connecting you to an agent."
      - toAgent: {}
    - name: bye
      elements:
      - closeSession: {message: "Goodbye!"}
    - name: fallback
      elements:
      - text: "Sorry, I did not get that."
    intents:
    - name: order_status
      trainingPhrases: ${phrases(ORDER_STATUS)}
    - name: opening_hours
      trainingPhrases: ${phrases(OPENING_HOURS)}
`;
}

/** A Chatbot as an object (for `kubectl create -f -` of large bots, and API clients): Http, Active. */
export function httpBotObject(
  name: string,
  sender: string,
  definition: unknown,
  extra: Record<string, unknown> = {},
) {
  return {
    apiVersion: 'chatbots.dev/v1alpha1',
    kind: 'Chatbot',
    metadata: { name },
    spec: { channel: 'Http', senderRef: { name: sender }, state: 'Active', ...extra, definition },
  };
}

/** 200 intents of 200 short phrases each: about the largest intent training a bot may need (8 M units). */
export function largestIntents(): { name: string; trainingPhrases: string[] }[] {
  return Array.from({ length: 200 }, (_, i) => ({
    name: `topic_${i}`,
    trainingPhrases: Array.from({ length: 200 }, (_, j) => `w${i} p${j} q${(i * 7 + j) % 13}`),
  }));
}
