// An informer that survives errors: client-node's ListWatch stops on a watch or list error,
// so it is restarted with exponential backoff; a periodic resync replays every object.
import {
  ADD,
  DELETE,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  UPDATE,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type Clock, RealClock, type Timer } from './clock.ts';
import { RequestWatch } from './watch.ts';

/** Our API types keep metadata times as the strings the API sends; client-node types them as Date. */
export type ApiObject = { metadata?: { name?: string; namespace?: string } };

export interface InformerOptions<_T extends ApiObject> {
  kc: KubeConfig;
  name: string;
  path: string;
  list: () => Promise<KubernetesListObject<KubernetesObject>>;
  labelSelector?: string;
  logger: Logger;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Replays every cached object to the handlers this often (0 = never). */
  resyncMs?: number;
  onRestart?: () => void;
  /**
   * Timers for restart backoff and resync. Real time by default, also in tests that fake the
   * operator's clock: these timers only keep the cache fresh, they decide nothing.
   */
  timers?: Clock;
  /** Drops what this process never reads from each object before the cache keeps it (in place). */
  transform?: (o: KubernetesObject) => void;
}

export interface Handlers<T> {
  add?(obj: T): void;
  update?(obj: T, old?: T): void;
  delete?(obj: T): void;
  /** Called for every object at each resync. */
  resync?(obj: T): void;
}

/**
 * Drops metadata.managedFields from the object the cache keeps (as controller-runtime's
 * TransformStripManagedFields does): nearly half of a Chatbot's bytes, never read here, and an
 * update that omits them leaves them as they are on the server.
 */
function slim(o: KubernetesObject, transform?: (o: KubernetesObject) => void): KubernetesObject {
  if (o.metadata?.managedFields) o.metadata.managedFields = undefined;
  transform?.(o);
  return o;
}

export class ResilientInformer<T extends ApiObject> {
  private readonly inner;
  private stopped = false;
  private backoffMs: number;
  private readonly timers: Clock;
  private restartTimer: Timer | undefined;
  private resyncTimer: Timer | undefined;
  private synced = false;
  private errors = 0;
  private readonly handlers: Handlers<T>[] = [];
  /** Resolves start(): on the first sync, or on stop(). */
  private onSettled: (() => void) | undefined;

  constructor(private readonly opts: InformerOptions<T>) {
    this.backoffMs = opts.minBackoffMs ?? 500;
    this.timers = opts.timers ?? new RealClock();
    this.inner = new ListWatch<KubernetesObject>(
      opts.path,
      new RequestWatch(opts.kc),
      opts.list,
      false,
      opts.labelSelector,
    );
    // client-node fires 'connect' before it lists or watches, so only a successful start or
    // a delivered event resets the backoff.
    const t = opts.transform;
    // Slimmed before any handler runs, and also when none listens: the cache keeps this object.
    this.inner.on(ADD, (o) => {
      slim(o, t);
      this.delivered(() => this.each((h) => h.add?.(o as T)));
    });
    this.inner.on(UPDATE, (o) => {
      slim(o, t);
      this.delivered(() => this.each((h) => h.update?.(o as T)));
    });
    this.inner.on(DELETE, (o) => this.delivered(() => this.each((h) => h.delete?.(o as T))));
    this.inner.on('error', (err) => this.onError(err));
  }

  on(h: Handlers<T>): void {
    this.handlers.push(h);
  }

  private each(fn: (h: Handlers<T>) => void) {
    for (const h of this.handlers) {
      try {
        fn(h);
      } catch (err) {
        this.opts.logger.error({ err, informer: this.opts.name }, 'informer handler failed');
      }
    }
  }

  private resetBackoff() {
    this.backoffMs = this.opts.minBackoffMs ?? 500;
  }

  private delivered(fn: () => void) {
    this.resetBackoff();
    fn();
  }

  /** Starts (or restarts) the list+watch; ListWatch.start resolves even when its list failed. */
  private attempt() {
    const errorsBefore = this.errors;
    this.inner.start().then(
      () => {
        if (this.errors !== errorsBefore) return;
        this.resetBackoff();
        this.markSynced();
      },
      (e) => this.onError(e),
    );
  }

  private onError(err: unknown) {
    this.errors++;
    if (this.stopped) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs ?? 30_000);
    this.opts.logger.warn(
      { err: String(err), informer: this.opts.name, retryInMs: delay },
      'informer stopped; restarting',
    );
    this.restartTimer?.cancel();
    this.restartTimer = this.timers.setTimer(() => {
      if (this.stopped) return;
      this.opts.onRestart?.();
      this.attempt();
    }, delay);
  }

  private markSynced() {
    if (this.synced) return;
    this.synced = true;
    this.onSettled?.();
    const every = this.opts.resyncMs ?? 0;
    if (every > 0) this.scheduleResync(every);
  }

  private scheduleResync(every: number) {
    this.resyncTimer = this.timers.setTimer(() => {
      if (this.stopped) return;
      for (const o of this.inner.list()) this.each((h) => h.resync?.(o as T));
      this.scheduleResync(every);
    }, every);
  }

  /** Resolves once the first list has been loaded (retrying errors until then). */
  async start(): Promise<void> {
    this.stopped = false;
    const ready = new Promise<void>((ok) => {
      this.onSettled = ok;
    });
    this.attempt();
    await ready;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.onSettled?.();
    this.restartTimer?.cancel();
    this.resyncTimer?.cancel();
    await this.inner.stop();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.inner.get(name, namespace) as T | undefined;
  }

  list(namespace?: string): T[] {
    return this.inner.list(namespace) as unknown as T[];
  }
}
