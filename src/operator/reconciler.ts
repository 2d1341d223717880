// The reconcile shell: read the caches once, decide() in a pure function, apply the plan
// (status through /status only when it changed, then events), requeue at the next edge.
import equal from 'fast-deep-equal';
import jsonMergePatch from 'json-merge-patch';
import type { Logger } from 'pino';
import { type Chatbot, GROUP, type Issue, type Sender, VERSION } from '../api/schema.ts';
import type { Clock } from '../core/clock.ts';
import { decide } from '../core/lifecycle/decide.ts';
import { validateChatbot } from '../core/validation/index.ts';
import type { Cache } from './cache.ts';
import type { EventRecorder } from './events.ts';
import { type Clients, httpStatus, mergePatch, PLURAL, splitKey } from './kube.ts';
import type { OperatorMetrics } from './metrics.ts';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** A 409: the cache was behind our last write or another writer's; retry soon. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

interface MemoEntry {
  generation: number | undefined;
  senderGeneration: number | undefined;
  senderFound: boolean;
  issues: Issue[];
}

export interface ReconcilerDeps {
  clients: Clients;
  chatbots: Cache<Chatbot>;
  senders: Cache<Sender>;
  clock: Clock;
  recorder: EventRecorder;
  logger: Logger;
  metrics?: OperatorMetrics;
}

export class ChatbotReconciler {
  private readonly memo = new Map<string, MemoEntry>();

  constructor(private readonly deps: ReconcilerDeps) {}

  /** Validation is pure but not free (intent matching): reuse it while nothing it reads changed. */
  private issuesFor(chatbot: Chatbot, sender: Sender | undefined): Issue[] {
    const uid = chatbot.metadata.uid ?? `${chatbot.metadata.namespace}/${chatbot.metadata.name}`;
    const hit = this.memo.get(uid);
    const generation = chatbot.metadata.generation;
    const senderGeneration = sender?.metadata.generation;
    if (
      hit &&
      hit.generation === generation &&
      hit.senderGeneration === senderGeneration &&
      hit.senderFound === (sender !== undefined)
    ) {
      return hit.issues;
    }
    const issues = validateChatbot(chatbot, {
      findSender: (name) => (name === sender?.metadata.name ? sender : undefined),
    });
    this.memo.set(uid, { generation, senderGeneration, senderFound: sender !== undefined, issues });
    return issues;
  }

  forget(chatbot: Chatbot): void {
    if (chatbot.metadata.uid) this.memo.delete(chatbot.metadata.uid);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const { chatbots, senders, clock, clients, recorder, logger, metrics } = this.deps;
    const chatbot = chatbots.get(name, namespace);
    if (!chatbot) return {};
    const now = clock.now();
    const ref = chatbot.spec?.senderRef?.name;
    const sender = ref ? senders.get(ref, namespace) : undefined;
    const issues = this.issuesFor(chatbot, sender);
    const plan = decide({ chatbot, sender, issues }, now);

    const log = {
      namespace,
      name,
      generation: chatbot.metadata.generation,
      state: plan.status.state,
      reason: plan.reason,
    };
    if (!equal(plan.status, chatbot.status ?? {})) {
      const patch = {
        metadata: { resourceVersion: chatbot.metadata.resourceVersion },
        status: jsonMergePatch.generate(chatbot.status ?? {}, plan.status) ?? {},
      };
      try {
        await clients.custom.patchNamespacedCustomObjectStatus(
          { group: GROUP, version: VERSION, namespace, plural: PLURAL.Chatbot, name, body: patch },
          mergePatch(),
        );
      } catch (err) {
        const code = httpStatus(err);
        if (code === 404) return {};
        if (code === 409) throw new ConflictError(`${key}: status was changed by someone else; retrying`);
        throw err;
      }
      if (plan.status.state !== chatbot.status?.state && plan.lateEdge) {
        metrics?.scheduleLateness.observe((now.getTime() - plan.lateEdge.getTime()) / 1000);
      }
      for (const ev of plan.events) await recorder.record(chatbot, ev);
      logger.info({ ...log, events: plan.events.map((e) => e.reason) }, 'status updated');
    } else {
      logger.debug(log, 'status unchanged');
    }
    return plan.nextWakeAt ? { requeueAfterMs: Math.max(0, plan.nextWakeAt.getTime() - now.getTime()) } : {};
  }
}
