// Who owns an address (docs/architecture.md, "Tenants"): the way Gateway API settles listener
// conflicts and ReferenceGrant allows cross-namespace use. A (channel, address) belongs to the
// namespace of its oldest Sender (creationTimestamp, then namespace/name). A Sender in another
// namespace is accepted only when a Sender of the owner namespace for the same address lists that
// namespace in spec.sharedWith; otherwise it is refused and its chatbots cannot claim the address.
// Pure: the operator (Sender status, claims) and the runtime (who may answer) decide with it alike.
import type { Sender } from '../../api/schema.ts';

export type Acceptance =
  /** In the owner namespace, or granted by a Sender of it. */
  | { accepted: true; owner: string; grantedBy?: string }
  /** Another namespace owns the address and none of its Senders grants this one. */
  | { accepted: false; owner: string; ownerSender: string };

const keyOf = (s: Sender) => `${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`;
const createdMs = (s: Sender) => {
  const t = new Date(s.metadata.creationTimestamp ?? Number.NaN).getTime();
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
};

/** Oldest first: creationTimestamp, then namespace/name. */
export function compareSenderAge(a: Sender, b: Sender): number {
  const ka = keyOf(a);
  const kb = keyOf(b);
  return createdMs(a) - createdMs(b) || (ka < kb ? -1 : ka > kb ? 1 : 0);
}

/** The oldest Sender of an address (Senders being deleted do not count), if any. */
export function oldestSender(sameAddress: readonly Sender[]): Sender | undefined {
  let oldest: Sender | undefined;
  for (const s of sameAddress) {
    if (s.metadata.deletionTimestamp) continue;
    if (!oldest || compareSenderAge(s, oldest) < 0) oldest = s;
  }
  return oldest;
}

/**
 * Whether `sender` may use its address, given every Sender declaring the same (channel, address)
 * (it may or may not be among them). A Sender being deleted is judged with the others as if it
 * stayed, so it keeps its verdict until it is gone.
 */
export function acceptanceOf(sender: Sender, sameAddress: readonly Sender[]): Acceptance {
  const me = keyOf(sender);
  const all = sameAddress.some((s) => keyOf(s) === me) ? sameAddress : [...sameAddress, sender];
  const owner = oldestSender(all) ?? sender;
  const ownerNs = owner.metadata.namespace ?? '';
  const ns = sender.metadata.namespace ?? '';
  if (ns === ownerNs) return { accepted: true, owner: ownerNs };
  const grant = all
    .filter((s) => (s.metadata.namespace ?? '') === ownerNs && !s.metadata.deletionTimestamp)
    .sort(compareSenderAge)
    .find((s) => s.spec.sharedWith?.includes(ns));
  return grant
    ? { accepted: true, owner: ownerNs, grantedBy: keyOf(grant) }
    : { accepted: false, owner: ownerNs, ownerSender: keyOf(owner) };
}

/** The sentence a refused Sender (and its chatbots) show: who owns the address, and what to do. */
export function refusalMessage(sender: Pick<Sender, 'spec'>, a: Extract<Acceptance, { accepted: false }>) {
  return (
    `The ${sender.spec.channel} address ${sender.spec.address} belongs to namespace ${a.owner}, ` +
    `which declared it first; ask its owners to add this namespace to spec.sharedWith of their ` +
    `Sender for it, or use another address`
  );
}
