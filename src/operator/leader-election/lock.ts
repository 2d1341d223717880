// The lock a LeaderElector campaigns on, like client-go's resourcelock.Interface: the elector
// reads the record, decides, and writes it back with the version it read as a precondition.
// LeaseLock (lease-lock.ts) keeps it on a coordination.k8s.io/v1 Lease; the unit tests keep it
// in memory. See docs/architecture.md, "Leader election".

/** What the candidates agree on: who holds the lock, and for how long a silence counts as alive. */
export interface LockRecord {
  /** Empty when nobody holds it (after a graceful release). */
  holderIdentity: string;
  /** How long followers wait, after they last saw the record change, before taking over. */
  leaseDurationSeconds: number;
  /** When the holder acquired it, on the holder's clock (informational). */
  acquireTime: Date | undefined;
  /** When the holder last renewed it, on the holder's clock (informational). */
  renewTime: Date | undefined;
  /** How many times the holder changed. */
  leaseTransitions: number;
}

/** A record as stored, with the version a write must name to replace it. */
export type StoredRecord = LockRecord & { readonly resourceVersion: string };

/**
 * Storage for the election record. Every call must settle soon after `signal` aborts: the elector
 * bounds its calls by aborting them, and a call that ignores the signal wedges the elector (its
 * `check()` reports that, as client-go's healthz adaptor does).
 */
export interface LeaderLock {
  /** The current record, or undefined when there is none yet. */
  get(signal: AbortSignal): Promise<StoredRecord | undefined>;
  /** Creates the record; rejects with LockConflictError when one exists already. */
  create(record: LockRecord, signal: AbortSignal): Promise<StoredRecord>;
  /**
   * Replaces the record if it is still at resourceVersion; rejects with LockConflictError when it
   * has changed since (or is gone).
   */
  update(record: LockRecord, resourceVersion: string, signal: AbortSignal): Promise<StoredRecord>;
  /** Names the lock in logs, e.g. "Lease chatbot-system/chatbot-operator-leader". */
  describe(): string;
}

/** Another candidate wrote the lock first: the write's precondition did not hold. */
export class LockConflictError extends Error {
  override readonly name = 'LockConflictError';
}
