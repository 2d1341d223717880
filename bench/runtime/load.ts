// The load generator of the runtime benchmark (bench/runtime/run.ts), in its own process: N end
// users (distinct `from` ids), each with one request in flight at a time on its own keep-alive
// connection (one undici Pool, the same client for the echo server and the runtime), running the
// script of lib.ts in a loop. A warm-up (connections, JIT, the runtime's intent matcher) is not
// measured. messages/s counts the good answers that arrive in the measured window; latency is
// kept for every good round trip that began and ended in it.
//
// rate 0: each user sends its next message as soon as the answer came (the target's capacity;
// latency is then mostly queueing: users / rate). rate R: each user sends on a fixed schedule
// (every users/R s) and latency counts from the scheduled time when the user was held up by a
// late answer (no coordinated omission), from the real send time otherwise.
import { Pool } from 'undici';
import {
  type ChildJob,
  type ChildMessage,
  checkAnswer,
  JOB_ENV,
  Latencies,
  type LoadJob,
  type LoadResult,
  SCRIPT,
  type SessionsJob,
  type SessionsResult,
  sleep,
} from './lib.ts';

process.on('disconnect', () => process.exit(1));

const send = (m: ChildMessage) =>
  new Promise<void>((ok, fail) => process.send!(m, (err: Error | null) => (err ? fail(err) : ok())));

function pool(job: { port: number; users: number }) {
  return new Pool(`http://127.0.0.1:${job.port}`, {
    connections: job.users,
    pipelining: 1,
    keepAliveTimeout: 120_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
}

class Errors {
  readonly counts: Record<string, number> = {};
  readonly samples: Record<string, string> = {};
  add(kind: string, sample: string) {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    this.samples[kind] ??= sample.slice(0, 300);
  }
}

interface Outcome {
  end: number;
  problem?: { kind: string; sample: string };
  bytes: number;
  /** The conversation token of the answer (the runtime's Http channel on an open Sender). */
  token?: string;
}

/** One message; `token` is the conversation token of the previous answer, sent as a chat widget does. */
async function roundTrip(
  p: Pool,
  path: string,
  body: string,
  check: (answer: object) => string | undefined,
  token?: string,
): Promise<Outcome> {
  try {
    const res = await p.request({
      path,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { 'x-conversation-token': token } : {}) },
      body,
    });
    const text = await res.body.text();
    const end = performance.now();
    if (res.statusCode !== 200) {
      return { end, bytes: text.length, problem: { kind: `http ${res.statusCode}`, sample: text } };
    }
    const answer = JSON.parse(text) as { conversationToken?: string };
    const wrong = check(answer);
    return {
      end,
      bytes: text.length,
      ...(answer.conversationToken ? { token: answer.conversationToken } : {}),
      ...(wrong ? { problem: { kind: 'wrong reply', sample: wrong } } : {}),
    };
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).name;
    return { end: performance.now(), bytes: 0, problem: { kind: `transport ${code}`, sample: String(err) } };
  }
}

async function load(job: LoadJob): Promise<LoadResult> {
  const p = pool(job);
  const path = `/channels/http/${encodeURIComponent(job.address)}`;
  const lat = new Latencies();
  const errors = new Errors();
  const seconds = new Uint32Array(Math.max(1, Math.ceil(job.measureMs / 1000)));
  let completed = 0;
  let good = 0;
  let bytes = 0;
  let conversations = 0;
  let behind = 0;
  let stop = false;
  const t0 = performance.now();
  const ws = t0 + job.warmupMs;
  const we = ws + job.measureMs;
  let cpu0 = process.cpuUsage();
  let cpuS = 0;
  const marks = Promise.all([
    sleep(job.warmupMs).then(() => {
      cpu0 = process.cpuUsage();
      return send({ event: 'measuring' });
    }),
    sleep(job.warmupMs + job.measureMs).then(() => {
      const u = process.cpuUsage(cpu0);
      cpuS = (u.user + u.system) / 1e6;
      stop = true;
      return send({ event: 'measured' });
    }),
  ]);
  const periodMs = job.rate > 0 ? (job.users * 1000) / job.rate : 0;
  // Users join over the first second (at most half the warm-up): 1,000 connects at once would
  // overflow the server's accept backlog (511) and wait for SYN retransmits (1 s, 3 s).
  const rampMs = Math.min(1000, job.warmupMs / 2);

  const user = async (i: number) => {
    const name = `User ${i}`;
    let gen = 0;
    let from = `${job.userPrefix}-${i}-${gen}`;
    let step = 0;
    let token: string | undefined;
    const joins = t0 + (rampMs * i) / job.users;
    let due = t0 + (periodMs * i) / job.users;
    while (periodMs > 0 && due < joins) due += periodMs;
    if (periodMs === 0) await sleep(Math.max(0, joins - performance.now()));
    while (!stop) {
      let start = performance.now();
      if (periodMs > 0) {
        if (start < due) {
          await sleep(due - start);
          if (stop) break;
          start = performance.now();
        } else if (start - due > 1) {
          // The previous answer came after this message was due: its wait counts.
          start = due;
          if (due >= ws && due < we) behind++;
        }
        due += periodMs;
      }
      const s = SCRIPT[step]!;
      const body = JSON.stringify({ from, ...s.body, ...(step === 0 ? { name } : {}) });
      const out = await roundTrip(p, path, body, (a) => checkAnswer(job.check, s, name, a), token);
      token = out.token;
      const inWindow = out.end >= ws && out.end < we;
      if (out.problem) {
        if (inWindow) {
          completed++;
          errors.add(out.problem.kind, out.problem.sample);
        } else if (out.end < ws) {
          errors.add(`warm-up: ${out.problem.kind}`, out.problem.sample);
        }
        // The conversation's state is unknown now: this user starts over as someone new.
        gen++;
        from = `${job.userPrefix}-${i}-${gen}`;
        step = 0;
        continue;
      }
      if (inWindow) {
        completed++;
        // Latency of the round trips that also began in the window: one that began in the
        // warm-up may have waited for its connection (a SYN retransmit), not for an answer.
        if (start >= ws) lat.push(out.end - start);
        good++;
        bytes += out.bytes;
        const sec = Math.floor((out.end - ws) / 1000);
        if (sec < seconds.length) seconds[sec]!++;
        if (s.closes) conversations++;
      }
      step = (step + 1) % SCRIPT.length;
    }
  };
  await Promise.all(Array.from({ length: job.users }, (_, i) => user(i)));
  await marks;
  await p.close();
  const latency = lat.summary();
  const full = [...seconds].slice(0, Math.floor(job.measureMs / 1000));
  return {
    kind: 'load',
    label: job.label,
    completed,
    rate: good / (job.measureMs / 1000),
    latency,
    errors: errors.counts,
    errorSamples: errors.samples,
    answerBytes: good ? bytes / good : Number.NaN,
    conversations,
    perSecond: {
      min: full.length ? Math.min(...full) : Number.NaN,
      max: full.length ? Math.max(...full) : 0,
    },
    behind,
    targetRate: job.rate,
    cpuS,
    windowMs: job.measureMs,
  };
}

async function sessions(job: SessionsJob): Promise<SessionsResult> {
  const p = pool(job);
  const path = `/channels/http/${encodeURIComponent(job.address)}`;
  const errors = new Errors();
  const s = SCRIPT[0]!;
  let next = 0;
  let ok = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < job.count) {
      const i = next++;
      const name = `User ${i}`;
      const body = JSON.stringify({ from: `${job.userPrefix}-${i}`, ...s.body, name });
      const out = await roundTrip(p, path, body, (a) => checkAnswer(job.check, s, name, a));
      if (out.problem) errors.add(out.problem.kind, out.problem.sample);
      else ok++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(job.users, job.count) }, worker));
  const ms = performance.now() - t0;
  await p.close();
  return { kind: 'sessions', label: job.label, ok, errors: errors.counts, errorSamples: errors.samples, ms };
}

const job = JSON.parse(process.env[JOB_ENV] ?? 'null') as ChildJob | null;
if (!job) throw new Error(`bench/runtime/load.ts is started by bench/runtime/run.ts (${JOB_ENV} is not set)`);
const result = job.kind === 'load' ? await load(job) : await sessions(job);
await send({ event: 'result', result });
process.exit(0);
