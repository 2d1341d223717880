// Read access to informer caches, over one cluster-wide informer or one per watched namespace.
import { collectionPath } from '../api/names.ts';
import { type Clients, listFn } from './clients.ts';
import { type ApiObject, type Handlers, type InformerOptions, ResilientInformer } from './informer.ts';

export type { Handlers } from './informer.ts';

export interface Cache<T> {
  get(name: string, namespace: string): T | undefined;
  list(namespace?: string): T[];
}

export class InformerSet<T extends ApiObject> implements Cache<T> {
  private readonly byNamespace = new Map<string, ResilientInformer<T>>();
  private readonly all: ResilientInformer<T>[] = [];

  /** `source(ns)` gives the list path and list call for one namespace (undefined: all). */
  constructor(
    clients: Clients,
    name: string,
    namespaces: string[],
    source: (ns: string | undefined) => Pick<InformerOptions<T>, 'path' | 'list' | 'labelSelector'>,
    base: Omit<InformerOptions<T>, 'kc' | 'name' | 'path' | 'list'>,
  ) {
    const targets = namespaces.length > 0 ? namespaces : [undefined];
    for (const ns of targets) {
      const inf = new ResilientInformer<T>({
        ...base,
        ...source(ns),
        kc: clients.kc,
        name: `${name}${ns ? `@${ns}` : ''}`,
      });
      this.all.push(inf);
      if (ns) this.byNamespace.set(ns, inf);
    }
  }

  on(h: Handlers<T>): void {
    for (const inf of this.all) inf.on(h);
  }

  async start(): Promise<void> {
    await Promise.all(this.all.map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((i) => i.stop()));
  }

  hasSynced(): boolean {
    return this.all.every((i) => i.hasSynced());
  }

  private informerFor(namespace: string): ResilientInformer<T> | undefined {
    return this.byNamespace.size > 0 ? this.byNamespace.get(namespace) : this.all[0];
  }

  get(name: string, namespace: string): T | undefined {
    return this.informerFor(namespace)?.get(name, namespace);
  }

  list(namespace?: string): T[] {
    if (namespace !== undefined) return this.informerFor(namespace)?.list(namespace) ?? [];
    return this.all.flatMap((i) => i.list());
  }
}

/** The informer source of one of our kinds (chatbots, senders) for InformerSet. */
export function customSource(clients: Clients, plural: string) {
  return (ns: string | undefined) => ({
    path: collectionPath(plural, ns),
    list: listFn(clients.custom, plural, ns),
  });
}
