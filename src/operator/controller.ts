// The controller vocabulary (after controller-runtime's reconcile.go and controller.go): a
// Reconciler turns one key into a Result or an error; a Controller runs workers over its own
// WorkQueue and is the ONE place that turns that outcome into a queue action, a metric label
// and a log line. See docs/architecture.md, "One reconcile".
//
// Precedence, as in controller-runtime:
// - a TerminalError: not retried (retrying cannot fix it); the reconciler's `reportTerminal`
//   puts it where users look (status, events); label "terminal";
// - a ConflictError (409): retried with the key's backoff, logged at debug; label "conflict";
// - any other error: retried with the key's backoff (kopf's "temporary"); label "error";
// - a Result with requeueAfterMs: backoff forgotten, processed again after that delay
//   (a timed wake-up: a schedule edge, a drain deadline); label "requeue";
// - otherwise done: backoff forgotten; label "success".
import type { Logger } from 'pino';
import type { WorkQueue } from './queue.ts';

export interface Result {
  /** Reconcile this key again after this many ms of clock time. */
  requeueAfterMs?: number;
}

export interface Reconciler {
  reconcile(key: string): Promise<Result>;
  /** Called once for a TerminalError, to say in status and events what went wrong. */
  reportTerminal?(key: string, err: TerminalError): Promise<void>;
}

/** What retrying cannot fix (the apiserver refused the object as invalid, say). */
export class TerminalError extends Error {
  override name = 'TerminalError';
  constructor(
    message: string,
    /** The HTTP status that made it terminal, if any. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A 409: the cache was behind our last write or another writer's; retry soon. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

export type Outcome = 'success' | 'requeue' | 'conflict' | 'error' | 'terminal';

export interface ControllerMetrics {
  /** One reconcile ended with this outcome after `seconds`. */
  observe(controller: string, outcome: Outcome, seconds: number): void;
}

export interface ControllerOptions {
  /** Labels logs and metrics ("chatbot", "sender"). */
  name: string;
  queue: WorkQueue;
  reconciler: Reconciler;
  workers?: number;
  logger?: Logger;
  metrics?: ControllerMetrics;
  /** Called with every error (tests, extra reporting); a hook that throws changes nothing. */
  onError?(key: string, err: unknown): void;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private workers: Promise<void>[] = [];

  constructor(private readonly opts: ControllerOptions) {
    this.name = opts.name;
    this.queue = opts.queue;
  }

  /** Starts the workers; each takes a key, reconciles it and hands the outcome to `handle`. */
  start(): void {
    if (this.workers.length > 0) return;
    const worker = async () => {
      for (;;) {
        const key = await this.queue.get();
        if (key === undefined) return;
        try {
          await this.reconcileHandler(key);
        } finally {
          this.queue.done(key);
        }
      }
    };
    this.workers = Array.from({ length: Math.max(1, this.opts.workers ?? 1) }, () => worker());
  }

  /** Shuts the queue down and resolves once every in-flight reconcile has returned. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
    this.workers = [];
  }

  private async reconcileHandler(key: string): Promise<void> {
    const t0 = performance.now();
    let outcome: Outcome;
    try {
      const result = await this.opts.reconciler.reconcile(key);
      outcome = this.handleResult(key, result);
    } catch (err) {
      outcome = await this.handleError(key, err);
    }
    this.opts.metrics?.observe(this.name, outcome, (performance.now() - t0) / 1000);
  }

  private handleResult(key: string, result: Result | undefined): Outcome {
    this.queue.forget(key);
    const after = result?.requeueAfterMs;
    if (after === undefined) return 'success';
    this.queue.addAfter(key, after);
    return 'requeue';
  }

  private async handleError(key: string, err: unknown): Promise<Outcome> {
    try {
      this.opts.onError?.(key, err);
    } catch {
      // a failing hook must not stop the worker
    }
    const log = { controller: this.name, key, err: String(err) };
    if (err instanceof TerminalError) {
      this.queue.forget(key);
      this.opts.logger?.error(log, 'reconcile failed for good; not retrying until the object changes');
      try {
        await this.opts.reconciler.reportTerminal?.(key, err);
      } catch (reportErr) {
        this.opts.logger?.warn({ ...log, reportErr: String(reportErr) }, 'terminal error not reported');
      }
      return 'terminal';
    }
    this.queue.addRateLimited(key);
    if (err instanceof ConflictError) {
      this.opts.logger?.debug(log, 'reconcile conflict; retrying');
      return 'conflict';
    }
    this.opts.logger?.error({ ...log, retries: this.queue.numRequeues(key) }, 'reconcile failed; retrying');
    return 'error';
  }
}
