// The API clients both processes use: client-node's generated APIs on one shared undici
// connection pool per kubeconfig user (docs/architecture.md, "kube").
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
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
import { GROUP, VERSION } from '../api/names.ts';

export const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface Clients {
  kc: KubeConfig;
  custom: CustomObjectsApi;
  events: EventsV1Api;
  coordination: CoordinationV1Api;
  core: CoreV1Api;
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

/** kc.makeApiClient, with requestLibrary and the process's own User-Agent. */
function makeApi<T>(
  kc: KubeConfig,
  userAgent: string,
  Api: new (config: ReturnType<typeof createConfiguration>) => T,
): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig: no current cluster');
  return new Api(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kc },
      httpApi: requestLibrary,
      middleware: [setHeaderMiddleware('User-Agent', userAgent)],
    }),
  );
}

/**
 * The clients of one process on the shared connection pool; `userAgent` names the process in
 * managedFields and in the apiserver's metrics.
 */
export function makeClients(kc: KubeConfig, userAgent = 'chatbot-operator'): Clients {
  shareConnections(kc);
  return {
    kc,
    custom: makeApi(kc, userAgent, CustomObjectsApi),
    events: makeApi(kc, userAgent, EventsV1Api),
    coordination: makeApi(kc, userAgent, CoordinationV1Api),
    core: makeApi(kc, userAgent, CoreV1Api),
    apps: makeApi(kc, userAgent, AppsV1Api),
  };
}

/** The list call of one of our kinds (an informer's list), for all namespaces or one. */
export function listFn(custom: CustomObjectsApi, plural: string, namespace?: string) {
  return () =>
    namespace
      ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural })
      : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural });
}

const SHARED = Symbol('chatbots.dev.sharedDispatcher');

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
