// The plugin's access to the cluster: the kubeconfig as kubectl finds it (--kubeconfig, else
// KUBECONFIG's files merged, else ~/.kube/config, else in-cluster), --context, the namespace
// (-n, else the context's, else "default"), and the few calls the commands make, each failing
// with one readable line. client-node is imported only by the commands that talk to a cluster.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { KubeConfig, V1ControllerRevision } from '@kubernetes/client-node';
import { GROUP, PLURAL, REVISION_LABEL, VERSION } from '../../api/names.ts';
import type { Chatbot, Sender } from '../../api/schema.ts';
import { httpStatus } from '../../kube/errors.ts';
import type { Globals } from './args.ts';
import { oneLine, PluginError } from './errors.ts';

export interface Cluster {
  namespace: string;
  server: string;
  getChatbot(name: string): Promise<Chatbot>;
  /** undefined when there is no such Sender. */
  getSender(name: string): Promise<Sender | undefined>;
  /** A JSON merge patch of the Chatbot; throws ConflictError when resourceVersion moved on. */
  patchChatbot(name: string, patch: Record<string, unknown>): Promise<Chatbot>;
  /** The bot's ControllerRevisions (label chatbots.dev/chatbot=NAME, owned by this bot), oldest first. */
  listRevisions(chatbot: Chatbot): Promise<V1ControllerRevision[]>;
}

/** The object changed between our read and our patch (409): read again and decide again. */
export class ConflictError extends PluginError {
  override name = 'ConflictError';
}

type Env = Readonly<Record<string, string | undefined>>;

function loadFile(kc: KubeConfig, path: string): void {
  if (!existsSync(path)) throw new PluginError(`cannot read kubeconfig ${path}: no such file`);
  try {
    kc.loadFromFile(path);
  } catch (err) {
    throw new PluginError(
      `cannot load kubeconfig ${path}: ${oneLine(String((err as Error).message ?? err))}`,
    );
  }
}

/** The kubeconfig kubectl would use, with --context applied. */
export async function loadKubeConfig(globals: Globals, env: Env): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  const home = env.HOME ? join(env.HOME, '.kube', 'config') : undefined;
  if (globals.kubeconfig) {
    loadFile(kc, globals.kubeconfig);
  } else if (listed.length > 0) {
    // As kubectl: files in KUBECONFIG that do not exist are skipped; the first one's context wins.
    const files = listed.filter((f) => existsSync(f));
    if (files.length === 0)
      throw new PluginError(`no kubeconfig: none of KUBECONFIG=${env.KUBECONFIG} exists`);
    loadFile(kc, files[0]!);
    for (const f of files.slice(1)) {
      const more = new KubeConfig();
      loadFile(more, f);
      kc.mergeConfig(more, true);
    }
  } else if (home && existsSync(home)) {
    loadFile(kc, home);
  } else if (env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster();
  } else {
    throw new PluginError('no kubeconfig: set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config');
  }
  if (globals.context) {
    if (!kc.getContextObject(globals.context)) {
      const names = kc.getContexts().map((c) => c.name);
      throw new PluginError(
        `context ${JSON.stringify(globals.context)} not found in the kubeconfig (contexts: ${names.join(', ') || 'none'})`,
      );
    }
    kc.setCurrentContext(globals.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new PluginError('the kubeconfig has no current context with a cluster: pass --context');
  }
  return kc;
}

/** -n, else the context's namespace, else "default". */
export function namespaceOf(kc: KubeConfig, globals: Globals): string {
  return globals.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
}

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { name?: string; kind?: string };
}

function statusBody(err: unknown): StatusBody {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return typeof body === 'object' && body !== null ? (body as StatusBody) : {};
}

/** One line for a failed API call. */
export function apiError(err: unknown, server: string, what: string): PluginError {
  const status = httpStatus(err);
  if (status !== undefined) {
    const body = statusBody(err);
    const said = body.message ? oneLine(body.message) : `HTTP ${status}`;
    if (status === 401)
      return new PluginError(`unauthorized at ${server}: check the kubeconfig's credentials`);
    if (status === 409) return new ConflictError(`${what}: ${said}`);
    return new PluginError(`${what}: ${said}`);
  }
  const e = err as { code?: unknown; cause?: { code?: unknown; message?: string }; message?: string };
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : '';
  const why: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'no such host',
    ETIMEDOUT: 'timed out',
    ECONNRESET: 'connection reset',
    UND_ERR_CONNECT_TIMEOUT: 'timed out',
  };
  const reason = why[code] ?? oneLine(String(e.cause?.message ?? e.message ?? err));
  return new PluginError(`cannot reach the API server at ${server}: ${reason}`);
}

export async function connect(globals: Globals, env: Env): Promise<Cluster> {
  const kc = await loadKubeConfig(globals, env);
  const namespace = namespaceOf(kc, globals);
  const server = kc.getCurrentCluster()?.server ?? '?';
  const { makeClients, mergePatch } = await import('../../kube/clients.ts');
  const clients = makeClients(kc, 'kubectl-chatbot');
  const where = `in namespace ${JSON.stringify(namespace)}`;
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw apiError(err, server, what);
    }
  };
  const chatbotCall = async <T>(name: string, what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (httpStatus(err) === 404) {
        if (statusBody(err).details?.name === name) {
          throw new PluginError(`chatbot ${JSON.stringify(name)} not found ${where}`);
        }
        throw new PluginError(
          `the API server at ${server} does not serve ${PLURAL.Chatbot}.${GROUP}/${VERSION} (are the CRDs installed? make install)`,
        );
      }
      throw apiError(err, server, what);
    }
  };
  const target = { group: GROUP, version: VERSION, namespace };
  return {
    namespace,
    server,
    getChatbot: (name) =>
      chatbotCall(
        name,
        `cannot read chatbot ${name}`,
        async () =>
          (await clients.custom.getNamespacedCustomObject({
            ...target,
            plural: PLURAL.Chatbot,
            name,
          })) as Chatbot,
      ),
    getSender: async (name) => {
      try {
        return (await clients.custom.getNamespacedCustomObject({
          ...target,
          plural: PLURAL.Sender,
          name,
        })) as Sender;
      } catch (err) {
        if (httpStatus(err) === 404) return undefined;
        throw apiError(err, server, `cannot read sender ${name}`);
      }
    },
    patchChatbot: (name, body) =>
      chatbotCall(
        name,
        `cannot patch chatbot ${name}`,
        async () =>
          (await clients.custom.patchNamespacedCustomObject(
            { ...target, plural: PLURAL.Chatbot, name, body, fieldManager: 'kubectl-chatbot' },
            mergePatch(),
          )) as Chatbot,
      ),
    listRevisions: async (chatbot) => {
      const name = chatbot.metadata.name ?? '';
      const list = await call(`cannot list the revisions of chatbot ${name}`, () =>
        clients.apps.listNamespacedControllerRevision({
          namespace,
          labelSelector: `${REVISION_LABEL}=${name}`,
        }),
      );
      const uid = chatbot.metadata.uid;
      return list.items
        .filter((r) => !uid || (r.metadata?.ownerReferences ?? []).some((o) => o.uid === uid))
        .sort((a, b) => Number(a.revision ?? 0) - Number(b.revision ?? 0));
    },
  };
}
