// Training and the confusion check in a worker thread give exactly what the same code gives on the
// calling thread, in order, and a closed pool refuses work instead of hanging.
import { afterEach, describe, expect, it } from 'vitest';
import { createIntentMatcher, findIntentConfusions } from '../core/intents/index.ts';
import { generateIntents } from '../core/validation/fixtures.ts';
import { IntentWorkers } from './intent-workers.ts';

let workers: IntentWorkers | undefined;
afterEach(async () => {
  await workers?.close();
  workers = undefined;
});

const intents = [
  { name: 'order_status', trainingPhrases: ['where is my order', 'track my parcel', 'has my order shipped'] },
  {
    name: 'opening_hours',
    trainingPhrases: ['when are you open', 'opening hours', 'what time do you close'],
  },
];

describe('IntentWorkers', () => {
  it('a matcher trained in the worker matches as one trained here', async () => {
    const jobs: string[] = [];
    workers = new IntentWorkers({ onJob: (kind, ok) => jobs.push(`${kind} ${ok}`) });
    const there = await workers.train(intents);
    const here = createIntentMatcher(intents);
    for (const text of ['where is my parcel', 'are you open', 'hello']) {
      expect(there.classify(text)).toEqual(here.classify(text));
    }
    expect(jobs).toEqual(['train true']);
  });

  it('the confusion check in the worker reports what it reports here; jobs run in order', async () => {
    workers = new IntentWorkers();
    const big = generateIntents(6, 12);
    const [a, b] = await Promise.all([workers.confusions(big), workers.train(intents)]);
    expect(a).toEqual(findIntentConfusions(big));
    expect(b.intents).toEqual(['order_status', 'opening_hours']);
    expect(workers.pending).toBe(0);
  });

  it('close() fails waiting jobs and refuses new ones', async () => {
    workers = new IntentWorkers();
    const waiting = expect(workers.train(generateIntents(20, 20))).rejects.toThrow(/closed/);
    await workers.close();
    await waiting;
    await expect(workers.train(intents)).rejects.toThrow(/closed/);
  });

  it('an idle worker is stopped (its memory given back) and the next job starts a new one', async () => {
    workers = new IntentWorkers({ idleMs: 50 });
    await workers.train(intents);
    await new Promise((r) => setTimeout(r, 300));
    expect((workers as unknown as { worker?: unknown }).worker).toBeUndefined();
    const again = await workers.train(intents);
    expect(again.match('where is my parcel')?.intent).toBe('order_status');
  });
});
