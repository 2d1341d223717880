// `make demo`: a local control plane (etcd + kube-apiserver from bin/k8s), the CRDs, the
// operator as its own process, and the example bots; then it prints what kubectl shows.
// `--once` (or DEMO_ONCE=1) stops everything after printing, for CI smoke runs.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT, startControlPlane } from '../src/devcluster/control-plane.ts';

const once = process.argv.includes('--once') || process.env.DEMO_ONCE === '1';
const dir = join(REPO_ROOT, '.tmp', 'demo');
const say = (s: string) => console.log(`\x1b[1m==> ${s}\x1b[0m`);

await rm(dir, { recursive: true, force: true });
say('starting etcd and kube-apiserver on 127.0.0.1');
const cp = await startControlPlane({ dir, keepDir: true });
const children: ChildProcess[] = [];
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(
    children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))),
  );
  await cp.stop();
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  const k = async (...args: string[]) => (await cp.kubectl(args)).stdout;
  say('installing the CRDs (crds/) and deploy/ namespace and RBAC');
  await k('apply', '--server-side', '-k', 'crds/');
  await k('wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all');
  await k('apply', '-f', 'deploy/00-namespace.yaml', '-f', 'deploy/10-rbac.yaml');
  for (let i = 0; ; i++) {
    try {
      await k('get', 'chatbots', '-A');
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  say('starting the operator (logs: .tmp/demo/operator.log, metrics: http://127.0.0.1:8081/metrics)');
  const log = createWriteStream(join(dir, 'operator.log'));
  const op = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/operator/main.ts',
      `--kubeconfig=${cp.kubeconfigPath}`,
      '--pod-namespace=chatbot-system',
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  op.stdout?.pipe(log);
  op.stderr?.pipe(log);
  children.push(op);
  op.once('exit', (code) => {
    if (!stopping) {
      console.error(`operator exited with ${code}: see .tmp/demo/operator.log`);
      void stop(1);
    }
  });
  say('runtime: not part of this demo yet (the runtime issue adds it)');

  say('applying examples/ into namespace demo');
  await k('create', 'namespace', 'demo');
  const files = readdirSync(join(REPO_ROOT, 'examples'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join('examples', f));
  const errorFiles = readdirSync(join(REPO_ROOT, 'examples', 'errors')).map((f) =>
    join('examples', 'errors', f),
  );
  await k('apply', '-n', 'demo', ...files.flatMap((f) => ['-f', f]));
  await k('create', 'namespace', 'demo-errors');
  await k('apply', '-n', 'demo-errors', ...errorFiles.flatMap((f) => ['-f', f]));

  say('waiting until every chatbot has a status');
  const deadline = Date.now() + 60_000;
  for (;;) {
    const out = await k(
      'get',
      'chatbots',
      '-A',
      '-o',
      'jsonpath={range .items[*]}{.status.state}{"\\n"}{end}',
    );
    const states = out.split('\n').filter((l, i, a) => i < a.length - 1 || l !== '');
    if (states.length > 0 && states.every((s) => s !== '')) break;
    if (Date.now() > deadline)
      throw new Error('chatbots got no status within 60 s: see .tmp/demo/operator.log');
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(
    `\n$ kubectl get senders,chatbots -n demo\n${await k('get', 'senders,chatbots', '-n', 'demo')}`,
  );
  console.log(`$ kubectl get chatbots -n demo-errors\n${await k('get', 'chatbots', '-n', 'demo-errors')}`);
  const why = await k(
    'get',
    'chatbot',
    '-n',
    'demo-errors',
    '-o',
    'jsonpath={range .items[*]}{.metadata.name}{": "}{.status.conditions[?(@.type=="Validated")].message}{"\\n"}{end}',
  );
  console.log(`Why (condition Validated):\n${why}`);
  if (once) {
    say('demo OK (--once): stopping');
    await stop(0);
  }
  const kubectlPath = join(REPO_ROOT, 'bin', 'k8s', 'kubectl');
  say('the demo is running; in another shell:');
  console.log(`  export KUBECONFIG=${cp.kubeconfigPath} PATH=${join(REPO_ROOT, 'bin', 'k8s')}:$PATH
  kubectl get chatbots -A
  kubectl describe chatbot acme-support -n demo
  kubectl annotate chatbot acme-support -n demo chatbots.dev/reactivate="$(date -u +%FT%TZ)" --overwrite
  node --import tsx src/cli/chatbot.ts validate examples/errors/*.yaml
Press Ctrl-C to stop.${existsSync(kubectlPath) ? '' : ' (kubectl missing: run make k8s-binaries)'}`);
} catch (err) {
  console.error(`demo failed: ${(err as Error).message}`);
  await stop(1);
}
