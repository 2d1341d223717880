// The worker thread behind IntentWorkers (intent-workers.ts): trains intent matchers and runs the
// validator's confusion check (core/intents), which are pure and CPU-bound, off the event loop of
// the process that asked. One job at a time; the answer carries the job's id.
import { parentPort } from 'node:worker_threads';
import { findIntentConfusions, trainModelData } from '../core/intents/index.ts';
import type { WorkerAnswer, WorkerJob } from './jobs.ts';

const port = parentPort;
if (!port) throw new Error('intent-worker.ts runs as a worker thread (new Worker), not on its own');

port.on('message', (job: WorkerJob) => {
  let answer: WorkerAnswer;
  try {
    answer =
      job.kind === 'train'
        ? { id: job.id, ok: true, model: trainModelData(job.intents, job.options) }
        : { id: job.id, ok: true, report: findIntentConfusions(job.intents, job.options) };
  } catch (err) {
    answer = { id: job.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  // The weights move to the asking thread instead of being copied.
  const transfer =
    'model' in answer && answer.model ? answer.model.weights.map((w) => w.buffer as ArrayBuffer) : [];
  port.postMessage(answer, transfer);
});
