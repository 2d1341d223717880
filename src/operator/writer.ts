// The operator's writes to the apiserver, each with the precondition that keeps replicas and
// workers from stepping on each other: status through /status with the resourceVersion read,
// Leases replaced with theirs, ControllerRevisions created by content-addressed name. Failures
// are classified here, once: 409 ConflictError (retry soon), 400/422 TerminalError (the
// apiserver refuses the object: retrying cannot help), anything else retried with backoff.
import type { V1ControllerRevision, V1Lease } from '@kubernetes/client-node';
import { V1MicroTime } from '@kubernetes/client-node';
import jsonMergePatch from 'json-merge-patch';
import {
  ANN_ADDRESS,
  ANN_CHANNEL,
  ANN_CREATED,
  ANN_HOLDER_UID,
  ANN_MOMENT,
  API_VERSION,
  GROUP,
  LEASE_LABEL,
  PLURAL,
  REVISION_LABEL,
  VERSION,
} from '../api/names.ts';
import type { Chatbot, Sender } from '../api/schema.ts';
import type { LeaseView } from '../core/claims/claim.ts';
import type { LeaseOp } from '../core/lifecycle/decide.ts';
import type { RevisionInfo } from '../core/lifecycle/revisions.ts';
import { rfc3339 } from '../core/time.ts';
import type { Cache } from '../kube/cache.ts';
import { type Clients, mergePatch } from '../kube/clients.ts';
import type { Clock } from '../kube/clock.ts';
import { httpStatus } from '../kube/errors.ts';
import { ConflictError, TerminalError } from './controller.ts';

type Meta = { metadata: { namespace?: string; name?: string; resourceVersion?: string } };

export class Writer {
  constructor(
    private readonly clients: Clients,
    private readonly leases: Cache<V1Lease>,
    /** The operator's namespace, where sender Leases live. */
    private readonly leaseNamespace: string,
    private readonly clock: Clock,
  ) {}

  /** Merge-patches /status from `before` to `after`, with a resourceVersion precondition. */
  async patchStatus(plural: string, obj: Meta, before: object | undefined, after: object): Promise<void> {
    const { namespace = '', name = '' } = obj.metadata;
    const body = {
      metadata: { resourceVersion: obj.metadata.resourceVersion },
      status: jsonMergePatch.generate(before ?? {}, after) ?? {},
    };
    try {
      await this.clients.custom.patchNamespacedCustomObjectStatus(
        { group: GROUP, version: VERSION, namespace, plural, name, body },
        mergePatch(),
      );
    } catch (err) {
      throw classify(err, `${plural} ${namespace}/${name} status`);
    }
  }

  /** The uid of the Chatbot as the apiserver has it now (undefined: not found). */
  async liveUid(namespace: string, name: string): Promise<string | undefined> {
    try {
      const cb = (await this.clients.custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL.Chatbot,
        name,
      })) as Chatbot;
      return cb.metadata.uid;
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw classify(err, `chatbot ${namespace}/${name}`);
    }
  }

  /** Creates the ControllerRevision `name` for the chatbot's current definition (409: it exists). */
  async createRevision(chatbot: Chatbot, name: string, existing: RevisionInfo[]): Promise<void> {
    const namespace = chatbot.metadata.namespace ?? '';
    const body: V1ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace,
        labels: { [REVISION_LABEL]: chatbot.metadata.name ?? '' },
        ownerReferences: [
          {
            apiVersion: API_VERSION,
            kind: 'Chatbot',
            name: chatbot.metadata.name ?? '',
            uid: chatbot.metadata.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      data: {
        definition: chatbot.spec?.definition,
        channel: chatbot.spec?.channel,
        sessionTimeout: chatbot.spec?.sessionTimeout,
        startKeyword: chatbot.spec?.startKeyword,
      },
      revision: Math.max(0, ...existing.map((r) => r.revision)) + 1,
    };
    try {
      await this.clients.apps.createNamespacedControllerRevision({ namespace, body });
    } catch (err) {
      if (httpStatus(err) !== 409) throw classify(err, `ControllerRevision ${namespace}/${name}`); // same content, same name
    }
  }

  async deleteRevision(namespace: string, name: string): Promise<void> {
    try {
      await this.clients.apps.deleteNamespacedControllerRevision({ namespace, name });
    } catch (err) {
      if (httpStatus(err) !== 404) throw classify(err, `ControllerRevision ${namespace}/${name}`);
    }
  }

  /** Writes the sender Lease with a resourceVersion precondition: a 409 means decide again. */
  async writeLease(
    view: LeaseView,
    op: LeaseOp,
    sender: Sender | undefined,
    holderUid?: string,
  ): Promise<void> {
    const { coordination } = this.clients;
    const namespace = this.leaseNamespace;
    const raw = this.leases.get(view.name, namespace);
    const now = new V1MicroTime(this.clock.now().getTime());
    const base: V1Lease = raw
      ? structuredClone(raw)
      : {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: view.name, namespace, labels: { [LEASE_LABEL]: 'true' } },
          spec: { leaseTransitions: 0 },
        };
    base.metadata ??= {};
    base.spec ??= {};
    const ann = { ...(base.metadata.annotations ?? {}) };
    if (op.op === 'acquire') {
      const changing =
        base.spec.holderIdentity !== op.claim.key || (ann[ANN_HOLDER_UID] ?? holderUid) !== holderUid;
      if (changing) {
        if (base.spec.holderIdentity) base.spec.leaseTransitions = (base.spec.leaseTransitions ?? 0) + 1;
        base.spec.acquireTime = now;
      }
      base.spec.holderIdentity = op.claim.key;
      base.spec.renewTime = now;
      ann[ANN_MOMENT] = rfc3339(op.claim.moment);
      ann[ANN_CREATED] = rfc3339(op.claim.created);
      if (holderUid) ann[ANN_HOLDER_UID] = holderUid;
      if (sender) {
        ann[ANN_CHANNEL] = sender.spec.channel;
        ann[ANN_ADDRESS] = sender.spec.address;
      }
    } else {
      if (!base.spec.holderIdentity || !raw) return;
      delete base.spec.holderIdentity;
      delete ann[ANN_MOMENT];
      delete ann[ANN_CREATED];
      delete ann[ANN_HOLDER_UID];
      base.spec.renewTime = now;
    }
    base.metadata.annotations = ann;
    try {
      if (raw) {
        await coordination.replaceNamespacedLease({ namespace, name: view.name, body: base });
      } else {
        await coordination.createNamespacedLease({ namespace, body: base });
      }
    } catch (err) {
      throw classify(err, `Lease ${namespace}/${view.name}`);
    }
  }
}

/** The one place an apiserver failure becomes a ConflictError, a TerminalError or stays as it is. */
export function classify(err: unknown, what: string): Error {
  const code = httpStatus(err);
  if (code === 409) return new ConflictError(`${what}: changed by someone else; retrying`);
  if (code === 400 || code === 422) {
    return new TerminalError(`${what}: the apiserver refused it (HTTP ${code}): ${apiMessage(err)}`, code);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** The Status message of a client-node ApiException, else the error's own message. */
function apiMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      // not JSON
    }
  }
  return err instanceof Error ? err.message : String(err);
}
