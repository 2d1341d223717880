// deploy/'s RBAC is enough for the operator, and no more: the operator runs with the
// ServiceAccount's own token (TokenRequest), not as an admin.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/kube/clock.ts';
import type { Manager } from '../../src/operator/manager.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { apply, eventually, kubeConfig, kubectl, kubectlResult, newNamespace } from '../support/cluster.ts';
import { httpBotYaml, httpSenderYaml } from '../support/http-bot.ts';
import { startOperator, waitForChatbot, waitForEvent } from '../support/operator.ts';
import { REPO_ROOT } from '../support/process.ts';
import { say, seen, startRuntime } from '../support/runtime.ts';

async function serviceAccountKubeConfig(name = 'chatbot-operator'): Promise<KubeConfig> {
  const admin = kubeConfig();
  const tr = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    namespace: 'chatbot-system',
    name,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const kc = new KubeConfig();
  const cluster = admin.getCurrentCluster()!;
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name, token: tr.status?.token }],
    contexts: [{ name, cluster: cluster.name, user: name }],
    currentContext: name,
  });
  return kc;
}

/** `kubectl auth can-i` as a ServiceAccount of chatbot-system; "chatbots/status" is a subresource. */
function canI(serviceAccount: string, verb: string, resource: string, namespace: string) {
  // kubectl reads "chatbots/status" as a resource and a name: a subresource needs its flag.
  const [kind = '', sub] = resource.split('/');
  return kubectlResult([
    'auth',
    'can-i',
    verb,
    kind,
    ...(sub ? [`--subresource=${sub}`] : []),
    '-n',
    namespace,
    `--as=system:serviceaccount:chatbot-system:${serviceAccount}`,
  ]);
}

/** What a tenant's namespace admin applies: the component deploy/tenant, in their namespace. */
async function allowRuntimeSecrets(namespace: string): Promise<void> {
  const dir = join(REPO_ROOT, '.tmp', `tenant-${namespace}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ${namespace}\ncomponents: [../../deploy/tenant]\n`,
  );
  try {
    await kubectl(['apply', '-k', dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('deploy/ RBAC', () => {
  let manager: Manager | undefined;
  let runtime: Runtime | undefined;
  afterAll(async () => {
    await runtime?.stop();
    await manager?.stop();
  });

  it('lets the operator do its whole job with its ServiceAccount', async () => {
    await kubectl([
      'apply',
      '-f',
      'deploy/00-namespace.yaml',
      '-f',
      'deploy/10-rbac.yaml',
      '-f',
      'deploy/15-runtime-rbac.yaml',
    ]);
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
spec: {channel: WhatsApp, address: "+385919999001", credentialsSecretRef: {name: rbac-sender}}
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

  it('runs the whole graceful-takeover story with operator and runtime as their own ServiceAccounts', async () => {
    const ns = await newNamespace('rbac-story');
    const address = `rbac-${ns}`;
    await kubectl(['create', 'secret', 'generic', 'web-token', '-n', ns, '--from-literal=token=s3cret']);
    await apply(
      ns,
      `${httpSenderYaml('web', address, 'web-token')}---\n${httpBotYaml('a', { sender: 'web', greeting: 'A here' })}`,
    );
    const clock = new FakeClock('2026-12-01T10:00:00Z');
    // The first test's operator watches another namespace: one for this one, on a fake clock.
    const operator = await startOperator(ns, {
      kc: await serviceAccountKubeConfig(),
      podNamespace: 'chatbot-system',
      identity: `rbac-${ns}`,
      clock, // leader election (and its Lease permissions) is the first test's
    });
    try {
      const a = await waitForChatbot(ns, 'a', (c) => c.status?.state === 'Active', 'A Active', 30_000);
      // The tenant lets the runtime read its Senders' Secrets: the component deploy/tenant.
      expect((await canI('chatbot-runtime', 'get', 'secrets', ns)).stdout.trim()).toBe('no');
      await allowRuntimeSecrets(ns);
      expect((await canI('chatbot-runtime', 'get', 'secrets', ns)).stdout.trim()).toBe('yes');
      expect((await canI('chatbot-runtime', 'list', 'secrets', ns)).stdout.trim()).toBe('no');
      runtime = await startRuntime(ns, {
        kc: await serviceAccountKubeConfig('chatbot-runtime'),
        leaseNamespace: 'chatbot-system',
        clock,
      });
      const port = runtime.port;
      const auth = { authorization: 'Bearer s3cret' };
      const ana = (body: { text?: string; button?: string }) =>
        say(port, address, { from: 'ana', name: 'Ana', ...body }, auth);
      const hi = await ana({ text: 'hi' });
      expect(seen(hi)).toEqual(['A here, Ana!', 'How can we help? [Orders | Website]']);
      expect(hi.chatbot).toBe(`${ns}/a`);
      // The runtime reports the session with its own field manager.
      const reported = await waitForChatbot(
        ns,
        'a',
        (c) => c.status?.sessions?.open === 1,
        'sessions.open 1',
      );
      expect(reported.status?.sessions?.byRevision).toEqual({ [a.status?.revision ?? '']: 1 });
      const fields = (reported.metadata as { managedFields?: { manager?: string }[] }).managedFields ?? [];
      expect(fields.map((f) => f.manager)).toContain('chatbot-runtime');

      // B takes the sender with a 10 minute grace period.
      clock.advance(60_000);
      await apply(
        ns,
        httpBotYaml('b', {
          sender: 'web',
          greeting: 'B here',
          takeover: '{mode: Graceful, gracePeriod: 10m}',
        }),
      );
      await waitForChatbot(ns, 'b', (c) => c.status?.state === 'Active', 'B Active', 30_000);
      await waitForChatbot(ns, 'a', (c) => c.status?.state === 'Draining', 'A Draining');
      await waitForEvent(ns, 'a', 'TakenOver');
      expect(seen(await ana({ button: 'Orders' }))).toEqual(['Ask me about your order.']);
      const bo = await say(port, address, { from: 'bo', text: 'hi', name: 'Bo' }, auth);
      expect(seen(bo)).toEqual(['B here, Bo!', 'How can we help? [Orders | Website]']);

      // At the deadline Ana's session on A closes; her next message reaches B.
      clock.advance(10 * 60_000 + 1000);
      await waitForEvent(ns, 'a', 'DrainEnded');
      const after = await ana({ text: 'where is my order' });
      expect(after.chatbot).toBe(`${ns}/b`);
      expect(seen(after)).toEqual(['B here, Ana!', 'How can we help? [Orders | Website]']);
      await eventually(async () =>
        (await kubectl(['get', 'sender', 'web', '-n', ns, '-o', 'jsonpath={.status.holder.name}'])) === 'b'
          ? true
          : undefined,
      );
    } finally {
      await runtime?.stop();
      runtime = undefined;
      await operator.stop();
    }
  });

  it.each([
    ['get', 'secrets', 'no'], // only where a tenant binds chatbot-runtime-secrets (deploy/tenant)
    ['list', 'secrets', 'no'],
    ['watch', 'secrets', 'no'],
    ['patch', 'chatbots/status', 'yes'],
    ['patch', 'chatbots', 'no'],
    ['patch', 'senders/status', 'no'],
    ['create', 'controllerrevisions', 'no'],
    ['create', 'events', 'no'],
    ['watch', 'controllerrevisions', 'yes'],
  ])('the runtime ServiceAccount can %s %s: %s', async (verb, resource, answer) => {
    const res = await canI('chatbot-runtime', verb, resource, 'default');
    expect(res.stdout.trim()).toBe(answer);
  });

  it.each([
    ['watch', 'leases', 'chatbot-system', 'yes'],
    ['update', 'leases', 'chatbot-system', 'no'],
    ['list', 'leases', 'default', 'no'],
  ])('the runtime ServiceAccount can %s %s in %s: %s', async (verb, resource, namespace, answer) => {
    const res = await canI('chatbot-runtime', verb, resource, namespace);
    expect(res.stdout.trim()).toBe(answer);
  });

  it.each([
    ['delete', 'chatbots', 'no'],
    ['patch', 'chatbots', 'no'], // status only: it never edits what a team declared
    ['get', 'secrets', 'no'],
    ['create', 'leases', 'no'], // only in its own namespace
    ['patch', 'chatbots/status', 'yes'],
    ['update', 'chatbots/status', 'no'], // a merge patch with a resourceVersion precondition
    ['create', 'controllerrevisions', 'yes'],
    ['patch', 'events', 'no'],
  ])('the ServiceAccount can %s %s: %s', async (verb, resource, answer) => {
    const res = await canI('chatbot-operator', verb, resource, 'default');
    expect(res.stdout.trim()).toBe(answer);
    expect(res.code).toBe(answer === 'yes' ? 0 : 1);
  });
});
