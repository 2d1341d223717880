// Helpers of the runtime benchmark (bench/runtime/run.ts) that every one of its processes may
// load: the end users' conversation script, latency summaries, /proc readings, table printing.
// Nothing heavy is imported here, so the load generator and the echo server stay small.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { controlPlanePids, fmt, machineCpu, mib, procCpu, sleep, table } from '../proc.ts';

export { controlPlanePids, fmt, machineCpu, mib, procCpu, sleep, table };

// ---------------------------------------------------------------------------------------------
// Jobs of the child processes (the echo server and the load generator), passed in the env.

export const JOB_ENV = 'BENCH_RUNTIME_JOB';

/** What the load generator runs against one target. */
export interface LoadJob {
  kind: 'load';
  label: string;
  port: number;
  address: string;
  /** Concurrent end users, one request in flight each, on as many keep-alive connections. */
  users: number;
  /** Prefix of the end users' ids (`from`), so no two phases share a conversation. */
  userPrefix: string;
  warmupMs: number;
  measureMs: number;
  /** Messages/s over all users (each user sends on a fixed schedule); 0: as fast as answered. */
  rate: number;
  /** runtime: every reply must be the script's; echo: a 200 with replies is enough. */
  check: 'runtime' | 'echo';
}

/** Opens `count` sessions: distinct end users each say "hi" once (users in flight at a time). */
export interface SessionsJob {
  kind: 'sessions';
  label: string;
  port: number;
  address: string;
  users: number;
  userPrefix: string;
  count: number;
  check: 'runtime' | 'echo';
}

export type ChildJob = LoadJob | SessionsJob;

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface LoadResult {
  kind: 'load';
  label: string;
  /** Round trips that ended (answer read) within the measured window, good or not. */
  completed: number;
  /** Good round trips per second in the measured window. */
  rate: number;
  /**
   * Round-trip latency of the good ones that began and ended in the window, ms (paced: from the
   * scheduled send time when the user was held up by a late answer).
   */
  latency: LatencySummary;
  errors: Record<string, number>;
  /** One example of each kind of error. */
  errorSamples: Record<string, string>;
  /** Mean size of an answer body, bytes. */
  answerBytes: number;
  /** Scripts run to the end (a closed session) in the window. */
  conversations: number;
  /** Slowest and fastest second of the window, good round trips. */
  perSecond: { min: number; max: number };
  /** Paced: round trips sent later than scheduled because the previous answer was late. */
  behind: number;
  /** Paced: the rate asked for. */
  targetRate: number;
  /** CPU seconds of the load generator in the window. */
  cpuS: number;
  windowMs: number;
}

export interface SessionsResult {
  kind: 'sessions';
  label: string;
  ok: number;
  errors: Record<string, number>;
  errorSamples: Record<string, string>;
  ms: number;
}

export type ChildResult = LoadResult | SessionsResult;

/** Messages from a child to the parent: the measured window's edges, then the result. */
export type ChildMessage =
  | { event: 'measuring' }
  | { event: 'measured' }
  | { event: 'listening'; port: number }
  | { event: 'result'; result: ChildResult };

// ---------------------------------------------------------------------------------------------
// The end users' conversation with the bot of test/support/http-bot.ts, in a loop.

export interface ScriptStep {
  body: { text?: string; button?: string; name?: string };
  /** The first reply's text, for a user whose display name is `name`. */
  first: (name: string) => string;
  closes: boolean;
}

/**
 * hi (name) → button Orders → intent "where is my order" → userInput "A-1" → button "No, thanks"
 * (closeSession). Buttons are sent by caption, as a custom integration may. The first step's
 * body gets the user's name.
 */
export const SCRIPT: ScriptStep[] = [
  { body: { text: 'hi' }, first: (n) => `Welcome to Acme, ${n}!`, closes: false },
  { body: { button: 'Orders' }, first: () => 'Ask me about your order.', closes: false },
  { body: { text: 'where is my order' }, first: () => 'What is your order number?', closes: false },
  { body: { text: 'A-1' }, first: () => 'Order A-1 is on its way.', closes: false },
  { body: { button: 'No, thanks' }, first: () => 'Goodbye!', closes: true },
];

interface Answer {
  replies?: unknown;
  sessionClosed?: unknown;
}

/** undefined when the answer is what the step expects; else what was wrong. */
export function checkAnswer(
  mode: 'runtime' | 'echo',
  step: ScriptStep,
  name: string,
  answer: Answer,
): string | undefined {
  if (!Array.isArray(answer.replies) || answer.replies.length === 0) return 'no replies';
  if (mode === 'echo') return undefined;
  const first = (answer.replies[0] as { text?: unknown }).text;
  const want = step.first(name);
  if (first !== want) return `first reply ${JSON.stringify(first)}, expected ${JSON.stringify(want)}`;
  if ((answer.sessionClosed === true) !== step.closes) return `sessionClosed ${String(answer.sessionClosed)}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Latencies: every round trip kept (a few hundred thousand doubles at most), sorted once.

export class Latencies {
  private buf = new Float64Array(1 << 16);
  private n = 0;

  push(ms: number): void {
    if (this.n === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = ms;
  }

  get count(): number {
    return this.n;
  }

  summary(): LatencySummary {
    const a = this.buf.slice(0, this.n).sort();
    const at = (q: number) =>
      a.length ? a[Math.min(a.length - 1, Math.ceil(q * a.length) - 1)]! : Number.NaN;
    let sum = 0;
    for (const v of a) sum += v;
    return {
      count: a.length,
      mean: a.length ? sum / a.length : Number.NaN,
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      p999: at(0.999),
      max: a.length ? a[a.length - 1]! : Number.NaN,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Processes: CPU and memory from /proc, a reaper for hard exits of the bench.

/** etcd and kube-apiserver started by this process (the control plane), by name. */
/** VmRSS and VmHWM (peak) of a process, bytes. */
export function procMem(pid: number | undefined): { rss: number; peak: number } {
  const out = { rss: Number.NaN, peak: Number.NaN };
  if (!pid) return out;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
    out.rss = kb('VmRSS');
    out.peak = kb('VmHWM');
  } catch {
    // gone
  }
  return out;
}

export function machineInfo(): string {
  const c = cpus();
  return (
    `${c.length} cores (${c[0]?.model ?? '?'}), node ${process.version}, ` +
    `${fmt(totalmem() / 2 ** 30, 1)} GiB RAM (${fmt(freemem() / 2 ** 30, 1)} free), ` +
    `load average ${loadavg()
      .map((l) => fmt(l, 2))
      .join(' ')}`
  );
}

/**
 * A detached shell that kills pid if this process dies without stopping it (a bench killed
 * with SIGKILL must not leave a runtime or a redis-server behind). Returns a stop function.
 */
export function reaper(pid: number): () => void {
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -TERM ${pid} 2>/dev/null; sleep 5; kill -KILL ${pid} 2>/dev/null; exit 0`;
  const r = spawn('bash', ['-c', script], { detached: true, stdio: 'ignore' });
  r.unref();
  return () => {
    if (r.pid && r.exitCode === null) {
      try {
        process.kill(-r.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Prometheus text, small utilities.

/** The value of an unlabelled sample (or the sum over its labelled samples) in Prometheus text. */
export function metricValue(text: string, name: string): number {
  let sum = Number.NaN;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    sum = (Number.isNaN(sum) ? 0 : sum) + v;
  }
  return sum;
}
