// A real redis-server for tests: on a free 127.0.0.1 port, no persistence (--save '',
// --appendonly no), its files in a temp dir; stop() kills it and removes the dir. The Debian
// package redis-server provides the binary (.ci/run installs it); REDIS_SERVER overrides the path.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/devcluster/control-plane.ts';

export interface RedisServer {
  /** redis://[:password@]127.0.0.1:port: what the runtime's REDIS_URL takes. */
  readonly url: string;
  /** The same server without credentials (what any other Pod could try). */
  readonly anonymousUrl: string;
  readonly port: number;
  readonly pid: number;
  /** Kills the server (SIGTERM, then SIGKILL) and removes its temp dir; idempotent. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHook = false;

// A port the kernel just handed out on 127.0.0.1 (free now; redis may still lose a race for it:
// startRedis tries again), as the control plane picks its ports.
export { freePort };

/**
 * Starts redis-server and resolves once it accepts connections; with `password` it requires it
 * (requirepass, as deploy/40-redis.yaml runs it) and evicts nothing (noeviction).
 */
export async function startRedis({
  timeoutMs = 30_000,
  password,
}: {
  timeoutMs?: number;
  password?: string;
} = {}): Promise<RedisServer> {
  const bin = process.env.REDIS_SERVER ?? 'redis-server';
  const dir = await mkdtemp(join(tmpdir(), 'chatbot-redis-'));
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const child of live) child.kill('SIGKILL');
    });
  }
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      return await launch(bin, port, dir, timeoutMs, password);
    } catch (err) {
      lastError = err as Error;
      if (!/already in use/i.test(lastError.message)) break;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError ?? new Error('redis-server did not start');
}

function launch(
  bin: string,
  port: number,
  dir: string,
  timeoutMs: number,
  password: string | undefined,
): Promise<RedisServer> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
    ...(password ? ['--requirepass', password, '--maxmemory-policy', 'noeviction'] : []),
  ];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.once('close', () => live.delete(child));
  return new Promise<RedisServer>((resolve, reject) => {
    let settled = false;
    const fail = (msg: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${msg}\n--- redis-server output ---\n${output.split('\n').slice(-30).join('\n')}`));
    };
    const timer = setTimeout(() => fail(`redis-server did not get ready within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) =>
      fail(
        err.code === 'ENOENT'
          ? `${bin} not found: install the Debian package redis-server (apt-get install redis-server) or set REDIS_SERVER`
          : `could not start ${bin}: ${err.message}`,
      ),
    );
    child.once('close', (code, signal) =>
      fail(
        `redis-server exited (${code ?? signal}) before it was ready${/already in use/i.test(output) ? ' (address already in use)' : ''}`,
      ),
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (!settled && /Ready to accept connections/.test(output)) {
        settled = true;
        clearTimeout(timer);
        let stopped: Promise<void> | undefined;
        resolve({
          url: password
            ? `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`
            : `redis://127.0.0.1:${port}`,
          anonymousUrl: `redis://127.0.0.1:${port}`,
          port,
          pid: child.pid!,
          stop: () => {
            stopped ??= (async () => {
              if (child.exitCode === null && child.signalCode === null) {
                child.kill('SIGTERM');
                const force = setTimeout(() => child.kill('SIGKILL'), 5000);
                await exited;
                clearTimeout(force);
              }
              await rm(dir, { recursive: true, force: true });
            })();
            return stopped;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
}
