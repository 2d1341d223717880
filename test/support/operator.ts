// Runs the operator in-process, as main.ts does, against the run's control plane: one Manager
// per test, watching only the test's namespace, with an injected clock where time matters. Its
// log lines are kept: a reconcile's decision in them is the evidence that the operator looked
// at a bot after a change, before a test asserts that nothing else happened.
import {
  CoordinationV1Api,
  CustomObjectsApi,
  EventsV1Api,
  type EventsV1Event,
} from '@kubernetes/client-node';
import { type Logger, pino } from 'pino';
import { afterEach } from 'vitest';
import type { Chatbot } from '../../src/api/schema.ts';
import { senderLeaseName } from '../../src/core/claims/claim.ts';
import { type Clock, FakeClock, RealClock, type Timer } from '../../src/kube/clock.ts';
import { Manager, type ManagerOptions } from '../../src/operator/manager.ts';
import { eventually, kubeConfig, kubectl } from './cluster.ts';
import type { LogLine } from './process.ts';

/** Every log line of each Manager startOperator made, at debug level (the reconciles' decisions). */
const logs = new WeakMap<Manager, LogLine[]>();

/**
 * A pino logger at debug level that keeps its lines; with OPERATOR_LOG_LEVEL set, the lines at or
 * above that level also go to stderr.
 */
export function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const echo = process.env.OPERATOR_LOG_LEVEL;
  const echoFrom = echo ? (pino.levels.values[echo] ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
  const logger = pino(
    { level: 'debug' },
    {
      write(s: string) {
        const line = JSON.parse(s) as LogLine;
        lines.push(line);
        if (line.level >= echoFrom) process.stderr.write(s);
      },
    },
  );
  return { logger, lines };
}

export async function startOperator(
  namespace: string,
  opts: Partial<ManagerOptions> & { clock?: Clock } = {},
): Promise<Manager> {
  const captured = capturingLogger();
  const m = new Manager({
    kc: kubeConfig(),
    clock: opts.clock ?? new RealClock(),
    logger: captured.logger,
    namespaces: [namespace],
    podNamespace: namespace,
    leaderElection: false,
    workers: 2,
    ...opts,
  });
  if (!opts.logger) logs.set(m, captured.lines);
  await m.start();
  return m;
}

/** The log lines of a Manager from startOperator (one started with a logger of the test's has none). */
export function logsOf(m: Manager): LogLine[] {
  const lines = logs.get(m);
  if (!lines)
    throw new Error('no log lines kept: not a Manager from startOperator, or one with its own logger');
  return lines;
}

/**
 * Real time shifted by offsetMs, with real timers: for an operator whose "now" must be later
 * than the API server's timestamps while retries and wake-ups still happen on their own.
 */
export class OffsetClock implements Clock {
  private readonly real = new RealClock();
  constructor(private readonly offsetMs: number) {}
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  setTimer(fn: () => void, ms: number): Timer {
    return this.real.setTimer(fn, ms);
  }
}

/**
 * Index of the first line after `from` in which the operator logged its decision about the
 * chatbot (every reconcile that gets as far as deciding logs one, with the state it decided).
 */
function decisionIndex(lines: LogLine[], namespace: string, name: string, from: number): number {
  for (let i = Math.max(0, from); i < lines.length; i++) {
    const l = lines[i]!;
    const about = (l.namespace === namespace && l.name === name) || l.key === `${namespace}/${name}`;
    if (about && l.controller === 'chatbot' && typeof l.state === 'string') return i;
  }
  return -1;
}

/** Waits for a decision about the chatbot logged at line `from` or later; returns its index. */
export function waitForDecision(
  m: Manager,
  namespace: string,
  name: string,
  from = 0,
  timeoutMs = 20_000,
): Promise<number> {
  const lines = logsOf(m);
  return eventually(
    () => {
      const i = decisionIndex(lines, namespace, name, from);
      return i >= 0 ? i : undefined;
    },
    { what: `a reconcile of ${namespace}/${name} (log lines from ${from})`, timeoutMs },
  );
}

let nudges = 0;
/** Touches the chatbots with an annotation the operator does not read: an update event, nothing else. */
export async function nudge(namespace: string, names: string[]): Promise<void> {
  nudges++;
  await kubectl([
    'annotate',
    'chatbot',
    ...names,
    '-n',
    namespace,
    `test.chatbots.dev/nudge=${process.pid}-${nudges}`,
    '--overwrite',
  ]);
}

/**
 * Evidence for "nothing changed": waits until every manager has reconciled each chatbot afresh
 * after this call. An update (a nudge) makes each manager reconcile the bot; a reconcile that
 * was already running when this was called may be the one that logs first, so a second nudge
 * follows, and the decision it leads to comes from a reconcile that began after the first one
 * ended: one that read the clock and the cache after this call. Returns, per chatbot, the state
 * each manager decided last (in the order of `managers`).
 */
export async function reconciledAfresh(
  managers: Manager[],
  namespace: string,
  names: string[],
): Promise<Map<string, string[]>> {
  const marks = managers.map((m) => logsOf(m).length);
  await nudge(namespace, names);
  const firsts = await Promise.all(
    managers.map((m, i) => Promise.all(names.map((n) => waitForDecision(m, namespace, n, marks[i])))),
  );
  await nudge(namespace, names);
  const seconds = await Promise.all(
    managers.map((m, i) =>
      Promise.all(names.map((n, j) => waitForDecision(m, namespace, n, firsts[i]![j]! + 1))),
    ),
  );
  return new Map(names.map((n, j) => [n, managers.map((m, i) => String(logsOf(m)[seconds[i]![j]!]!.state))]));
}

/**
 * Operators started by one test and stopped after it (call inside a describe): `run` starts one
 * as startOperator does; `managers` lists those still running (a test may stop one itself).
 */
export function operatorsPerTest() {
  const managers: Manager[] = [];
  afterEach(async () => {
    for (const m of managers.splice(0)) await m.stop();
  });
  const run = async (namespace: string, opts: Parameters<typeof startOperator>[1] = {}) => {
    const m = await startOperator(namespace, opts);
    managers.push(m);
    return m;
  };
  return { managers, run };
}

/** A fake clock a minute after the API server's: claims made by hand order after creation. */
export const clockNow = () => new FakeClock(new Date(Date.now() + 60_000));

/** The Lease that stands for a WhatsApp number (the test operators keep Leases in the test's namespace). */
export async function senderLease(namespace: string, address: string) {
  const name = senderLeaseName({ spec: { channel: 'WhatsApp', address } });
  return kubeConfig().makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace, name });
}

/** Waits until the Sender has a condition of this type, status and reason; resolves with it. */
export function waitForSenderCondition(
  namespace: string,
  name: string,
  want: { type: string; status: 'True' | 'False'; reason: string },
): Promise<{ type: string; status: string; reason: string; message: string }> {
  return eventually(
    async () => {
      const s = JSON.parse(await kubectl(['get', 'sender', name, '-n', namespace, '-o', 'json']));
      return (s.status?.conditions ?? []).find(
        (c: { type: string; status: string; reason: string }) =>
          c.type === want.type && c.status === want.status && c.reason === want.reason,
      );
    },
    { what: `Sender ${namespace}/${name} ${want.type}=${want.status} (${want.reason})` },
  );
}

export async function getChatbot(namespace: string, name: string): Promise<Chatbot> {
  const api = kubeConfig().makeApiClient(CustomObjectsApi);
  return (await api.getNamespacedCustomObject({
    group: 'chatbots.dev',
    version: 'v1alpha1',
    namespace,
    plural: 'chatbots',
    name,
  })) as Chatbot;
}

/** Waits until the chatbot's status satisfies pred; returns the chatbot. */
export async function waitForChatbot(
  namespace: string,
  name: string,
  pred: (cb: Chatbot) => boolean,
  what = 'chatbot status',
  timeoutMs = 20_000,
): Promise<Chatbot> {
  let last: Chatbot | undefined;
  try {
    return await eventually(
      async () => {
        last = await getChatbot(namespace, name);
        return pred(last) ? last : undefined;
      },
      { what, timeoutMs },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlast status: ${JSON.stringify(last?.status, null, 1)}`);
  }
}

/** Events about one object, oldest first, as "Reason: note". */
export async function eventsFor(namespace: string, name: string): Promise<EventsV1Event[]> {
  const api = kubeConfig().makeApiClient(EventsV1Api);
  const list = await api.listNamespacedEvent({ namespace });
  return list.items
    .filter((e) => e.regarding?.name === name)
    .sort((a, b) => new Date(a.eventTime).getTime() - new Date(b.eventTime).getTime());
}

export async function eventReasons(namespace: string, name: string): Promise<string[]> {
  return (await eventsFor(namespace, name)).map((e) => e.reason ?? '');
}

/** Waits until an event with this reason about the object exists (events follow the status write). */
export async function waitForEvent(namespace: string, name: string, reason: string): Promise<EventsV1Event> {
  return eventually(async () => (await eventsFor(namespace, name)).find((e) => e.reason === reason), {
    what: `event ${reason} about ${name}`,
  });
}
