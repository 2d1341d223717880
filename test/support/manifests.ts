// The manifests integration tests apply: one WhatsApp Sender and one Acme support bot, with the
// knobs the tests turn (state, schedule, takeover, redeploy, deactivation, revision history,
// greeting, an empty caption...).

export const senderYaml = (name: string, address: string) => `apiVersion: chatbots.dev/v1alpha1
kind: Sender
metadata: {name: ${name}}
spec: {channel: WhatsApp, address: "${address}", credentialsSecretRef: {name: ${name}}}
`;

export interface BotOptions {
  sender?: string;
  state?: 'Active' | 'Inactive';
  /** Indented `  schedule:` block. */
  schedule?: string;
  /** Flow mappings, e.g. `{mode: Immediate}`. */
  takeover?: string;
  redeploy?: string;
  deactivation?: string;
  revisionHistoryLimit?: number;
  /** The first text: change it to make a new revision. */
  greeting?: string;
  caption?: string;
  annotations?: Record<string, string>;
}

export function botYaml(name: string, o: BotOptions = {}): string {
  const ann = o.annotations
    ? `\n  annotations: {${Object.entries(o.annotations)
        .map(([k, v]) => `"${k}": "${v}"`)
        .join(', ')}}`
    : '';
  return `apiVersion: chatbots.dev/v1alpha1
kind: Chatbot
metadata:
  name: ${name}${ann}
spec:
  channel: WhatsApp
  senderRef: {name: ${o.sender ?? 'acme-whatsapp'}}
  state: ${o.state ?? 'Active'}
  startKeyword: Hi
${o.schedule ? `${o.schedule}\n` : ''}${o.takeover ? `  takeover: ${o.takeover}\n` : ''}${o.redeploy ? `  redeploy: ${o.redeploy}\n` : ''}${o.deactivation ? `  deactivation: ${o.deactivation}\n` : ''}${o.revisionHistoryLimit !== undefined ? `  revisionHistoryLimit: ${o.revisionHistoryLimit}\n` : ''}  definition:
    startDialog: welcome
    dialogs:
    - name: welcome
      elements:
      - text: "${o.greeting ?? 'Hi! This is Acme support.'}"
      - buttons:
          message: "How can we help?"
          items: [{caption: "${o.caption ?? 'Orders'}", goTo: orders}]
    - name: orders
      elements:
      - text: "Your order is on its way."
      - closeSession: {}
`;
}
