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
import type { SendersByAddress } from '../kube/sender-index.ts';
import type { Reconciler, Result } from './controller.ts';
import type { Writer } from './writer.ts';

export interface SenderReconcilerDeps {
  senders: Cache<Sender>;
  /** The Senders of each address: whether this one may use its address. */
  addresses: SendersByAddress;
  leases: Cache<V1Lease>;
  leaseNamespace: string;
  writer: Writer;
  clock: Clock;
  /**
   * Whether a chatbot's decision about this Sender is still to come (a bot naming it waits in the
   * Chatbot controller's queue): its status would then be written twice in a row ("Available",
   * then "Held"), so it waits for that decision first.
   */
  claimantsPending?(senderKey: string): boolean;
}

/** How soon a Sender whose claimants are still being decided is looked at again. */
const CLAIMANTS_PENDING_RETRY_MS = 2000; // a Lease change wakes it sooner (watches.ts)

export class SenderReconciler implements Reconciler {
  constructor(private readonly deps: SenderReconcilerDeps) {}

  async reconcile(key: string): Promise<Result> {
    const { senders, leases, leaseNamespace, writer, clock } = this.deps;
    const { namespace, name } = splitKey(key);
    const sender = senders.get(name, namespace);
    if (!sender) return {};
    if (this.deps.claimantsPending?.(key)) return { requeueAfterMs: CLAIMANTS_PENDING_RETRY_MS };
    const raw = leases.get(senderLeaseName(sender), leaseNamespace);
    const acceptance = this.deps.addresses.acceptance(sender);
    const { status } = decideSender(
      { sender, acceptance, ...(raw ? { lease: leaseView(raw) } : {}) },
      clock.now(),
    );
    if (equal(status, sender.status ?? {})) return {};
    try {
      await writer.patchStatus(PLURAL.Sender, sender, sender.status, status);
    } catch (err) {
      if (httpStatus(err) !== 404) throw err; // deleted meanwhile
    }
    return {};
  }
}
