// The validator's "incorrect intent is matched" check for the operator, off its event loop: the
// check trains the intent matcher several times (k-fold), seconds for a large bot, so it runs in
// the worker thread (src/workers) and the reconcile reports IntentConfusionPending until the report
// is there; then the bots that wait for it are reconciled again. Reports are kept per distinct
// set of intents (a content hash), so an unchanged definition is never checked twice.
import { createHash } from 'node:crypto';
import type { ConfusionReport, IntentExamples } from '../core/intents/index.ts';
import { MIN_FOLDS } from '../core/intents/index.ts';
import { MAX_TRAINING_WORK } from '../core/validation/index.ts';
import type { IntentWorkers } from '../workers/intent-workers.ts';

/** Reports kept (least recently used dropped first). */
const REPORTS_MAX = 1000;

export class ConfusionChecks {
  private readonly reports = new Map<string, ConfusionReport>();
  private readonly running = new Set<string>();
  /** Called with a hash whose report just arrived. */
  onReady: (hash: string) => void = () => {};

  constructor(private readonly workers: IntentWorkers) {}

  /** The content hash of a set of intents (what a report is kept under). */
  static hashOf(intents: readonly IntentExamples[]): string {
    return createHash('sha256').update(JSON.stringify(intents)).digest('hex').slice(0, 32);
  }

  /** The report for these intents, or 'pending' (the check is started if it is not running). */
  report(intents: IntentExamples[], hash = ConfusionChecks.hashOf(intents)): ConfusionReport | 'pending' {
    const hit = this.reports.get(hash);
    if (hit) {
      this.reports.delete(hash);
      this.reports.set(hash, hit);
      return hit;
    }
    if (!this.running.has(hash)) this.start(hash, intents);
    return 'pending';
  }

  has(hash: string): boolean {
    return this.reports.has(hash);
  }

  private start(hash: string, intents: IntentExamples[]): void {
    this.running.add(hash);
    // Every definition the runtime can serve is checked (with at least MIN_FOLDS folds).
    this.workers
      .confusions(intents, { maxWork: MAX_TRAINING_WORK * MIN_FOLDS })
      .catch(
        (): ConfusionReport => ({
          checked: false,
          exact: false,
          folds: 0,
          phrases: 0,
          work: 0,
          confusions: [],
        }),
      )
      .then((report) => {
        this.running.delete(hash);
        if (this.reports.size >= REPORTS_MAX) this.reports.delete(this.reports.keys().next().value!);
        this.reports.set(hash, report);
        this.onReady(hash);
      });
  }
}
