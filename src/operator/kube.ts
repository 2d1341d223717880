// API coordinates and the few client-node calls the operator makes.
import {
  AppsV1Api,
  CoordinationV1Api,
  CustomObjectsApi,
  EventsV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { GROUP, VERSION } from '../api/schema.ts';

export const FIELD_MANAGER = 'chatbot-operator';
export const CONTROLLER_NAME = 'chatbots.dev/operator';
export const PLURAL = { Chatbot: 'chatbots', Sender: 'senders' } as const;

export const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function objectKey(o: { metadata?: { name?: string; namespace?: string } }): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** The HTTP status of a client-node error, if it has one. */
export function httpStatus(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}

export interface Clients {
  kc: KubeConfig;
  custom: CustomObjectsApi;
  events: EventsV1Api;
  coordination: CoordinationV1Api;
  apps: AppsV1Api;
}

export function makeClients(kc: KubeConfig): Clients {
  return {
    kc,
    custom: kc.makeApiClient(CustomObjectsApi),
    events: kc.makeApiClient(EventsV1Api),
    coordination: kc.makeApiClient(CoordinationV1Api),
    apps: kc.makeApiClient(AppsV1Api),
  };
}

export const REVISION_LABEL = 'chatbots.dev/chatbot';

/** List path for a kind: all namespaces, or one. */
export function collectionPath(plural: string, namespace?: string): string {
  return namespace
    ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${plural}`
    : `/apis/${GROUP}/${VERSION}/${plural}`;
}

/** Informer source for one of our kinds. */
export function customSource(clients: Clients, plural: string) {
  return (ns: string | undefined) => ({
    path: collectionPath(plural, ns),
    list: listFn(clients.custom, plural, ns),
  });
}

export function listFn(custom: CustomObjectsApi, plural: string, namespace?: string) {
  return () =>
    namespace
      ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural })
      : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural });
}

const SHARED = Symbol('chatbot-operator.sharedDispatcher');

/**
 * client-node 2.0 builds a new undici Agent (a new TCP+TLS connection, the CA parsed again)
 * for every request; measured, that was most of the operator's CPU at 1,000 bots. Keep the
 * first dispatcher it builds per user and cluster and reuse it: auth headers are still applied
 * per request, so rotating tokens keep working.
 */
export function shareConnections(kc: KubeConfig): KubeConfig {
  const marked = kc as KubeConfig & { [SHARED]?: boolean };
  if (marked[SHARED]) return kc;
  marked[SHARED] = true;
  const orig = kc.applySecurityAuthentication.bind(kc);
  const pools = new Map<string, ReturnType<Parameters<typeof orig>[0]['getDispatcher']>>();
  kc.applySecurityAuthentication = async (ctx) => {
    await orig(ctx);
    const key = `${kc.getCurrentCluster()?.name ?? ''}\u0000${kc.getCurrentUser()?.name ?? ''}`;
    const shared = pools.get(key);
    if (shared) ctx.setDispatcher(shared);
    else pools.set(key, ctx.getDispatcher());
  };
  return kc;
}
