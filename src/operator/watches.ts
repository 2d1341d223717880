// Which informer event wakes which key (controller-runtime's Watches with their handlers): a
// Chatbot wakes itself; a Sender wakes the chatbots that name it and its own status; a sender
// Lease wakes its holder, every bot that competes for it and its Senders; a ControllerRevision
// deleted behind the operator's back wakes its chatbot. Indexes instead of cache scans.
import type { V1ControllerRevision, V1Lease } from '@kubernetes/client-node';
import { REVISION_LABEL } from '../api/names.ts';
import type { Chatbot, Sender } from '../api/schema.ts';
import type { InformerSet } from '../kube/cache.ts';
import { KeyIndex } from '../kube/key-index.ts';
import { objectKey, splitKey } from '../kube/keys.ts';
import type { SendersByAddress } from '../kube/sender-index.ts';
import type { ChatbotGatherer } from './chatbot-gatherer.ts';
import type { WorkQueue } from './queue.ts';

/** A sender's status follows its Lease; this delay folds one activation's writes ("Available", then "Held") into one. */
export const SENDER_STATUS_DELAY_MS = 500;

export interface WatchSources {
  chatbots: InformerSet<Chatbot>;
  senders: InformerSet<Sender>;
  leases: InformerSet<V1Lease>;
  revisions: InformerSet<V1ControllerRevision>;
}

export interface WatchTargets {
  chatbotQueue: WorkQueue;
  /** Its clock batches writes only (real time, also under a fake operator clock). */
  senderQueue: WorkQueue;
  gatherer: ChatbotGatherer;
  /** Kept here, read by the gatherer: Lease name -> holder, revision -> chatbot. */
  indexes: { leasesByHolder: KeyIndex; revisionsByChatbot: KeyIndex };
  /** Kept here, read by the gatherer and the Sender controller: the Senders of each address. */
  addresses: SendersByAddress;
  /** Namespaces watched (empty: all). */
  namespaces: string[];
}

/** What the wiring keeps that others read. */
export interface Watches {
  /** Chatbot keys that name a Sender (namespace/name). */
  botsNaming(senderKey: string): string[];
}

export function wireWatches(src: WatchSources, to: WatchTargets): Watches {
  const { chatbotQueue, senderQueue, gatherer, indexes, addresses } = to;
  const botsBySender = new KeyIndex();
  const senderRefKey = (cb: Chatbot) =>
    cb.spec?.senderRef?.name ? `${cb.metadata.namespace ?? ''}/${cb.spec.senderRef.name}` : undefined;

  const chatbotChanged = (o: Chatbot) => {
    botsBySender.set(objectKey(o), senderRefKey(o));
    chatbotQueue.add(objectKey(o));
  };
  src.chatbots.on({
    add: chatbotChanged,
    update: chatbotChanged,
    resync: chatbotChanged,
    delete: (o) => {
      gatherer.forget(o);
      botsBySender.set(objectKey(o), undefined);
      chatbotQueue.add(objectKey(o));
    },
  });

  // A Sender change re-validates the chatbots that name it, and refreshes its own status; every
  // other Sender of its address (old and new) may have been accepted or refused by it, so they and
  // their chatbots are looked at again too.
  const senderChanged = (sd: Sender, deleted = false) => {
    const key = objectKey(sd);
    const touched = new Set([key]);
    for (const lease of addresses.update(sd, deleted))
      for (const k of addresses.keysOf(lease)) touched.add(k);
    for (const k of touched) {
      for (const bot of botsBySender.get(k)) chatbotQueue.add(bot);
      senderQueue.addAfter(k, SENDER_STATUS_DELAY_MS);
    }
  };
  src.senders.on({
    add: (sd) => senderChanged(sd),
    update: (sd) => senderChanged(sd),
    delete: (sd) => senderChanged(sd, true),
    resync: (sd) => senderChanged(sd),
  });

  const watches = (ns: string) => to.namespaces.length === 0 || to.namespaces.includes(ns);
  const leaseChanged = (l: V1Lease, deleted = false) => {
    const name = l.metadata?.name ?? '';
    indexes.leasesByHolder.set(name, deleted ? undefined : l.spec?.holderIdentity || undefined);
    // Its holder is woken (and released if gone) only by the operator that watches its namespace.
    const holder = l.spec?.holderIdentity;
    if (holder && watches(splitKey(holder).namespace)) chatbotQueue.add(holder);
    for (const k of gatherer.claimantsOf(name)) chatbotQueue.add(k);
    for (const k of addresses.keysOf(name)) senderQueue.addAfter(k, SENDER_STATUS_DELAY_MS);
  };
  src.leases.on({
    add: (l) => leaseChanged(l),
    update: (l) => leaseChanged(l),
    delete: (l) => leaseChanged(l, true),
  });

  const ownerKey = (r: V1ControllerRevision) => {
    const bot = r.metadata?.labels?.[REVISION_LABEL];
    return bot ? `${r.metadata?.namespace ?? ''}/${bot}` : undefined;
  };
  const revisionSeen = (r: V1ControllerRevision) => indexes.revisionsByChatbot.set(objectKey(r), ownerKey(r));
  src.revisions.on({
    add: revisionSeen,
    update: revisionSeen,
    delete: (r) => {
      indexes.revisionsByChatbot.set(objectKey(r), undefined);
      const owner = ownerKey(r);
      if (owner) chatbotQueue.add(owner);
    },
  });
  return { botsNaming: (senderKey) => botsBySender.get(senderKey) };
}
