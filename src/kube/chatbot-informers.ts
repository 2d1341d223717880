// The four caches both processes watch: Chatbots and Senders (in the watched namespaces),
// sender Leases (in the operator's namespace) and the chatbots' ControllerRevisions.
import type { V1ControllerRevision, V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { LEASE_LABEL, PLURAL, REVISION_LABEL } from '../api/names.ts';
import type { Chatbot, Sender } from '../api/schema.ts';
import { customSource, InformerSet } from './cache.ts';
import type { Clients } from './clients.ts';
import type { Clock } from './clock.ts';

export interface ChatbotInformers {
  chatbots: InformerSet<Chatbot>;
  senders: InformerSet<Sender>;
  leases: InformerSet<V1Lease>;
  revisions: InformerSet<V1ControllerRevision>;
}

export interface ChatbotInformerOptions {
  /** Namespaces to watch; empty: all. */
  namespaces: string[];
  /** The operator's namespace, where sender Leases live. */
  leaseNamespace: string;
  logger: Logger;
  /** Restart backoff and resync timers. */
  timers: Clock;
  resyncMs?: number;
  /**
   * Drop Chatbot spec.definition from the cache (the runtime serves definitions from
   * ControllerRevisions, read when a revision starts serving, never from the Chatbot).
   */
  withoutDefinitions?: boolean;
}

/**
 * A ControllerRevision's data (a whole definition, up to the size limit) is never kept in a cache:
 * the operator needs only names, numbers and owners; the runtime reads the data of the revisions it
 * serves when they start serving (docs/architecture.md, "Size limits").
 */
function dropRevisionData(o: { data?: unknown }): void {
  if (o.data !== undefined) o.data = undefined;
}

function dropDefinition(o: { spec?: { definition?: unknown } }): void {
  if (o.spec?.definition !== undefined) o.spec.definition = undefined;
}

export function chatbotInformers(clients: Clients, opts: ChatbotInformerOptions): ChatbotInformers {
  const { namespaces } = opts;
  const base = { logger: opts.logger, resyncMs: opts.resyncMs ?? 10 * 60_000, timers: opts.timers };
  const leaseSelector = `${LEASE_LABEL}=true`;
  return {
    chatbots: new InformerSet<Chatbot>(
      clients,
      'chatbots',
      namespaces,
      customSource(clients, PLURAL.Chatbot),
      opts.withoutDefinitions ? { ...base, transform: dropDefinition as never } : base,
    ),
    senders: new InformerSet<Sender>(
      clients,
      'senders',
      namespaces,
      customSource(clients, PLURAL.Sender),
      base,
    ),
    leases: new InformerSet<V1Lease>(
      clients,
      'leases',
      [opts.leaseNamespace],
      (ns) => ({
        path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
        labelSelector: leaseSelector,
        list: () =>
          clients.coordination.listNamespacedLease({ namespace: ns ?? '', labelSelector: leaseSelector }),
      }),
      base,
    ),
    revisions: new InformerSet<V1ControllerRevision>(
      clients,
      'controllerrevisions',
      namespaces,
      (ns) => ({
        path: ns ? `/apis/apps/v1/namespaces/${ns}/controllerrevisions` : '/apis/apps/v1/controllerrevisions',
        labelSelector: REVISION_LABEL,
        list: () =>
          ns
            ? clients.apps.listNamespacedControllerRevision({ namespace: ns, labelSelector: REVISION_LABEL })
            : clients.apps.listControllerRevisionForAllNamespaces({ labelSelector: REVISION_LABEL }),
      }),
      { ...base, transform: dropRevisionData as never },
    ),
  };
}

/** All four, for start/stop/synced. */
export function allOf(
  i: ChatbotInformers,
): InformerSet<{ metadata?: { name?: string; namespace?: string } }>[] {
  return [i.chatbots, i.senders, i.leases, i.revisions] as never;
}
