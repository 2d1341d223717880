// A local Kubernetes control plane (etcd + kube-apiserver from bin/k8s) for tests and the demo,
// started the way controller-runtime's envtest does it: loopback only, temporary dirs,
// generated serving certs, RBAC, an admin token in system:masters, service-account signing.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';

const run = promisify(execFile);

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const DEFAULT_BIN_DIR = join(REPO_ROOT, 'bin', 'k8s');

export interface ControlPlaneOptions {
  /** Where etcd, kube-apiserver and kubectl are (default bin/k8s). */
  binDir?: string;
  /** Working directory for data, certs and logs (default: a new temporary directory). */
  dir?: string;
  /** Keep the working directory after stop (logs for debugging). */
  keepDir?: boolean;
  /** How long to wait for /readyz. */
  startTimeoutMs?: number;
  /** More flags for etcd and kube-apiserver (a benchmark's larger etcd quota, say). */
  etcdArgs?: string[];
  apiserverArgs?: string[];
}

export interface ControlPlane {
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly dir: string;
  readonly token: string;
  /** Runs the built kubectl against this control plane. */
  kubectl(args: string[], input?: string): Promise<{ stdout: string; stderr: string }>;
  /**
   * Installs the CRDs of crds/ and resolves once Chatbots and Senders can be listed (a new CRD
   * answers 429 "storage is (re)initializing" until its watch cache is ready).
   */
  installCrds(): Promise<void>;
  stop(): Promise<void>;
}

export class ControlPlaneError extends Error {
  override name = 'ControlPlaneError';
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? ok(addr.port) : fail(new Error('no port'))));
    });
  });
}

function startProcess(bin: string, args: string[], logFile: string): ChildProcess {
  const log = createWriteStream(logFile);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * A detached shell that kills the children if this process dies without stopping them
 * (a crashed or killed test runner must not leave etcd and kube-apiserver behind).
 */
function startReaper(pids: number[]): ChildProcess {
  const list = pids.join(' ');
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -TERM ${list} 2>/dev/null; sleep 5; kill -KILL ${list} 2>/dev/null; exit 0`;
  const reaper = spawn('bash', ['-c', script], { detached: true, stdio: 'ignore' });
  reaper.unref();
  return reaper;
}

function getReadyz(url: string, token: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = httpsGet(`${url}/readyz`, { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}

async function waitReady(url: string, token: string, ca: string, child: ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new ControlPlaneError(`kube-apiserver exited with code ${child.exitCode}`);
    try {
      const res = await getReadyz(url, token, ca);
      if (res.status === 200) return;
      last = `${res.status} ${res.body}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new ControlPlaneError(`kube-apiserver not ready after ${timeoutMs} ms: ${last}`);
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binDir = opts.binDir ?? DEFAULT_BIN_DIR;
  for (const b of ['etcd', 'kube-apiserver', 'kubectl']) {
    if (!existsSync(join(binDir, b))) {
      throw new ControlPlaneError(`${join(binDir, b)} is missing: run \`make k8s-binaries\` first`);
    }
  }
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'chatbot-cp-')));
  await mkdir(join(dir, 'certs'), { recursive: true });
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];

  // The admin identity: a static token in system:masters.
  const token = randomBytes(24).toString('hex');
  await writeFile(join(dir, 'tokens.csv'), `${token},admin,admin-uid,system:masters\n`, { mode: 0o600 });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));

  const children: ChildProcess[] = [];
  let reaper: ChildProcess | undefined;
  const stopAll = async () => {
    for (const c of [...children].reverse()) await stopProcess(c);
    if (reaper?.pid) {
      try {
        process.kill(-reaper.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  try {
    const etcd = startProcess(
      join(binDir, 'etcd'),
      [
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
        ...(opts.etcdArgs ?? []),
      ],
      join(dir, 'etcd.log'),
    );
    children.push(etcd);
    const apiserver = startProcess(
      join(binDir, 'kube-apiserver'),
      [
        `--etcd-servers=http://127.0.0.1:${etcdClient}`,
        `--cert-dir=${join(dir, 'certs')}`,
        `--secure-port=${apiPort}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
        '--authorization-mode=RBAC',
        '--disable-admission-plugins=ServiceAccount',
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        '--enable-priority-and-fairness=false',
        '-v=1',
        ...(opts.apiserverArgs ?? []),
      ],
      join(dir, 'kube-apiserver.log'),
    );
    children.push(apiserver);
    reaper = startReaper(children.map((c) => c.pid).filter((p): p is number => p !== undefined));

    const server = `https://127.0.0.1:${apiPort}`;
    const caFile = join(dir, 'certs', 'apiserver.crt');
    const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
    while (!existsSync(caFile)) {
      if (apiserver.exitCode !== null) throw new ControlPlaneError(`kube-apiserver exited: see ${dir}`);
      if (Date.now() > deadline)
        throw new ControlPlaneError(`kube-apiserver wrote no serving cert: see ${dir}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const ca = readFileSync(caFile, 'utf8');
    await waitReady(server, token, ca, apiserver, Math.max(1000, deadline - Date.now()));

    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfigPath,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'local',
            cluster: { server, 'certificate-authority-data': Buffer.from(ca).toString('base64') },
          },
        ],
        users: [{ name: 'admin', user: { token } }],
        contexts: [{ name: 'local', context: { cluster: 'local', user: 'admin', namespace: 'default' } }],
        'current-context': 'local',
      }),
      { mode: 0o600 },
    );

    let stopped = false;
    const kubectl = (args: string[], input?: string) => {
      const p = run(join(binDir, 'kubectl'), [`--kubeconfig=${kubeconfigPath}`, ...args], {
        maxBuffer: 64 * 1024 * 1024,
      });
      if (input !== undefined) {
        p.child.stdin?.end(input);
      }
      return p;
    };
    return {
      server,
      kubeconfigPath,
      dir,
      token,
      kubectl,
      installCrds: async () => {
        await kubectl(['apply', '--server-side', '-k', join(REPO_ROOT, 'crds')]);
        await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
        for (let i = 0; ; i++) {
          try {
            await kubectl(['get', 'chatbots,senders', '--all-namespaces']);
            return;
          } catch (err) {
            if (i > 100) throw err;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      },
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await stopAll();
        if (!opts.keepDir) await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
