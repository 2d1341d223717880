// Read access to informer caches, over one cluster-wide informer or one per watched namespace.
import { type ApiObject, type Handlers, type InformerOptions, ResilientInformer } from './informers.ts';
import { type Clients, collectionPath, listFn } from './kube.ts';

export interface Cache<T> {
  get(name: string, namespace: string): T | undefined;
  list(namespace?: string): T[];
}

export class InformerSet<T extends ApiObject> implements Cache<T> {
  private readonly byNamespace = new Map<string, ResilientInformer<T>>();
  private readonly all: ResilientInformer<T>[] = [];

  constructor(
    clients: Clients,
    plural: string,
    namespaces: string[],
    base: Omit<InformerOptions<T>, 'kc' | 'name' | 'path' | 'list'>,
  ) {
    const targets = namespaces.length > 0 ? namespaces : [undefined];
    for (const ns of targets) {
      const inf = new ResilientInformer<T>({
        ...base,
        kc: clients.kc,
        name: `${plural}${ns ? `@${ns}` : ''}`,
        path: collectionPath(plural, ns),
        list: listFn(clients.custom, plural, ns) as InformerOptions<T>['list'],
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
