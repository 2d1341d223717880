// The one source of truth for the Chatbot and Sender API: the CRDs in crds/ (hack/gen-crds.ts),
// the TypeScript types (Static<>) and the runtime schema check (ajv) all come from here.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Definition } from './definition.ts';
import {
  chatbotSpecRules,
  DURATION_PATTERN,
  E164_PATTERN,
  scheduleRules,
  senderSpecRules,
  toValidations,
} from './rules.ts';
import { Duration, literalUnion, name, StringMap, Time, WallTime } from './schema-kit.ts';

export { ButtonItem, Definition, Dialog, Element, Intent } from './definition.ts';

export const GROUP = 'chatbots.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export const CHANNELS = ['WhatsApp', 'SMS', 'Viber', 'Messenger', 'Telegram', 'Http'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CHATBOT_STATES = [
  'Inactive',
  'Scheduled',
  'Active',
  'Draining',
  'Invalid',
  'Preempted',
] as const;
export type ChatbotState = (typeof CHATBOT_STATES)[number];

export const LocalObjectReference = Type.Object(
  { name: name('Name of the object in the same namespace.') },
  { description: 'A reference to an object in the same namespace.' },
);

// metav1.Condition, as every Kubernetes API declares it.
export const Condition = Type.Object({
  type: Type.String({ description: 'Type of condition in CamelCase.', maxLength: 316 }),
  status: literalUnion(['True', 'False', 'Unknown'] as const, 'Status of the condition.'),
  observedGeneration: Type.Optional(
    Type.Integer({ description: 'The .metadata.generation the condition was set for.', minimum: 0 }),
  ),
  lastTransitionTime: Time('Last time the condition changed status.'),
  reason: Type.String({ description: 'Machine-readable reason in CamelCase.', maxLength: 1024 }),
  message: Type.String({ description: 'Human-readable details.', maxLength: 32768 }),
});
export type Condition = Static<typeof Condition>;

const Conditions = Type.Array(Condition, {
  description: 'Standard conditions (Ready, Reconciling, Stalled and kind-specific ones).',
  maxItems: 16,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
});

// ---------------------------------------------------------------- Sender

export const SenderSpec = Type.Object(
  {
    channel: literalUnion(CHANNELS, 'Messaging channel of the sender.'),
    address: Type.String({
      description:
        'E.164 phone number (+385911234567) for WhatsApp, SMS and Viber; any id for other channels.',
      minLength: 1,
      maxLength: 128,
    }),
    test: Type.Optional(
      Type.Boolean({
        description: 'A test sender: only verifiedNumber may talk to its chatbot, and it is never shareable.',
        default: false,
      }),
    ),
    verifiedNumber: Type.Optional(
      Type.String({
        description: 'The number verified at signup; required when test is true.',
        pattern: E164_PATTERN,
        maxLength: 16,
      }),
    ),
    credentialsSecretRef: Type.Optional(
      Type.Object(
        { name: name('Name of the Secret.') },
        {
          description:
            'Secret with the channel credentials: accessToken, appSecret, verifyToken, phoneNumberId.',
        },
      ),
    ),
    sharedWith: Type.Optional(
      Type.Array(
        Type.String({
          description: 'A namespace allowed to declare this address too.',
          pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
          maxLength: 63,
        }),
        {
          description:
            'Namespaces whose Senders may use this address too (like a Gateway API ReferenceGrant). ' +
            'An address belongs to the namespace of its oldest Sender; a Sender elsewhere is accepted ' +
            'only when a Sender of the owner namespace lists its namespace here.',
          maxItems: 64,
          'x-kubernetes-list-type': 'set',
        },
      ),
    ),
  },
  {
    description: 'A channel address that chatbots send from; at most one active chatbot holds it.',
    'x-kubernetes-validations': toValidations(senderSpecRules as never),
  },
);
export type SenderSpec = Static<typeof SenderSpec>;

export const SenderStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  conditions: Type.Optional(Conditions),
  holder: Type.Optional(
    Type.Object(
      {
        namespace: name('Namespace of the chatbot holding this sender.'),
        name: name('Name of the chatbot holding this sender.'),
        since: Time('When the chatbot took the sender.'),
      },
      { description: 'The chatbot that holds this sender (mirrors the sender Lease).' },
    ),
  ),
});
export type SenderStatus = Static<typeof SenderStatus>;

// ---------------------------------------------------------------- Chatbot

export const Window = Type.Object({
  activate: Type.String({
    description: 'Cron expression (5 fields) in timeZone: when to activate.',
    maxLength: 256,
  }),
  deactivate: Type.String({
    description: 'Cron expression (5 fields) in timeZone: when to deactivate.',
    maxLength: 256,
  }),
});

export const Schedule = Type.Object(
  {
    timeZone: Type.Optional(
      Type.String({ description: 'IANA time zone, e.g. Europe/Zagreb.', maxLength: 64 }),
    ),
    activateAt: Type.Optional(WallTime('Activate once at this time.')),
    deactivateAt: Type.Optional(WallTime('Deactivate once at this time.')),
    windows: Type.Optional(
      Type.Array(Window, { description: 'Recurring activation windows.', maxItems: 32 }),
    ),
  },
  {
    description: 'Scheduled activation and deactivation.',
    'x-kubernetes-validations': toValidations(scheduleRules as never),
  },
);
export type Schedule = Static<typeof Schedule>;

export const ChatbotSpec = Type.Object(
  {
    channel: Type.Optional(literalUnion(CHANNELS, 'Channel of the chatbot; must equal the Sender’s.')),
    senderRef: Type.Optional(LocalObjectReference),
    state: Type.Optional(
      literalUnion(['Active', 'Inactive'] as const, 'The state set by hand.', { default: 'Inactive' }),
    ),
    schedule: Type.Optional(Schedule),
    takeover: Type.Optional(
      Type.Object(
        {
          mode: Type.Optional(
            literalUnion(['Graceful', 'Immediate'] as const, 'How the displaced chatbot’s sessions end.', {
              default: 'Graceful',
            }),
          ),
          gracePeriod: Type.Optional(
            Duration('How long the displaced chatbot’s open sessions may go on.', '15m'),
          ),
        },
        { description: 'What happens to the chatbot this one displaces from its sender.', default: {} },
      ),
    ),
    redeploy: Type.Optional(
      Type.Object(
        {
          gracePeriod: Type.Optional(
            Duration('How long sessions on the previous revision may go on.', '10m'),
          ),
        },
        { description: 'Redeployment of a changed active chatbot.', default: {} },
      ),
    ),
    deactivation: Type.Optional(
      Type.Object(
        {
          gracePeriod: Type.Optional(
            Duration('How long open sessions may go on after a manual or scheduled deactivation.', '0s'),
          ),
        },
        { description: 'Manual and scheduled deactivation.', default: {} },
      ),
    ),
    sessionTimeout: Type.Optional(Duration('An idle session closes after this long.', '30m')),
    startKeyword: Type.Optional(
      Type.String({ description: 'Prefilled text of the WhatsApp link.', maxLength: 256 }),
    ),
    revisionHistoryLimit: Type.Optional(
      Type.Integer({ description: 'Old revisions kept.', default: 5, minimum: 0, maximum: 100 }),
    ),
    definition: Type.Optional(Definition),
  },
  {
    description:
      'A chatbot: its sender, its state by hand or by schedule, grace periods and its conversation.',
    'x-kubernetes-validations': toValidations(chatbotSpecRules as never),
  },
);
export type ChatbotSpec = Static<typeof ChatbotSpec>;

export const Issue = Type.Object({
  severity: literalUnion(['Error', 'Warning'] as const, 'Errors block activation; warnings never do.'),
  code: Type.String({ description: 'Stable issue code.', maxLength: 64 }),
  path: Type.String({ description: 'Path into the manifest.', maxLength: 1024 }),
  message: Type.String({ maxLength: 4096 }),
  hint: Type.Optional(Type.String({ description: 'How to fix it, in one sentence.', maxLength: 4096 })),
});
export type Issue = Static<typeof Issue>;

export const ChatbotStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  state: Type.Optional(literalUnion(CHATBOT_STATES, 'Lifecycle state.')),
  conditions: Type.Optional(Conditions),
  validation: Type.Optional(
    Type.Object({
      errors: Type.Integer({ minimum: 0 }),
      warnings: Type.Integer({ minimum: 0 }),
      summary: Type.Optional(Type.String({ description: 'errors/warnings, e.g. 0/2.', maxLength: 32 })),
      issues: Type.Optional(Type.Array(Issue, { maxItems: 100 })),
      omitted: Type.Optional(Type.Integer({ description: 'Issues left out of the list.', minimum: 0 })),
    }),
  ),
  revision: Type.Optional(name('The serving ControllerRevision.')),
  draining: Type.Optional(
    Type.Array(
      Type.Object({
        revision: name('Revision whose sessions are draining.'),
        since: Type.Optional(Time('When the drain started.')),
        until: Time('When its open sessions are closed.'),
        reason: literalUnion(['Redeploy', 'TakenOver', 'Deactivated'] as const, 'Why it drains.'),
      }),
      { maxItems: 32 },
    ),
  ),
  schedule: Type.Optional(
    Type.Object({
      nextAction: Type.Optional(literalUnion(['Activate', 'Deactivate'] as const, 'Next scheduled action.')),
      nextAt: Type.Optional(Time('When it happens.')),
      next: Type.Optional(
        Type.String({ description: 'nextAction and nextAt, for kubectl get.', maxLength: 64 }),
      ),
    }),
  ),
  activation: Type.Optional(
    Type.Object({
      desired: Type.Optional(literalUnion(['Active', 'Inactive'] as const, 'Effective desired state now.')),
      moment: Type.Optional(Time('The activation moment this chatbot claims its sender with.')),
      requestedAt: Type.Optional(Time('When a manual activation was first observed.')),
      activatedAt: Type.Optional(Time('When it last became Active.')),
      deactivatedAt: Type.Optional(Time('When it last stopped being Active.')),
      preemptedBy: Type.Optional(
        Type.String({ description: 'namespace/name of the chatbot that took over.' }),
      ),
    }),
  ),
  entryPoints: Type.Optional(
    StringMap(
      Type.Object({
        link: Type.Optional(Type.String({ maxLength: 2048 })),
        shareable: Type.Boolean({
          description: 'False for a test sender: only the verified number may use it.',
        }),
        qr: Type.Optional(
          Type.Object(
            {
              png: Type.String({ maxLength: 2048 }),
              svg: Type.String({ maxLength: 2048 }),
            },
            {
              description:
                'Where the runtime serves the QR code of the link (needs the operator’s --public-url).',
            },
          ),
        ),
      }),
      'Public entry points per channel (whatsapp: wa.me link).',
    ),
  ),
  sessions: Type.Optional(
    Type.Object({
      open: Type.Integer({ minimum: 0 }),
      draining: Type.Integer({ minimum: 0 }),
      byRevision: Type.Optional(StringMap(Type.Integer({ minimum: 0 }), 'Open sessions per revision.')),
      observedAt: Time('When the runtime counted them.'),
    }),
  ),
});
export type ChatbotStatus = Static<typeof ChatbotStatus>;

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string | Date;
  deletionTimestamp?: string | Date;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

export interface Chatbot {
  apiVersion: typeof API_VERSION;
  kind: 'Chatbot';
  metadata: ObjectMeta;
  spec: ChatbotSpec;
  status?: ChatbotStatus;
}

export interface Sender {
  apiVersion: typeof API_VERSION;
  kind: 'Sender';
  metadata: ObjectMeta;
  spec: SenderSpec;
  status?: SenderStatus;
}

export const schemas: Record<'Chatbot' | 'Sender', { spec: TSchema; status: TSchema }> = {
  Chatbot: { spec: ChatbotSpec, status: ChatbotStatus },
  Sender: { spec: SenderSpec, status: SenderStatus },
};

export { DURATION_PATTERN };
