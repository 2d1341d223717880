// Starts one real control plane (etcd + kube-apiserver) for the whole integration run and
// installs the CRDs from crds/ with the built kubectl.
import type { TestProject } from 'vitest/node';
import { type ControlPlane, startControlPlane } from '../../src/devcluster/control-plane.ts';

let cp: ControlPlane | undefined;

export async function setup(project: TestProject) {
  const t0 = Date.now();
  cp = await startControlPlane({ keepDir: process.env.KEEP_CONTROL_PLANE === '1' });
  await cp.installCrds();
  console.log(`control plane ${cp.server} ready in ${Date.now() - t0} ms (dir ${cp.dir})`);
  project.provide('kubeconfig', cp.kubeconfigPath);
  project.provide('controlPlaneDir', cp.dir);
}

export async function teardown() {
  await cp?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    controlPlaneDir: string;
  }
}
