// API coordinates and the few client-node calls the operator makes.
import {
  AppsV1Api,
  CoordinationV1Api,
  CustomObjectsApi,
  createConfiguration,
  EventsV1Api,
  type KubeConfig,
  PatchStrategy,
  type RequestContext,
  ResponseContext,
  ServerConfiguration,
  setHeaderMiddleware,
  setHeaderOptions,
  wrapHttpLibrary,
} from '@kubernetes/client-node';
import { type Dispatcher, request } from 'undici';
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

/**
 * client-node's HTTP layer on undici's request() instead of its fetch(): the same requests
 * through the same connection pool, without WHATWG fetch and web streams, which were a third
 * of the operator's CPU at 1,000 bots. Bodies are read whole: the operator makes no streaming
 * calls through these clients (informers watch through RequestWatch, informers.ts).
 */
const requestLibrary = wrapHttpLibrary({
  async send(ctx: RequestContext): Promise<ResponseContext> {
    const res = await request(ctx.getUrl(), {
      method: ctx.getHttpMethod() as Dispatcher.HttpMethod,
      headers: ctx.getHeaders(),
      body: ctx.getBody() as string | undefined,
      signal: ctx.getSignal(),
      dispatcher: ctx.getDispatcher() as Dispatcher | undefined,
    });
    const data = Buffer.from(await res.body.arrayBuffer());
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    return new ResponseContext(res.statusCode, headers, {
      text: async () => data.toString('utf8'),
      binary: async () => data,
      stream: () => null,
    });
  },
});

/** kc.makeApiClient, with requestLibrary and the operator's own User-Agent. */
function makeApi<T>(kc: KubeConfig, Api: new (config: ReturnType<typeof createConfiguration>) => T): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig: no current cluster');
  return new Api(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kc },
      httpApi: requestLibrary,
      middleware: [setHeaderMiddleware('User-Agent', 'chatbot-operator')],
    }),
  );
}

export function makeClients(kc: KubeConfig): Clients {
  return {
    kc,
    custom: makeApi(kc, CustomObjectsApi),
    events: makeApi(kc, EventsV1Api),
    coordination: makeApi(kc, CoordinationV1Api),
    apps: makeApi(kc, AppsV1Api),
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
