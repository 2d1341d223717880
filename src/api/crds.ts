// Builds the CustomResourceDefinitions from the schema (written to crds/ by `make manifests`).
import { stringify } from 'yaml';
import { GROUP, schemas, VERSION } from './schema.ts';

interface Column {
  name: string;
  type: string;
  jsonPath: string;
  description: string;
  priority?: number;
}

interface KindInfo {
  kind: 'Chatbot' | 'Sender';
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  description: string;
  columns: Column[];
}

const KINDS: KindInfo[] = [
  {
    kind: 'Chatbot',
    plural: 'chatbots',
    singular: 'chatbot',
    shortNames: ['cb'],
    categories: ['chatbots', 'chatbot-operator'],
    description: 'A chatbot: validated, activated by hand or on a schedule, holding one sender at a time.',
    columns: [
      { name: 'Channel', type: 'string', jsonPath: '.spec.channel', description: 'Messaging channel.' },
      { name: 'Sender', type: 'string', jsonPath: '.spec.senderRef.name', description: 'Sender used.' },
      { name: 'State', type: 'string', jsonPath: '.status.state', description: 'Lifecycle state.' },
      {
        name: 'Valid',
        type: 'string',
        jsonPath: '.status.validation.summary',
        description: 'Validation errors/warnings.',
      },
      {
        name: 'Next',
        type: 'string',
        jsonPath: '.status.schedule.next',
        description: 'Next scheduled action and its time.',
      },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Age.' },
      {
        name: 'Ready',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Ready")].status',
        description: 'Ready condition.',
        priority: 1,
      },
      {
        name: 'Revision',
        type: 'string',
        jsonPath: '.status.revision',
        description: 'Serving revision.',
        priority: 1,
      },
      {
        name: 'Sessions',
        type: 'integer',
        jsonPath: '.status.sessions.open',
        description: 'Open sessions.',
        priority: 1,
      },
      {
        name: 'Message',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Ready")].message',
        description: 'Ready condition message.',
        priority: 1,
      },
    ],
  },
  {
    kind: 'Sender',
    plural: 'senders',
    singular: 'sender',
    shortNames: ['sdr'],
    categories: ['chatbot-operator'],
    description: 'A channel address (phone number or id) that chatbots send from.',
    columns: [
      { name: 'Channel', type: 'string', jsonPath: '.spec.channel', description: 'Messaging channel.' },
      { name: 'Address', type: 'string', jsonPath: '.spec.address', description: 'Phone number or id.' },
      { name: 'Test', type: 'boolean', jsonPath: '.spec.test', description: 'A test sender.' },
      {
        name: 'Holder',
        type: 'string',
        jsonPath: '.status.holder.name',
        description: 'Chatbot holding the sender.',
      },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Age.' },
      {
        name: 'Holder-Namespace',
        type: 'string',
        jsonPath: '.status.holder.namespace',
        description: 'Namespace of the holder.',
        priority: 1,
      },
    ],
  },
];

/** Plain JSON (TypeBox symbols dropped). */
const plain = (s: unknown) => JSON.parse(JSON.stringify(s));

export function buildCrd(info: KindInfo): Record<string, unknown> {
  const { spec, status } = schemas[info.kind];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${info.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: info.kind,
        listKind: `${info.kind}List`,
        plural: info.plural,
        singular: info.singular,
        shortNames: info.shortNames,
        categories: info.categories,
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: info.columns,
          schema: {
            openAPIV3Schema: {
              description: info.description,
              type: 'object',
              properties: {
                apiVersion: { type: 'string', description: 'APIVersion of the object.' },
                kind: { type: 'string', description: 'Kind of the object.' },
                metadata: { type: 'object' },
                spec: plain(spec),
                status: plain(status),
              },
              required: ['spec'],
            },
          },
        },
      ],
    },
  };
}

/** File name in crds/ and its YAML text, for every kind. */
export function renderCrds(): { file: string; yaml: string }[] {
  return KINDS.map((info) => ({
    file: `${GROUP}_${info.plural}.yaml`,
    yaml: `# Generated from src/api/schema.ts by \`make manifests\`: do not edit.\n${stringify(buildCrd(info), { lineWidth: 0 })}`,
  }));
}
