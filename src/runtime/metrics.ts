// Prometheus metrics of the runtime. Labels never carry end users, phone numbers or text.
import { Counter, Gauge, Histogram } from 'prom-client';
import { makeRegistry } from '../telemetry/metrics.ts';

export class RuntimeMetrics {
  readonly registry = makeRegistry('chatbot_runtime');
  readonly messagesIn = new Counter({
    name: 'chatbot_runtime_messages_in_total',
    help: 'Inbound end-user messages accepted, by channel.',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  readonly messagesOut = new Counter({
    name: 'chatbot_runtime_messages_out_total',
    help: 'Replies sent to end users, by channel.',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  readonly dropped = new Counter({
    name: 'chatbot_runtime_replies_dropped_total',
    help: 'Inbound messages that got no reply, by channel and reason (NoActiveChatbot, NotVerifiedNumber, HandedOff, ...).',
    labelNames: ['channel', 'reason'] as const,
    registers: [this.registry],
  });
  readonly sessionsOpen = new Gauge({
    name: 'chatbot_runtime_sessions_open',
    help: 'Open sessions in the session store (all replicas), as last counted.',
    registers: [this.registry],
  });
  /** Set by the runtime: how many compiled revisions it holds. */
  countRevisions: () => number = () => 0;
  readonly revisionsHeld = new Gauge({
    name: 'chatbot_runtime_revisions_held',
    help: 'Compiled revisions held in memory (serving and draining ones, and any a message asked for).',
    registers: [this.registry],
    collect: () => {
      this.revisionsHeld.set(this.countRevisions());
    },
  });
  readonly sessionsClosed = new Counter({
    name: 'chatbot_runtime_sessions_closed_total',
    help: 'Sessions closed, by reason (closeSession, drainDeadline, revisionGone).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly handoffs = new Counter({
    name: 'chatbot_runtime_handoffs_total',
    help: 'Sessions handed over to a human agent (toAgent).',
    registers: [this.registry],
  });
  readonly replyLatency = new Histogram({
    name: 'chatbot_runtime_reply_latency_seconds',
    help: 'From an inbound message to its replies being ready, by channel.',
    labelNames: ['channel'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly intentTrainings = new Counter({
    name: 'chatbot_runtime_intent_trainings_total',
    help: 'Intent matchers trained (in the worker thread, when a revision starts serving), by result (ok, failed).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly intentTrainingSeconds = new Histogram({
    name: 'chatbot_runtime_intent_training_seconds',
    help: 'How long an intent matcher took to train in the worker thread, waiting included.',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly statusWrites = new Counter({
    name: 'chatbot_runtime_status_writes_total',
    help: 'Writes of Chatbot status.sessions, by result (ok, error).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly webhooksRejected = new Counter({
    name: 'chatbot_runtime_whatsapp_webhooks_rejected_total',
    help: 'WhatsApp webhooks refused and not processed, by reason (signature: 401, tooManyNumbers: 400).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly webhookItems = new Counter({
    name: 'chatbot_runtime_whatsapp_webhook_items_total',
    help: 'Items of signed WhatsApp webhooks, by change field and type (text, interactive.button_reply, reaction, status.delivered, notification...).',
    labelNames: ['field', 'type'] as const,
    registers: [this.registry],
  });
  readonly sendErrors = new Counter({
    name: 'chatbot_runtime_whatsapp_send_results_total',
    help: "Graph API send attempts by Meta's result code (ok, 130429, 131047, network, ...) and whether it was final.",
    labelNames: ['code', 'final'] as const,
    registers: [this.registry],
  });
}
