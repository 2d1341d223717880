// Intent training and the confusion check off the event loop (docs/architecture.md, "Work off the
// event loop"): a worker thread runs them, jobs queue in order, and the asking process (the runtime
// training a revision's matcher, the operator checking a definition) stays free to answer health
// checks, renew locks and serve other bots meanwhile. A worker that dies (out of its memory limit,
// say) fails its job and is replaced for the next one. Only the trained weights come back.
import { Worker } from 'node:worker_threads';
import type {
  ConfusionOptions,
  ConfusionReport,
  IntentExamples,
  IntentMatcher,
  MatcherOptions,
} from '../core/intents/index.ts';
import { matcherFromData } from '../core/intents/index.ts';
import type { WorkerAnswer, WorkerJob } from './jobs.ts';

export interface IntentWorkersOptions {
  /** Heap limit of the worker thread (MiB): a job past it fails instead of the process growing. Default 512. */
  maxHeapMb?: number;
  /** Called with the result of each job: ok, or failed (for metrics). */
  onJob?: (kind: WorkerJob['kind'], ok: boolean, seconds: number) => void;
  /**
   * A worker idle this long is stopped, and its heap given back (a training leaves hundreds of MiB
   * that V8 keeps); the next job starts a new one. Default 30 s.
   */
  idleMs?: number;
}

type Pending = {
  job: WorkerJob;
  started?: number;
  resolve: (a: WorkerAnswer) => void;
  reject: (e: Error) => void;
};

/** The worker's source next to this file: .ts under tsx and vitest (loaded with tsx), .js in dist/. */
function workerUrl(): { url: URL; execArgv: string[] } {
  const ts = import.meta.url.endsWith('.ts');
  return {
    url: new URL(`./intent-worker.${ts ? 'ts' : 'js'}`, import.meta.url),
    execArgv: ts ? ['--import', 'tsx'] : [],
  };
}

export class IntentWorkers {
  private worker: Worker | undefined;
  private readonly queue: Pending[] = [];
  private running: Pending | undefined;
  private nextId = 1;
  private closed = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: IntentWorkersOptions = {}) {}

  /** Trains a matcher on these intents in the worker; the matcher classifies on this thread. */
  async train(intents: readonly IntentExamples[], options: MatcherOptions = {}): Promise<IntentMatcher> {
    const answer = await this.run({ id: this.nextId++, kind: 'train', intents: [...intents], options });
    if (!('model' in answer)) throw new Error('the intent worker answered a training without a model');
    return matcherFromData(answer.model, options);
  }

  /** The validator's confusion check (core/intents/confusion.ts) in the worker. */
  async confusions(
    intents: readonly IntentExamples[],
    options: ConfusionOptions = {},
  ): Promise<ConfusionReport> {
    const answer = await this.run({ id: this.nextId++, kind: 'confusions', intents: [...intents], options });
    if (!('report' in answer))
      throw new Error('the intent worker answered a confusion check without a report');
    return answer.report;
  }

  /** Jobs waiting or running. */
  get pending(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  /** Stops the worker; waiting and running jobs fail. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    const failed = [...(this.running ? [this.running] : []), ...this.queue.splice(0)];
    this.running = undefined;
    for (const p of failed) p.reject(new Error('intent workers closed'));
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }

  private run(job: WorkerJob): Promise<WorkerAnswer & { ok: true }> {
    if (this.closed) return Promise.reject(new Error('intent workers closed'));
    return new Promise<WorkerAnswer>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.pump();
    }).then((a) => {
      if (!a.ok) throw new Error(`intent worker: ${a.error}`);
      return a;
    });
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const next = this.queue.shift();
    if (!next) {
      this.stopWhenIdle();
      return;
    }
    clearTimeout(this.idleTimer);
    this.running = next;
    next.started = performance.now();
    this.spawn().postMessage(next.job);
  }

  private finish(answer: WorkerAnswer | Error): void {
    const done = this.running;
    this.running = undefined;
    if (done) {
      const seconds = (performance.now() - (done.started ?? performance.now())) / 1000;
      this.opts.onJob?.(done.job.kind, !(answer instanceof Error) && answer.ok, seconds);
      if (answer instanceof Error) done.reject(answer);
      else done.resolve(answer);
    }
    this.pump();
  }

  private stopWhenIdle(): void {
    clearTimeout(this.idleTimer);
    if (!this.worker) return;
    this.idleTimer = setTimeout(() => {
      const w = this.worker;
      if (!w || this.running || this.queue.length > 0) return;
      this.worker = undefined;
      void w.terminate();
    }, this.opts.idleMs ?? 30_000);
    this.idleTimer.unref();
  }

  private spawn(): Worker {
    if (this.worker) return this.worker;
    const { url, execArgv } = workerUrl();
    const w = new Worker(url, {
      execArgv,
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb ?? 512 },
    });
    w.unref();
    w.on('message', (a: WorkerAnswer) => {
      if (this.running && a.id === this.running.job.id) this.finish(a);
    });
    const gone = (err: Error) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.finish(err);
    };
    w.on('error', gone);
    w.on('exit', (code) => gone(new Error(`the intent worker exited (code ${code})`)));
    this.worker = w;
    return w;
  }
}
