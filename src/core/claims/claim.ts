// Sender claims: which chatbot holds a sender. A bot claims at its activation moment; claims
// are ordered by (moment, creationTimestamp, namespace/name) and the greater claim holds.
import { createHash } from 'node:crypto';
import { ANN_CREATED, ANN_HOLDER_UID, ANN_MOMENT } from '../../api/names.ts';
import type { Sender } from '../../api/schema.ts';
import { e164Digits } from '../lifecycle/entry-points.ts';
import { parseTime } from '../time.ts';

export interface Claim {
  /** namespace/name of the chatbot. */
  key: string;
  moment: Date;
  created: Date;
}

/** > 0 when a is the greater claim (it holds the sender over b). */
export function compareClaims(a: Claim, b: Claim): number {
  return (
    a.moment.getTime() - b.moment.getTime() ||
    a.created.getTime() - b.created.getTime() ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  );
}

export function greatestClaim(claims: readonly Claim[]): Claim | undefined {
  let best: Claim | undefined;
  for (const c of claims) if (!best || compareClaims(c, best) > 0) best = c;
  return best;
}

/**
 * The Lease that stands for a sender: one per (channel, address), whatever namespace the
 * Sender object is in, so one number is held by one chatbot cluster-wide.
 */
export function senderLeaseName(sender: Pick<Sender, 'spec'>): string {
  const channel = sender.spec.channel.toLowerCase();
  const digits = ['whatsapp', 'sms', 'viber'].includes(channel) ? e164Digits(sender.spec.address) : undefined;
  const id = digits ?? createHash('sha256').update(sender.spec.address).digest('hex').slice(0, 20);
  return `sender-${channel}-${id}`;
}

export interface LeaseView {
  name: string;
  resourceVersion?: string;
  /** namespace/name of the holding chatbot; undefined when free. */
  holder?: string;
  /** metadata.uid of the holder when it acquired (absent on Leases written without it). */
  holderUid?: string;
  claim?: Claim;
  /** When the current holder took the sender. */
  acquireTime?: Date;
  transitions: number;
}

/**
 * Whether the Lease names `bot` as holder only because an earlier bot of the same name held
 * it: the uid differs, or (Leases written before the uid was recorded) it was acquired before
 * this bot existed.
 */
export function heldByPredecessor(
  lease: LeaseView,
  bot: { metadata: { uid?: string; creationTimestamp?: string | Date } },
): boolean {
  if (lease.holderUid) return bot.metadata.uid !== undefined && lease.holderUid !== bot.metadata.uid;
  const created = new Date(bot.metadata.creationTimestamp ?? Number.NaN).getTime();
  return lease.acquireTime !== undefined && !Number.isNaN(created) && lease.acquireTime.getTime() < created;
}

/** Reads a Lease object (as the API returns it) into a LeaseView. */
export function leaseView(lease: {
  metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
  spec?: { holderIdentity?: string; acquireTime?: unknown; leaseTransitions?: number };
}): LeaseView {
  const holder = lease.spec?.holderIdentity || undefined;
  const ann = lease.metadata?.annotations ?? {};
  const moment = parseTime(ann[ANN_MOMENT]);
  const created = parseTime(ann[ANN_CREATED]);
  const acquireTime = parseTime(lease.spec?.acquireTime);
  return {
    name: lease.metadata?.name ?? '',
    ...(lease.metadata?.resourceVersion ? { resourceVersion: lease.metadata.resourceVersion } : {}),
    ...(holder ? { holder } : {}),
    ...(holder && ann[ANN_HOLDER_UID] ? { holderUid: ann[ANN_HOLDER_UID] } : {}),
    ...(holder && moment && created ? { claim: { key: holder, moment, created } } : {}),
    ...(acquireTime ? { acquireTime } : {}),
    transitions: lease.spec?.leaseTransitions ?? 0,
  };
}
