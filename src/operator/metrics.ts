// Prometheus metrics of the operator.
import { Counter, Gauge, Histogram } from 'prom-client';
import { makeRegistry } from '../telemetry/metrics.ts';
import type { ControllerMetrics, Outcome } from './controller.ts';

export class OperatorMetrics implements ControllerMetrics {
  readonly registry = makeRegistry('chatbot_operator');
  /** Counts chatbots by state at scrape time (set by the manager). */
  countStates: () => Map<string, number> = () => new Map();
  readonly reconcileTotal = new Counter({
    name: 'chatbot_operator_reconcile_total',
    help: 'Reconciles by controller (chatbot, sender) and result (success, requeue, conflict, error, terminal).',
    labelNames: ['controller', 'result'] as const,
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'chatbot_operator_reconcile_duration_seconds',
    help: 'Time spent in one reconcile, by controller.',
    labelNames: ['controller'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'chatbot_operator_workqueue_depth',
    help: 'Keys waiting in the work queue, by queue (chatbots, senders).',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  readonly chatbotsByState: Gauge<'state'> = (() => {
    const metrics = this;
    return new Gauge({
      name: 'chatbot_operator_chatbots',
      help: 'Chatbots by status.state.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [state, n] of metrics.countStates()) this.set({ state }, n);
      },
    });
  })();
  readonly scheduleLateness = new Histogram({
    name: 'chatbot_operator_schedule_lateness_seconds',
    help: 'How late a schedule edge was applied after its instant.',
    buckets: [0.01, 0.1, 0.5, 1, 5, 30, 60, 300, 3600],
    registers: [this.registry],
  });
  readonly isLeader = new Gauge({
    name: 'chatbot_operator_leader',
    help: '1 when this replica is the leader.',
    registers: [this.registry],
  });

  observe(controller: string, outcome: Outcome, seconds: number): void {
    this.reconcileTotal.inc({ controller, result: outcome });
    this.reconcileDuration.observe({ controller }, seconds);
  }
}
