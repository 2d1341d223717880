// What-if variants of the operator, applied from the outside in the benchmark's own process, to
// measure a proposed src/ change before making it. Each one mirrors a concrete change:
//
// - reuse (see lib.ts instrument()): one connection pool per KubeConfig instead of client-node
//   2.0.1's new undici Agent, and so new TCP+TLS connection, per request.
// - index: the Lease handler finds the Senders of a Lease through an index kept by the Sender
//   handlers (senderLeaseName computed once per Sender change), instead of scanning every Sender
//   and parsing its phone number with libphonenumber on every Lease event (O(N) per event).
// - async-events: Events are written off the reconcile path by a small bounded sink (as
//   client-go's EventBroadcaster does), instead of being awaited one by one in the worker.
//
// These reach into private fields at run time: if src/ renames them, the variant fails loudly.
import type { V1Lease } from '@kubernetes/client-node';
import type { Sender } from '../../src/api/schema.ts';
import { senderLeaseName } from '../../src/core/claims/claim.ts';
import { EventRecorder } from '../../src/operator/events.ts';
import type { Handlers } from '../../src/operator/informers.ts';
import { objectKey } from '../../src/operator/kube.ts';
import type { Manager } from '../../src/operator/manager.ts';
import { SENDER_KEY_PREFIX } from '../../src/operator/reconciler.ts';

export type WhatIf = 'reuse' | 'index' | 'async-events';

interface ManagerInternals {
  queue: { add(key: string): void };
  reconciler: { claimantsOf(lease: string): string[] };
  senders: { on(h: Handlers<Sender>): void };
  leases: { all: { handlers: Handlers<V1Lease>[] }[] };
}

/** Call between `new Manager()` and `start()`. */
export function indexSenderLeases(manager: Manager): void {
  const m = manager as unknown as ManagerInternals;
  if (!Array.isArray(m.leases?.all) || !m.leases.all.every((i) => Array.isArray(i.handlers))) {
    throw new Error('what-if index: Manager internals changed (leases.all[].handlers)');
  }
  const names = new Map<string, string>(); // channel|address -> lease name
  const leaseOfSender = new Map<string, string>();
  const sendersOfLease = new Map<string, Set<string>>();
  const leaseName = (sd: Sender) => {
    const k = `${sd.spec.channel}|${sd.spec.address}`;
    let v = names.get(k);
    if (v === undefined) {
      v = senderLeaseName(sd);
      names.set(k, v);
    }
    return v;
  };
  const untrack = (sd: Sender) => {
    const key = objectKey(sd);
    const before = leaseOfSender.get(key);
    if (before) sendersOfLease.get(before)?.delete(key);
    leaseOfSender.delete(key);
  };
  const track = (sd: Sender) => {
    untrack(sd);
    const key = objectKey(sd);
    const name = leaseName(sd);
    leaseOfSender.set(key, name);
    let set = sendersOfLease.get(name);
    if (!set) {
      set = new Set();
      sendersOfLease.set(name, set);
    }
    set.add(key);
  };
  m.senders.on({ add: track, update: track, delete: untrack });
  // The same wake-ups as Manager's leaseChanged, with the index instead of the scan.
  const leaseChanged = (l: V1Lease) => {
    const name = l.metadata?.name ?? '';
    if (l.spec?.holderIdentity) m.queue.add(l.spec.holderIdentity);
    for (const k of m.reconciler.claimantsOf(name)) m.queue.add(k);
    for (const k of sendersOfLease.get(name) ?? []) m.queue.add(SENDER_KEY_PREFIX + k);
  };
  for (const inf of m.leases.all) {
    inf.handlers.splice(0, inf.handlers.length, {
      add: leaseChanged,
      update: leaseChanged,
      delete: leaseChanged,
    });
  }
}

/** Events go through a sink with at most `limit` writes in flight; record() returns at once. */
export function asyncEvents(limit = 4): void {
  const original = EventRecorder.prototype.record;
  let active = 0;
  const waiting: (() => void)[] = [];
  EventRecorder.prototype.record = function (this: EventRecorder, ...args: Parameters<typeof original>) {
    const run = async () => {
      active++;
      try {
        await original.apply(this, args);
      } finally {
        active--;
        waiting.shift()?.();
      }
    };
    if (active < limit) void run();
    else waiting.push(() => void run());
    return Promise.resolve();
  };
}
