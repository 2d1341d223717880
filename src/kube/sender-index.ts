// The Senders of each address (channel + address: one sender Lease), kept from informer events, and
// whether each may use its address (core/claims/ownership.ts). The operator (Sender status, claims)
// and the runtime (who may answer) both read it, so they judge ownership over the same Senders.
import type { Sender } from '../api/schema.ts';
import { senderLeaseName } from '../core/claims/claim.ts';
import { type Acceptance, acceptanceOf, compareSenderAge } from '../core/claims/ownership.ts';
import type { Cache } from './cache.ts';
import { KeyIndex } from './key-index.ts';
import { objectKey, splitKey } from './keys.ts';

export class SendersByAddress {
  private readonly index = new KeyIndex();
  private readonly leaseOfKey = new Map<string, string>();

  constructor(private readonly senders: Cache<Sender>) {}

  /**
   * Records a Sender seen (or gone: `deleted`). Returns the sender Lease names whose Senders changed
   * (the old and the new address of an edited Sender): their verdicts may have changed.
   */
  update(sender: Sender, deleted = false): string[] {
    const key = objectKey(sender);
    const before = this.leaseOfKey.get(key);
    const after = deleted ? undefined : senderLeaseName(sender);
    this.index.set(key, after);
    if (after === undefined) this.leaseOfKey.delete(key);
    else this.leaseOfKey.set(key, after);
    return [...new Set([before, after].filter((l): l is string => l !== undefined))];
  }

  /** Keys (namespace/name) of the Senders of a sender Lease. */
  keysOf(leaseName: string): string[] {
    return this.index.get(leaseName);
  }

  /** The Senders declaring an address (by its sender Lease name), oldest first. */
  sendersOf(leaseName: string): Sender[] {
    return this.index
      .get(leaseName)
      .map((k) => this.senders.get(splitKey(k).name, splitKey(k).namespace))
      .filter((s): s is Sender => s !== undefined)
      .sort(compareSenderAge);
  }

  /** Whether this Sender may use its address, judged over every Sender of the address in the cache. */
  acceptance(sender: Sender): Acceptance {
    return acceptanceOf(sender, this.sendersOf(senderLeaseName(sender)));
  }
}
