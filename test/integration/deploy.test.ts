// deploy/ as a platform team applies it: the kustomization renders with the built kubectl, the
// real apiserver accepts every object (server-side dry run), and the workloads pass the
// restricted Pod Security Standard their namespace enforces.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_BIN_DIR } from '../../src/devcluster/control-plane.ts';
import { kubeconfigPath, kubectl, kubectlResult } from '../support/cluster.ts';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any;
}

describe('deploy/ (kustomize)', () => {
  it('renders, and the apiserver accepts all of it with no Pod Security warning', async () => {
    const rendered = await kubectl(['kustomize', 'deploy/']);
    const objs = parseAllDocuments(rendered).map((d) => d.toJS() as Obj);
    const kinds = objs.map((o) => `${o.kind}/${o.metadata.name}`);
    for (const want of [
      'CustomResourceDefinition/chatbots.chatbots.dev',
      'CustomResourceDefinition/senders.chatbots.dev',
      'Namespace/chatbot-system',
      'ServiceAccount/chatbot-operator',
      'ServiceAccount/chatbot-runtime',
      'ClusterRole/chatbot-operator',
      'ClusterRole/chatbot-runtime',
      'Deployment/chatbot-operator',
      'Deployment/chatbot-runtime',
      'Deployment/chatbot-redis',
      'Service/chatbot-runtime',
      'PodDisruptionBudget/chatbot-operator',
      'PodDisruptionBudget/chatbot-runtime',
      'ConfigMap/chatbot-config',
      'ClusterRole/chatbot-runtime-secrets',
      'NetworkPolicy/chatbot-redis',
      'NetworkPolicy/chatbot-runtime',
    ]) {
      expect(kinds).toContain(want);
    }
    // The namespace for real, with its Pod Security labels (other tests share it); the rest is a dry run.
    await kubectl(['apply', '--server-side', '--force-conflicts', '-f', 'deploy/00-namespace.yaml']);
    expect(await kubectl(['get', 'ns', 'chatbot-system', '-o', 'jsonpath={.metadata.labels}'])).toContain(
      '"pod-security.kubernetes.io/enforce":"restricted"',
    );
    const res = await kubectlResult([
      'apply',
      '--server-side',
      '--dry-run=server',
      '--force-conflicts',
      '-k',
      'deploy/',
    ]);
    expect(res.stderr).not.toMatch(/would violate PodSecurity/);
    expect(res.stderr).not.toMatch(/^error/im);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('deployment.apps/chatbot-runtime serverside-applied (server dry run)');
    // The check bites: the same manifests with a root container draw the apiserver's warning.
    const rootly = rendered.replace('runAsNonRoot: true', 'runAsNonRoot: false');
    const bad = await kubectlResult(
      ['apply', '--server-side', '--dry-run=server', '--force-conflicts', '-f', '-'],
      rootly,
    );
    expect(bad.stderr).toMatch(/would violate PodSecurity "restricted:latest"/);
  });

  it('runs the operator with leader election and the runtime on Redis, each with probes, limits and a restricted security context', async () => {
    const objs = parseAllDocuments(await kubectl(['kustomize', 'deploy/'])).map((d) => d.toJS() as Obj);
    const deployment = (name: string) =>
      objs.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!;
    const operator = deployment('chatbot-operator');
    const runtime = deployment('chatbot-runtime');
    expect(operator.spec.replicas).toBe(2);
    expect(runtime.spec.replicas).toBe(2);
    const env = (d: Obj) =>
      Object.fromEntries(
        d.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]),
      );
    expect(env(runtime)).toMatchObject({
      SESSION_STORE: 'redis',
      REDIS_URL: 'redis://:$(REDIS_PASSWORD)@chatbot-redis:6379/0',
      REDIS_PASSWORD: { secretKeyRef: { name: 'chatbot-redis', key: 'password' } },
      SESSION_KEY: { secretKeyRef: { name: 'chatbot-runtime', key: 'sessionKey' } },
    });
    // Redis asks for the password and never evicts a lock or a seen marker.
    const redis = deployment('chatbot-redis').spec.template.spec.containers[0];
    expect(redis.args.join(' ')).toMatch(
      /--maxmemory-policy noeviction .*--requirepass \$\(REDIS_PASSWORD\)/,
    );
    // Only the runtime reaches Redis; the runtime's health port answers its namespace and scrapers.
    const policy = (name: string) =>
      objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name)!;
    expect(policy('chatbot-redis').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'chatbot-redis' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'chatbot-runtime' } } }],
          ports: [{ port: 'redis' }],
        },
      ],
    });
    expect(policy('chatbot-runtime').spec.ingress).toEqual([
      { ports: [{ port: 'http' }] },
      {
        ports: [{ port: 'health' }],
        from: [
          { podSelector: {} },
          { namespaceSelector: { matchLabels: { 'chatbots.dev/scrape-runtime': 'true' } } },
        ],
      },
    ]);
    // No cluster-wide Secret access for the internet-facing runtime.
    const runtimeRole = objs.find(
      (o) => o.kind === 'ClusterRole' && o.metadata.name === 'chatbot-runtime',
    ) as any;
    expect(JSON.stringify(runtimeRole.rules)).not.toContain('secrets');
    expect(runtime.spec.template.spec.containers[0].lifecycle.preStop).toEqual({ sleep: { seconds: 5 } });
    expect(runtime.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    for (const d of [operator, runtime, deployment('chatbot-redis')]) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      for (const c of pod.containers) {
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.resources.requests).toBeDefined();
        expect(c.resources.limits.memory).toBeDefined();
        expect(c.livenessProbe).toBeDefined();
        expect(c.readinessProbe).toBeDefined();
      }
    }
    expect(operator.spec.template.spec.serviceAccountName).toBe('chatbot-operator');
    expect(runtime.spec.template.spec.serviceAccountName).toBe('chatbot-runtime');
  });

  it('make deploy-secrets creates the Redis password and the session key once, random, and keeps them', async () => {
    const run = () =>
      promisify(execFile)('bash', ['hack/deploy-secrets.sh'], {
        env: { ...process.env, KUBECONFIG: kubeconfigPath(), PATH: `${DEFAULT_BIN_DIR}:${process.env.PATH}` },
      });
    await kubectl([
      'delete',
      'secret',
      'chatbot-redis',
      'chatbot-runtime',
      '-n',
      'chatbot-system',
      '--ignore-not-found',
    ]);
    const first = await run();
    expect(first.stdout).toContain('secret chatbot-system/chatbot-redis created (password)');
    expect(first.stdout).toContain('secret chatbot-system/chatbot-runtime created (sessionKey)');
    const read = async (name: string, key: string) =>
      Buffer.from(
        await kubectl(['get', 'secret', name, '-n', 'chatbot-system', '-o', `jsonpath={.data.${key}}`]),
        'base64',
      ).toString();
    const password = await read('chatbot-redis', 'password');
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect(await read('chatbot-runtime', 'sessionKey')).not.toBe(password);
    const again = await run();
    expect(again.stdout).toContain('secret chatbot-system/chatbot-redis exists: kept');
    expect(await read('chatbot-redis', 'password')).toBe(password);
  });
});
