// An informer that survives errors: client-node's ListWatch stops on a watch or list error,
// so it is restarted with exponential backoff; a periodic resync replays every object.
import {
  ADD,
  DELETE,
  HttpMethod,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  RequestContext,
  UPDATE,
  Watch,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type Dispatcher, request } from 'undici';

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
}

export interface Handlers<T> {
  add?(obj: T): void;
  update?(obj: T, old?: T): void;
  delete?(obj: T): void;
  /** Called for every object at each resync. */
  resync?(obj: T): void;
}

/**
 * client-node's Watch with the same contract (done once: on close, on error, or after 30 s
 * without data with a TimeoutError; a non-200 answer carries statusCode, so ListWatch relists
 * on 410), read through undici's request() and split into lines by hand instead of fetch, web
 * streams and readline: those were a third of the operator's CPU at 1,000 bots.
 */
export class RequestWatch extends Watch {
  static idleTimeoutMs = 30_000;

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new Error('No currently active cluster');
    const url = new URL(cluster.server + path);
    url.searchParams.set('watch', 'true');
    for (const [k, v] of Object.entries(queryParams)) if (v !== undefined) url.searchParams.set(k, String(v));
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const resetTimer = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, RequestWatch.idleTimeoutMs);
      timer.unref();
    };
    let finished = false;
    const finish = (err: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      controller.abort();
      done(timedOut ? new DOMException('The operation was aborted due to timeout', 'TimeoutError') : err);
    };
    const ctx = new RequestContext(url.toString(), HttpMethod.GET);
    await this.config.applySecurityAuthentication(ctx);
    try {
      resetTimer();
      const res = await request(url, {
        method: 'GET',
        headers: ctx.getHeaders(),
        dispatcher: ctx.getDispatcher() as Dispatcher | undefined,
        signal: controller.signal,
      });
      if (res.statusCode !== 200) {
        res.body.resume();
        throw Object.assign(new Error(`watch ${path}: HTTP ${res.statusCode}`), {
          statusCode: res.statusCode,
        });
      }
      resetTimer();
      let buffered = '';
      res.body.setEncoding('utf8');
      res.body.on('data', (chunk: string) => {
        resetTimer();
        buffered += chunk;
        let nl = buffered.indexOf('\n');
        while (nl >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.length > 0) {
            let event: { type: string; object: unknown } | undefined;
            try {
              event = JSON.parse(line) as { type: string; object: unknown };
            } catch {
              // A line that is not JSON is skipped, as client-node's Watch does.
            }
            if (event) callback(event.type, event.object, event);
          }
          nl = buffered.indexOf('\n');
        }
      });
      res.body.on('error', finish);
      res.body.on('end', () => finish(null));
      res.body.on('close', () => finish(null));
    } catch (err) {
      finish(err);
    }
    return controller;
  }
}

/**
 * Drops metadata.managedFields from the object the cache keeps (as controller-runtime's
 * TransformStripManagedFields does): nearly half of a Chatbot's bytes, never read here, and an
 * update that omits them leaves them as they are on the server.
 */
function slim(o: KubernetesObject): KubernetesObject {
  if (o.metadata?.managedFields) o.metadata.managedFields = undefined;
  return o;
}

export class ResilientInformer<T extends ApiObject> {
  private readonly inner;
  private stopped = false;
  private backoffMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private synced = false;
  private errors = 0;
  private readonly handlers: Handlers<T>[] = [];

  constructor(private readonly opts: InformerOptions<T>) {
    this.backoffMs = opts.minBackoffMs ?? 500;
    this.inner = new ListWatch<KubernetesObject>(
      opts.path,
      new RequestWatch(opts.kc),
      opts.list,
      false,
      opts.labelSelector,
    );
    // client-node fires 'connect' before it lists or watches, so only a successful start or
    // a delivered event resets the backoff.
    this.inner.on(ADD, (o) => this.delivered(() => this.each((h) => h.add?.(slim(o) as T))));
    this.inner.on(UPDATE, (o) => this.delivered(() => this.each((h) => h.update?.(slim(o) as T))));
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
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (this.stopped) return;
      this.opts.onRestart?.();
      this.attempt();
    }, delay);
  }

  private markSynced() {
    if (this.synced) return;
    this.synced = true;
    const every = this.opts.resyncMs ?? 0;
    if (every > 0) {
      this.resyncTimer = setInterval(() => {
        for (const o of this.inner.list()) this.each((h) => h.resync?.(o as T));
      }, every);
      this.resyncTimer.unref();
    }
  }

  /** Resolves once the first list has been loaded (retrying errors until then). */
  async start(): Promise<void> {
    this.stopped = false;
    const ready = new Promise<void>((ok) => {
      const check = setInterval(() => {
        if (this.synced || this.stopped) {
          clearInterval(check);
          ok();
        }
      }, 50);
    });
    this.attempt();
    await ready;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.resyncTimer);
    await this.inner.stop();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.inner.get(name, namespace) as T | undefined;
  }

  list(namespace?: string): T[] {
    return this.inner.list(namespace) as unknown as T[];
  }
}
