// deploy/'s RBAC is enough for the operator, and no more: the operator runs with the
// ServiceAccount's own token (TokenRequest), not as an admin.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../src/operator/manager.ts';
import { apply, eventually, kubeConfig, kubectl, kubectlResult, newNamespace } from '../support/cluster.ts';
import { startOperator, waitForChatbot, waitForEvent } from '../support/operator.ts';

async function serviceAccountKubeConfig(): Promise<KubeConfig> {
  const admin = kubeConfig();
  const tr = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    namespace: 'chatbot-system',
    name: 'chatbot-operator',
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const kc = new KubeConfig();
  const cluster = admin.getCurrentCluster()!;
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'operator', token: tr.status?.token }],
    contexts: [{ name: 'operator', cluster: cluster.name, user: 'operator' }],
    currentContext: 'operator',
  });
  return kc;
}

describe('deploy/ RBAC', () => {
  let manager: Manager | undefined;
  afterAll(async () => {
    await manager?.stop();
  });

  it('lets the operator do its whole job with its ServiceAccount', async () => {
    await kubectl(['apply', '-f', 'deploy/00-namespace.yaml', '-f', 'deploy/10-rbac.yaml']);
    const ns = await newNamespace('rbac');
    const kc = await serviceAccountKubeConfig();
    manager = await startOperator(ns, {
      kc,
      podNamespace: 'chatbot-system',
      leaderElection: true,
      identity: `rbac-${ns}`,
      leaseDurationMs: 3000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 300,
    });
    await apply(
      ns,
      `apiVersion: chatbots.dev/v1alpha1
kind: Sender
metadata: {name: rbac-sender}
spec: {channel: WhatsApp, address: "+385919999001"}
---
apiVersion: chatbots.dev/v1alpha1
kind: Chatbot
metadata: {name: rbac-bot}
spec:
  channel: WhatsApp
  senderRef: {name: rbac-sender}
  state: Active
  definition:
    startDialog: welcome
    dialogs: [{name: welcome, elements: [{text: "Hello"}]}]
`,
    );
    const cb = await waitForChatbot(ns, 'rbac-bot', (c) => c.status?.state === 'Active', 'Active', 30_000);
    expect(cb.metadata.finalizers).toBeUndefined();
    expect(await kubectl(['get', 'controllerrevisions', '-n', ns, '-o', 'name'])).toContain(
      cb.status?.revision,
    );
    await waitForEvent(ns, 'rbac-bot', 'Activated');
    await eventually(async () =>
      (await kubectl(['get', 'sender', 'rbac-sender', '-n', ns, '-o', 'jsonpath={.status.holder.name}'])) ===
      'rbac-bot'
        ? true
        : undefined,
    );
    await kubectl(['delete', 'chatbot', 'rbac-bot', '-n', ns, '--timeout=20s']);
    // Deleting the holder lets go of the sender, with only these permissions.
    await eventually(async () =>
      (await kubectl(['get', 'sender', 'rbac-sender', '-n', ns, '-o', 'jsonpath={.status.holder.name}'])) ===
      ''
        ? true
        : undefined,
    );
  });

  it.each([
    ['delete', 'chatbots', 'no'],
    ['patch', 'chatbots', 'no'], // status only: it never edits what a team declared
    ['get', 'secrets', 'no'],
    ['create', 'leases', 'no'], // only in its own namespace
    ['patch', 'chatbots/status', 'yes'],
    ['create', 'controllerrevisions', 'yes'],
  ])('the ServiceAccount can %s %s: %s', async (verb, resource, answer) => {
    // kubectl reads "chatbots/status" as a resource and a name: a subresource needs its flag.
    const [kind = '', sub] = resource.split('/');
    const res = await kubectlResult([
      'auth',
      'can-i',
      verb,
      kind,
      ...(sub ? [`--subresource=${sub}`] : []),
      '-n',
      'default',
      '--as=system:serviceaccount:chatbot-system:chatbot-operator',
    ]);
    expect(res.stdout.trim()).toBe(answer);
    expect(res.code).toBe(answer === 'yes' ? 0 : 1);
  });
});
