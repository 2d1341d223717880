// Events (events.k8s.io/v1) about a Chatbot, with the object as `regarding`.
import { randomBytes } from 'node:crypto';
import { type EventsV1Api, V1MicroTime } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { CONTROLLER_NAME } from '../api/names.ts';
import type { PlannedEvent } from '../core/lifecycle/decide.ts';
import type { Clock } from '../kube/clock.ts';

export class EventRecorder {
  constructor(
    private readonly api: EventsV1Api,
    private readonly clock: Clock,
    private readonly instance: string,
    private readonly logger: Logger,
  ) {}

  /** Best effort: an event that cannot be written is logged, never retried into a loop. */
  async record(
    obj: {
      apiVersion?: string;
      kind?: string;
      metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
    },
    ev: PlannedEvent,
  ): Promise<void> {
    const ns = obj.metadata?.namespace ?? 'default';
    const now = this.clock.now();
    try {
      await this.api.createNamespacedEvent({
        namespace: ns,
        body: {
          // client-go names events <object>.<unique hex>; random hex stays unique under a fake clock.
          metadata: {
            name: `${(obj.metadata?.name ?? 'object').slice(0, 200)}.${randomBytes(8).toString('hex')}`,
            namespace: ns,
          },
          eventTime: new V1MicroTime(now.getTime()),
          reportingController: CONTROLLER_NAME,
          reportingInstance: this.instance.slice(0, 128),
          action: ev.action,
          reason: ev.reason,
          type: ev.type,
          note: ev.note.slice(0, 1024),
          regarding: {
            apiVersion: obj.apiVersion,
            kind: obj.kind,
            name: obj.metadata?.name,
            namespace: ns,
            uid: obj.metadata?.uid,
            resourceVersion: obj.metadata?.resourceVersion,
          },
        },
      });
    } catch (err) {
      this.logger.warn(
        { err: String(err), reason: ev.reason, namespace: ns, name: obj.metadata?.name },
        'event not recorded',
      );
    }
  }
}
