// A FIFO chain per key: tasks for one key run one at a time in call order; tasks for different
// keys run concurrently. An idle key holds no memory.
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs task after every task queued before it for key; its outcome is the returned promise's. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    let done!: () => void;
    const tail = new Promise<void>((resolve) => {
      done = resolve;
    });
    // The chain never rejects: each link resolves when its task settles, whatever the outcome.
    const chained = previous ? previous.then(() => tail) : tail;
    this.tails.set(key, chained);
    const settle = () => {
      done();
      if (this.tails.get(key) === chained) this.tails.delete(key);
    };
    const start = previous ?? Promise.resolve();
    return start.then(task).finally(settle);
  }

  /** True while key has a task running or waiting. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}
