// The operator and the runtime as real processes (node --import tsx src/.../main.ts): spawn one,
// read its pino JSON log lines, find its ports, scrape its endpoints, and never leak it.
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const OPERATOR_MAIN = 'src/operator/main.ts';
export const RUNTIME_MAIN = 'src/runtime/main.ts';

/** One pino log line (the fields the tests read; the rest is kept as is). */
export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [field: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface OperatorProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Parsed JSON lines of stdout so far. */
  readonly logs: LogLine[];
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  /** Set once the process has exited. */
  exit: Exit | undefined;
  /** The first log line (already written or to come) that matches; rejects if the process exits first. */
  waitForLog(match: string | ((l: LogLine) => boolean), timeoutMs?: number): Promise<LogLine>;
  /** The port from the `health and metrics server listening` line. */
  healthPort(timeoutMs?: number): Promise<number>;
  kill(signal?: NodeJS.Signals): void;
  /** Everything the process wrote, for failure messages. */
  describe(): string;
}

const live = new Set<OperatorProcess>();

/** Flags and env a developer's shell may carry that would change what the operator does. */
const OPERATOR_ENV = [
  'KUBECONFIG',
  'WATCH_NAMESPACES',
  'POD_NAMESPACE',
  'WORKERS',
  'LEADER_ELECT',
  'HEALTH_PORT',
  'HEALTH_HOST',
  'POD_NAME',
  'LOG_LEVEL',
  'RUNTIME_HOST',
  'RUNTIME_PORT',
  'SESSION_STORE',
  'REDIS_URL',
  'WHATSAPP_API_URL',
  'WHATSAPP_MAX_AGE',
  'PUBLIC_URL',
  'SESSION_KEY',
  'USER_RATE',
  'CLIENT_RATE',
];

/** Starts `node --import tsx src/operator/main.ts ...args` from the repository root. */
export function spawnOperator(
  args: string[],
  opts: { name?: string; env?: Record<string, string> } = {},
): OperatorProcess {
  return spawnMain(OPERATOR_MAIN, args, opts);
}

/** Starts `node --import tsx src/runtime/main.ts ...args` from the repository root. */
export function spawnRuntime(
  args: string[],
  opts: { name?: string; env?: Record<string, string> } = {},
): OperatorProcess {
  return spawnMain(RUNTIME_MAIN, args, opts);
}

function spawnMain(
  main: string,
  args: string[],
  opts: { name?: string; env?: Record<string, string> } = {},
): OperatorProcess {
  const env = { ...process.env };
  for (const k of OPERATOR_ENV) delete env[k];
  Object.assign(env, opts.env ?? {});
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${main}`);
  const name = opts.name ?? `${main.split('/')[1]}[${child.pid}]`;
  let out = '';
  let err = '';
  let partial = '';
  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    out += chunk;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const parsed = JSON.parse(line) as unknown;
        if (parsed && typeof parsed === 'object' && 'msg' in parsed) logs.push(parsed as LogLine);
      } catch {
        // not a log line (e.g. --help output)
      }
    }
    notify();
  });
  child.stderr!.on('data', (chunk: string) => {
    err += chunk;
  });
  const proc: OperatorProcess = {
    name,
    child,
    pid: child.pid,
    logs,
    stdout: () => out,
    stderr: () => err,
    exit: undefined,
    exited: new Promise<Exit>((resolveExit) => {
      // 'close' (not 'exit'): stdout and stderr have been read to the end by then.
      child.on('close', (code, signal) => {
        proc.exit = { code, signal };
        live.delete(proc);
        resolveExit(proc.exit);
        notify();
      });
    }),
    waitForLog(match, timeoutMs = 20_000) {
      const pred = typeof match === 'string' ? (l: LogLine) => l.msg === match : match;
      const what = typeof match === 'string' ? `log "${match}"` : 'a matching log line';
      return new Promise<LogLine>((ok, fail) => {
        const check = () => {
          const found = logs.find(pred);
          if (found) done(() => ok(found));
          else if (proc.exit)
            done(() =>
              fail(
                new Error(`${name} exited before ${what}: ${JSON.stringify(proc.exit)}\n${proc.describe()}`),
              ),
            );
        };
        const timer = setTimeout(
          () =>
            done(() =>
              fail(
                new Error(
                  `timed out after ${timeoutMs} ms waiting for ${what} from ${name}\n${proc.describe()}`,
                ),
              ),
            ),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    async healthPort(timeoutMs = 20_000) {
      const line = await proc.waitForLog('health and metrics server listening', timeoutMs);
      if (typeof line.port !== 'number' || line.port <= 0)
        throw new Error(`no port in ${JSON.stringify(line)}`);
      return line.port;
    },
    kill(signal = 'SIGTERM') {
      if (!proc.exit) child.kill(signal);
    },
    describe() {
      const tail = (s: string) => s.split('\n').slice(-60).join('\n');
      return `--- ${name} stdout (tail) ---\n${tail(out)}\n--- ${name} stderr ---\n${tail(err)}`;
    },
  };
  live.add(proc);
  return proc;
}

/**
 * SIGKILLs every spawned operator still running and waits for it to go; call in afterEach.
 * With dump, prints each process's output first (for a failed test).
 */
export async function killAllOperators({ dump = false } = {}): Promise<void> {
  const procs = [...live];
  if (dump) for (const p of procs) console.error(p.describe());
  for (const p of procs) p.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
}

/** Runs the operator to completion (for --help and bad flags), killing it after timeoutMs. */
export function runOperator(args: string[], timeoutMs = 20_000) {
  return runToEnd(spawnOperator(args), timeoutMs);
}

/** Runs the runtime to completion (for --help and bad flags), killing it after timeoutMs. */
export function runRuntime(args: string[], timeoutMs = 20_000) {
  return runToEnd(spawnRuntime(args), timeoutMs);
}

async function runToEnd(
  p: OperatorProcess,
  timeoutMs: number,
): Promise<Exit & { stdout: string; stderr: string; logs: LogLine[] }> {
  const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
  try {
    const exit = await p.exited;
    return { ...exit, stdout: p.stdout(), stderr: p.stderr(), logs: p.logs };
  } finally {
    clearTimeout(timer);
  }
}

/** GET http://127.0.0.1:port/path. */
export async function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

/** Scrapes /metrics; throws unless it answers 200. */
export async function scrapeMetrics(port: number): Promise<string> {
  const { status, body } = await httpGet(port, '/metrics');
  if (status !== 200) throw new Error(`/metrics answered ${status}`);
  return body;
}

/**
 * The sum of every sample of one metric in Prometheus text format (all label sets);
 * undefined when the metric has no sample (a labelled counter never incremented).
 */
export function metricSum(text: string, name: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}
