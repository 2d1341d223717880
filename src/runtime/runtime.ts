// Wires the runtime: informers (Directory), the session store, the conversation pipeline, the
// channels on one fastify server, session housekeeping, metrics and health. See
// docs/architecture.md, "One inbound message".

import type { KubeConfig } from '@kubernetes/client-node';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { makeClients } from '../kube/clients.ts';
import { type Clock, RealClock, type Timer } from '../kube/clock.ts';
import { type HealthServer, startHealthServer } from '../telemetry/health.ts';
import { IntentWorkers } from '../workers/intent-workers.ts';
import { registerEntryPoints } from './channels/entry.ts';
import { registerHttpChannel } from './channels/http.ts';
import { WhatsAppChannel } from './channels/whatsapp.ts';
import { type RetrySchedules, WhatsAppSender } from './channels/whatsapp-send.ts';
import { Conversations } from './conversation.ts';
import { Directory } from './directory.ts';
import { Housekeeping } from './housekeeping.ts';
import { RuntimeKeys } from './keys.ts';
import { RuntimeMetrics } from './metrics.ts';
import { RateLimiter, type RateLimitOptions } from './rate-limit.ts';
import type { SessionStore } from './sessions/store.ts';

export interface RuntimeOptions {
  kc: KubeConfig;
  /** Decisions (session expiry, drain deadlines) on this clock; fake in tests. */
  clock: Clock;
  /** Timers that decide nothing (informer backoff, report interval); default real time. */
  timers?: Clock;
  logger: Logger;
  store: SessionStore;
  /** Namespaces to watch; empty: all. */
  namespaces?: string[];
  /** The operator's namespace, where sender Leases live. */
  leaseNamespace: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Health/metrics server; undefined: none. */
  healthPort?: number;
  healthHost?: string;
  /** How often session counts are reported (default 2 s). */
  reportIntervalMs?: number;
  /** The Graph API base including its version (default https://graph.facebook.com/v23.0). */
  whatsappApiUrl?: string;
  /** WhatsApp messages older than this are not answered (default 24 h). */
  whatsappMaxAgeMs?: number;
  /** Waits before retries of failed Graph API sends (tests shorten them). */
  whatsappRetry?: Partial<RetrySchedules>;
  /**
   * The key of conversation keys, message-id markers and Http conversation tokens; the same on
   * every replica sharing a Redis (SESSION_KEY). Undefined: a random key for this process.
   */
  sessionKey?: string;
  /** Messages per end user (default: a burst of 10, then 1 per second). */
  perUserLimit?: RateLimitOptions;
  /** Http requests per client address without a bearer token (default: a burst of 60, then 2 per second). */
  perClientLimit?: RateLimitOptions;
}

export const DEFAULT_PER_USER_LIMIT: RateLimitOptions = { burst: 10, perSecond: 1 };
export const DEFAULT_PER_CLIENT_LIMIT: RateLimitOptions = { burst: 60, perSecond: 2 };

export const DEFAULT_WHATSAPP_API_URL = 'https://graph.facebook.com/v23.0';

export class Runtime {
  readonly metrics = new RuntimeMetrics();
  readonly directory: Directory;
  readonly conversations: Conversations;
  readonly housekeeping: Housekeeping;
  readonly whatsapp: WhatsAppChannel;
  readonly whatsappSender: WhatsAppSender;
  readonly app: FastifyInstance;
  /** The worker thread that trains intent matchers. */
  readonly workers: IntentWorkers;
  private health: HealthServer | undefined;
  private listening = false;

  constructor(private readonly opts: RuntimeOptions) {
    const clients = makeClients(opts.kc, 'chatbot-runtime');
    const timers = opts.timers ?? new RealClock();
    this.workers = new IntentWorkers({
      onJob: (_kind, ok, seconds) => {
        this.metrics.intentTrainings.inc({ result: ok ? 'ok' : 'failed' });
        this.metrics.intentTrainingSeconds.observe(seconds);
      },
    });
    this.directory = new Directory({
      clients,
      namespaces: opts.namespaces ?? [],
      leaseNamespace: opts.leaseNamespace,
      logger: opts.logger,
      timers,
      workers: this.workers,
    });
    const keys = new RuntimeKeys(opts.sessionKey);
    const deps = {
      directory: this.directory,
      store: opts.store,
      clock: opts.clock,
      metrics: this.metrics,
      logger: opts.logger,
    };
    this.metrics.countRevisions = () => this.directory.compiledCount;
    this.conversations = new Conversations({
      ...deps,
      keys,
      perUser: new RateLimiter(opts.perUserLimit ?? DEFAULT_PER_USER_LIMIT),
    });
    this.housekeeping = new Housekeeping({
      ...deps,
      clients,
      timers,
      intervalMs: opts.reportIntervalMs ?? 2000,
    });
    // Route parameters up to 256 characters (Http addresses, chatbot names); slow clients cut off.
    this.app = Fastify({
      logger: false,
      bodyLimit: 1024 * 1024,
      routerOptions: { maxParamLength: 256 },
      requestTimeout: 30_000,
      connectionTimeout: 60_000,
    });
    this.app.setErrorHandler((err: { statusCode?: number; message?: string }, _req, reply) => {
      const code = err.statusCode ?? 500;
      const status = code >= 400 && code < 500 ? code : 500;
      if (status >= 500) opts.logger.error({ err: String(err) }, 'request failed');
      // 4xx: say what was wrong with the request (fastify names the field); 5xx: nothing internal.
      void reply.code(status).send({ error: status < 500 ? err.message : 'internal error' });
    });
    this.app.get('/healthz', async () => 'ok');
    registerHttpChannel(this.app, {
      directory: this.directory,
      conversations: this.conversations,
      perClient: new RateLimiter(opts.perClientLimit ?? DEFAULT_PER_CLIENT_LIMIT),
    });
    registerEntryPoints(this.app, this.directory);
    this.whatsappSender = new WhatsAppSender({
      apiUrl: opts.whatsappApiUrl ?? DEFAULT_WHATSAPP_API_URL,
      clock: timers, // retry waits decide nothing about the lifecycle: real time
      logger: opts.logger,
      onResult: (code, final) => this.metrics.sendErrors.inc({ code, final: String(final) }),
      ...(opts.whatsappRetry ? { retry: opts.whatsappRetry } : {}),
    });
    this.whatsapp = new WhatsAppChannel({
      ...deps,
      conversations: this.conversations,
      sender: this.whatsappSender,
      maxAgeMs: opts.whatsappMaxAgeMs ?? 24 * 3600_000,
      keys,
    });
    this.whatsapp.register(this.app);
  }

  /** The port the channels listen on (after start). */
  get port(): number {
    const addr = this.app.server.address();
    return typeof addr === 'object' && addr ? addr.port : (this.opts.port ?? 0);
  }

  get healthPort(): number | undefined {
    return this.health?.port;
  }

  async start(): Promise<void> {
    const { opts } = this;
    if (opts.healthPort !== undefined) {
      this.health = await startHealthServer({
        host: opts.healthHost ?? '127.0.0.1',
        port: opts.healthPort,
        registry: this.metrics.registry,
        readyz: {
          informers: () => this.directory.synced() || 'caches have not synced yet',
          channels: () => this.listening || 'the channels are not listening',
          sessionStore: () => this.storeUp || `the ${opts.store.kind} session store does not answer`,
        },
      });
    }
    await this.directory.start();
    await this.app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 8080 });
    this.listening = true;
    this.watchStore();
    this.housekeeping.start();
    opts.logger.info({ port: this.port, healthPort: this.healthPort }, 'runtime serving');
  }

  private stopping: Promise<void> | undefined;
  private storeUp = true;
  private storeTimer: Timer | undefined;

  /** /readyz follows the session store: pinged every 5 s (a replica without Redis takes no traffic). */
  private watchStore() {
    const timers = this.opts.timers ?? new RealClock();
    const check = () => {
      this.storeTimer = timers.setTimer(() => {
        this.opts.store.ping().then(
          () => {
            this.storeUp = true;
          },
          (err: unknown) => {
            if (this.storeUp) this.opts.logger.error({ err: String(err) }, 'session store does not answer');
            this.storeUp = false;
          },
        );
        check();
      }, 5000);
    };
    check();
  }

  /** Stops taking messages, finishes those in flight, stops watching, closes the store. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.listening = false;
    this.storeTimer?.cancel();
    await this.app.close();
    await this.whatsapp.idle();
    await this.whatsappSender.close();
    await this.housekeeping.stop();
    await this.directory.stop();
    await this.workers.close();
    await this.opts.store.close();
    await this.health?.close();
  }
}
