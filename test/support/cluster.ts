// Helpers for integration tests: a client for the run's control plane and a namespace per test.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { DEFAULT_BIN_DIR } from '../../src/devcluster/control-plane.ts';

const run = promisify(execFile);

export function kubeconfigPath(): string {
  return inject('kubeconfig');
}

export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return kc;
}

/** The built kubectl against the run's control plane; rejects with stderr on a non-zero exit. */
export async function kubectl(args: string[], input?: string): Promise<string> {
  const p = run(join(DEFAULT_BIN_DIR, 'kubectl'), [`--kubeconfig=${kubeconfigPath()}`, ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  if (input !== undefined) p.child.stdin?.end(input);
  try {
    return (await p).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

/** `kubectl apply -n namespace -f -` with YAML on stdin. */
export function apply(namespace: string, yaml: string): Promise<string> {
  return kubectl(['apply', '-n', namespace, '-f', '-'], yaml);
}

/** A fresh namespace, so tests sharing one control plane never see each other's objects. */
export async function newNamespace(prefix = 't'): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await kubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name } } });
  return name;
}

/** Polls fn until it returns a value that is not undefined, or fails with the last error. */
export async function eventually<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 20_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** The built kubectl, with its exit code and output whatever the outcome (e.g. `auth can-i`). */
export async function kubectlResult(
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = run(join(DEFAULT_BIN_DIR, 'kubectl'), [`--kubeconfig=${kubeconfigPath()}`, ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  if (input !== undefined) p.child.stdin?.end(input);
  try {
    const { stdout, stderr } = await p;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
