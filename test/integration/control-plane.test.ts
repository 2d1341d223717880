// The foundation: CRDs from crds/ install with the built kubectl, objects round-trip through
// @kubernetes/client-node (informer + /status merge patch), and CEL rules reject bad objects.
import {
  CustomObjectsApi,
  type KubernetesObject,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, kubeConfig, kubectl, newNamespace } from '../support/cluster.ts';

const group = 'chatbots.dev';
const version = 'v1alpha1';

type SenderObject = KubernetesObject & {
  spec: Record<string, unknown>;
  status?: { holder?: { name: string } };
};

describe('local control plane', () => {
  const stops: (() => void)[] = [];
  afterEach(() => {
    for (const s of stops.splice(0)) s();
  });

  it('serves the CRDs from crds/ (installed with the built kubectl)', async () => {
    const out = await kubectl(['get', 'crd', '-o', 'name']);
    expect(out.split('\n').sort()).toEqual(
      expect.arrayContaining(['customresourcedefinition.apiextensions.k8s.io/chatbots.chatbots.dev']),
    );
    expect(out).toContain('senders.chatbots.dev');
    const version = JSON.parse(await kubectl(['version', '-o', 'json']));
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.34\./);
  });

  it('creates an object, sees it in an informer, patches /status and watches the change arrive', async () => {
    const ns = await newNamespace('cp');
    const kc = kubeConfig();
    const api = kc.makeApiClient(CustomObjectsApi);
    const informer = makeInformer<SenderObject>(
      kc,
      `/apis/${group}/${version}/namespaces/${ns}/senders`,
      () => api.listNamespacedCustomObject({ group, version, namespace: ns, plural: 'senders' }),
    );
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) =>
      seen.push(`update ${o.metadata?.name} holder=${o.status?.holder?.name ?? '-'}`),
    );
    await informer.start();
    stops.push(() => void informer.stop());

    await kubectl(
      ['apply', '-n', ns, '-f', '-'],
      `apiVersion: chatbots.dev/v1alpha1
kind: Sender
metadata: {name: acme-whatsapp}
spec: {channel: WhatsApp, address: "+385911234567", credentialsSecretRef: {name: acme-whatsapp}}
`,
    );
    await eventually(() => (seen.includes('add acme-whatsapp') ? true : undefined), { what: 'informer add' });
    expect(informer.get('acme-whatsapp', ns)?.spec).toEqual({
      channel: 'WhatsApp',
      address: '+385911234567',
      credentialsSecretRef: { name: 'acme-whatsapp' },
      test: false,
    });

    const since = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await api.patchNamespacedCustomObjectStatus(
      {
        group,
        version,
        namespace: ns,
        plural: 'senders',
        name: 'acme-whatsapp',
        body: { status: { holder: { namespace: ns, name: 'support-bot', since } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await eventually(() => (seen.includes('update acme-whatsapp holder=support-bot') ? true : undefined), {
      what: 'informer update with the new status',
    });
    const printed = await kubectl(['get', 'senders', '-n', ns]);
    expect(printed).toMatch(/NAME\s+CHANNEL\s+ADDRESS\s+TEST\s+HOLDER\s+AGE/);
    expect(printed).toMatch(/acme-whatsapp\s+WhatsApp\s+\+385911234567\s+false\s+support-bot/);
  });

  it('rejects a test sender without a verified number with the CEL rule message', async () => {
    const ns = await newNamespace('cp');
    const err = await kubectl(
      ['apply', '-n', ns, '-f', '-'],
      `apiVersion: chatbots.dev/v1alpha1
kind: Sender
metadata: {name: test-sender}
spec: {channel: WhatsApp, address: "+385911234567", credentialsSecretRef: {name: s}, test: true}
`,
    ).catch((e: Error) => e.message);
    expect(err).toContain('spec.verifiedNumber');
    expect(err).toContain('verifiedNumber is required for a test sender');
    await expect(kubectl(['get', 'sender', 'test-sender', '-n', ns])).rejects.toThrow(/NotFound/);
  });

  it('rejects a WhatsApp sender without credentials: nothing could verify or send its messages', async () => {
    const ns = await newNamespace('cp');
    const err = await kubectl(
      ['apply', '-n', ns, '-f', '-'],
      `apiVersion: chatbots.dev/v1alpha1
kind: Sender
metadata: {name: no-secret}
spec: {channel: WhatsApp, address: "+385911234567"}
`,
    ).catch((e: Error) => e.message);
    expect(err).toContain('spec.credentialsSecretRef');
    expect(err).toContain('a WhatsApp Sender needs credentialsSecretRef');
    await expect(kubectl(['get', 'sender', 'no-secret', '-n', ns])).rejects.toThrow(/NotFound/);
  });
});
