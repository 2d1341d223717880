// Runs the operator in-process, as main.ts does, against the run's control plane: one Manager
// per test, watching only the test's namespace, with an injected clock where time matters.
import {
  CoordinationV1Api,
  CustomObjectsApi,
  EventsV1Api,
  type EventsV1Event,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import type { Chatbot } from '../../src/api/schema.ts';
import { senderLeaseName } from '../../src/core/claims/claim.ts';
import { type Clock, RealClock } from '../../src/kube/clock.ts';
import { Manager, type ManagerOptions } from '../../src/operator/manager.ts';
import { eventually, kubeConfig } from './cluster.ts';

export async function startOperator(
  namespace: string,
  opts: Partial<ManagerOptions> & { clock?: Clock } = {},
): Promise<Manager> {
  const logger = pino({ level: process.env.OPERATOR_LOG_LEVEL ?? 'silent' });
  const m = new Manager({
    kc: kubeConfig(),
    clock: opts.clock ?? new RealClock(),
    logger,
    namespaces: [namespace],
    podNamespace: namespace,
    leaderElection: false,
    workers: 2,
    ...opts,
  });
  await m.start();
  return m;
}

/** The Lease that stands for a WhatsApp number (the test operators keep Leases in the test's namespace). */
export async function senderLease(namespace: string, address: string) {
  const name = senderLeaseName({ spec: { channel: 'WhatsApp', address } });
  return kubeConfig().makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace, name });
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
