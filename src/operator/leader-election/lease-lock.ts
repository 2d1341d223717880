// The election record on a coordination.k8s.io/v1 Lease, through the process's shared clients
// (src/kube/clients.ts). Writes are replaces with the resourceVersion the elector read as a
// precondition; the apiserver answers 409 when another candidate wrote first.
import {
  ApiException,
  type ConfigurationOptions,
  type CoordinationV1Api,
  Observable,
  type ObservableMiddleware,
  type V1Lease,
  type V1LeaseSpec,
  V1MicroTime,
} from '@kubernetes/client-node';
import { isConflict, isNotFound } from '../../kube/errors.ts';
import { type LeaderLock, LockConflictError, type LockRecord, type StoredRecord } from './lock.ts';

export class LeaseLock implements LeaderLock {
  /**
   * The Lease as last read or written. A replace sends it back whole with the new spec, so labels,
   * annotations and spec fields the election does not own survive.
   */
  private last: V1Lease | undefined;

  constructor(
    private readonly coordination: CoordinationV1Api,
    readonly namespace: string,
    readonly name: string,
  ) {}

  async get(signal: AbortSignal): Promise<StoredRecord | undefined> {
    try {
      const lease = await this.coordination.readNamespacedLease(
        { name: this.name, namespace: this.namespace },
        withSignal(signal),
      );
      return this.stored(lease);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw apiError(err);
    }
  }

  async create(record: LockRecord, signal: AbortSignal): Promise<StoredRecord> {
    try {
      const lease = await this.coordination.createNamespacedLease(
        {
          namespace: this.namespace,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.name, namespace: this.namespace },
            spec: toSpec(record),
          },
        },
        withSignal(signal),
      );
      return this.stored(lease);
    } catch (err) {
      if (isConflict(err)) throw new LockConflictError(`${this.describe()} exists already`);
      throw apiError(err);
    }
  }

  async update(record: LockRecord, resourceVersion: string, signal: AbortSignal): Promise<StoredRecord> {
    const base: V1Lease =
      this.last?.metadata?.resourceVersion === resourceVersion
        ? this.last
        : { metadata: { name: this.name, namespace: this.namespace, resourceVersion } };
    try {
      const lease = await this.coordination.replaceNamespacedLease(
        {
          name: this.name,
          namespace: this.namespace,
          body: {
            ...base,
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            spec: { ...base.spec, ...toSpec(record) },
          },
        },
        withSignal(signal),
      );
      return this.stored(lease);
    } catch (err) {
      if (isConflict(err)) throw new LockConflictError(`${this.describe()} changed since ${resourceVersion}`);
      if (isNotFound(err)) throw new LockConflictError(`${this.describe()} was deleted`);
      throw apiError(err);
    }
  }

  describe(): string {
    return `Lease ${this.namespace}/${this.name}`;
  }

  private stored(lease: V1Lease): StoredRecord {
    this.last = lease;
    return { ...fromSpec(lease.spec), resourceVersion: lease.metadata?.resourceVersion ?? '' };
  }
}

/** Request options that attach signal to the HTTP request. */
function withSignal(signal: AbortSignal): ConfigurationOptions<ObservableMiddleware> {
  return {
    middleware: [
      {
        pre: (request) => {
          request.setSignal(signal);
          return new Observable(Promise.resolve(request));
        },
        post: (response) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

function toSpec(r: LockRecord): V1LeaseSpec {
  // V1MicroTime serializes with microseconds ("...T10:00:00.123000Z"), as MicroTime requires.
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: r.acquireTime && new V1MicroTime(r.acquireTime.getTime()),
    renewTime: r.renewTime && new V1MicroTime(r.renewTime.getTime()),
    leaseTransitions: r.leaseTransitions,
  };
}

function fromSpec(spec: V1LeaseSpec | undefined): LockRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? '',
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: toDate(spec?.acquireTime),
    renewTime: toDate(spec?.renewTime),
    leaseTransitions: spec?.leaseTransitions ?? 0,
  };
}

/**
 * client-node declares MicroTime fields as V1MicroTime but, having no deserializer for them,
 * hands back the server's string ("2026-01-01T10:00:00.123456Z"); accept either.
 */
function toDate(v: unknown): Date | undefined {
  if (v instanceof Date) return v;
  if (typeof v === 'string' && v) {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

/** An ApiException as an Error whose message is "HTTP 500: <the Status message>". */
function apiError(err: unknown): unknown {
  if (!(err instanceof ApiException)) return err;
  let body: unknown = err.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // not a Status object: keep the text
    }
  }
  const message =
    typeof body === 'object' && body !== null && 'message' in body
      ? String(body.message)
      : String(body ?? '');
  return new Error(`HTTP ${err.code}${message ? `: ${message}` : ''}`, { cause: err });
}
