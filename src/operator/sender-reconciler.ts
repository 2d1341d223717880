// The Sender controller's reconciler: mirrors the sender's Lease into Sender.status (holder,
// Ready, Validated). The status comes from the pure decideSender() in core.
import type { V1Lease } from '@kubernetes/client-node';
import equal from 'fast-deep-equal';
import { PLURAL } from '../api/names.ts';
import type { Sender } from '../api/schema.ts';
import { leaseView, senderLeaseName } from '../core/claims/claim.ts';
import { decideSender } from '../core/lifecycle/sender.ts';
import type { Cache } from '../kube/cache.ts';
import type { Clock } from '../kube/clock.ts';
import { httpStatus } from '../kube/errors.ts';
import { splitKey } from '../kube/keys.ts';
import type { Reconciler, Result } from './controller.ts';
import type { Writer } from './writer.ts';

export interface SenderReconcilerDeps {
  senders: Cache<Sender>;
  leases: Cache<V1Lease>;
  leaseNamespace: string;
  writer: Writer;
  clock: Clock;
}

export class SenderReconciler implements Reconciler {
  constructor(private readonly deps: SenderReconcilerDeps) {}

  async reconcile(key: string): Promise<Result> {
    const { senders, leases, leaseNamespace, writer, clock } = this.deps;
    const { namespace, name } = splitKey(key);
    const sender = senders.get(name, namespace);
    if (!sender) return {};
    const raw = leases.get(senderLeaseName(sender), leaseNamespace);
    const { status } = decideSender({ sender, ...(raw ? { lease: leaseView(raw) } : {}) }, clock.now());
    if (equal(status, sender.status ?? {})) return {};
    try {
      await writer.patchStatus(PLURAL.Sender, sender, sender.status, status);
    } catch (err) {
      if (httpStatus(err) !== 404) throw err; // deleted meanwhile
    }
    return {};
  }
}
