// The runtime's periodic work on sessions: close the sessions of revisions that no longer
// serve (a drain's deadline, an Immediate takeover, a deactivation without grace, a deleted
// bot), and report the counts in Chatbot.status.sessions by server-side apply (field manager
// chatbot-runtime), at most once per bot per interval. With Redis the counts come from the
// shared store, so every replica reports the same numbers.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { FIELD_MANAGER, GROUP, PLURAL, VERSION } from '../api/names.ts';
import type { Chatbot } from '../api/schema.ts';
import { nextDrainDeadline, revisionEnded, revisionServes } from '../core/routing/route.ts';
import { reportDue, sessionsStatus } from '../core/routing/sessions.ts';
import type { Clients } from '../kube/clients.ts';
import type { Clock, Timer } from '../kube/clock.ts';
import { httpStatus } from '../kube/errors.ts';
import { objectKey, splitKey } from '../kube/keys.ts';
import type { Directory } from './directory.ts';
import type { RuntimeMetrics } from './metrics.ts';
import type { SessionStore } from './sessions/store.ts';

export interface HousekeepingOptions {
  directory: Directory;
  store: SessionStore;
  clients: Clients;
  /** Decisions (deadlines) on this clock. */
  clock: Clock;
  /** The report interval runs in real time. */
  timers: Clock;
  intervalMs: number;
  metrics: RuntimeMetrics;
  logger: Logger;
}

export class Housekeeping {
  private interval: Timer | undefined;
  private deadline: { at: number; timer: Timer } | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Real time (performance.now) of each bot's last status write. */
  private readonly lastWrite = new Map<string, number>();

  constructor(private readonly opts: HousekeepingOptions) {
    // A bot's status changed (takeover, drain, deactivation): look at once, and arm its deadline.
    opts.directory.onChatbot({
      update: (bot) => this.botChanged(bot),
      add: (bot) => this.botChanged(bot),
      delete: () => this.kick(),
    });
  }

  start(): void {
    this.stopped = false;
    const loop = () => {
      this.interval = this.opts.timers.setTimer(() => {
        this.kick();
        loop();
      }, this.opts.intervalMs);
    };
    loop();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.interval?.cancel();
    this.deadline?.timer.cancel();
    await this.running;
  }

  /** Runs one pass now (or right after the one in progress). Resolves when that pass is done. */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.pass();
        } catch (err) {
          this.opts.logger.warn(
            { err: String(err) },
            'session housekeeping failed; retrying at the next pass',
          );
        }
      } while (this.again && !this.stopped);
      this.running = undefined;
    })();
    return this.running;
  }

  private botChanged(bot: Chatbot) {
    this.arm(bot, this.opts.clock.now());
    void this.kick();
  }

  /** Arms one timer at the earliest drain deadline seen (a pass re-arms the later ones). */
  private arm(bot: Chatbot, now: Date) {
    const at = nextDrainDeadline(bot, now)?.getTime();
    if (at !== undefined && (!this.deadline || at < this.deadline.at)) {
      this.deadline?.timer.cancel();
      const timer = this.opts.clock.setTimer(() => {
        this.deadline = undefined;
        void this.kick();
      }, at - now.getTime());
      this.deadline = { at, timer };
    }
  }

  private async pass(): Promise<void> {
    const { directory, store, clock, metrics } = this.opts;
    if (!directory.synced()) return; // an empty cache would close every session
    const now = clock.now();
    const counts = await store.counts(now.getTime());
    let total = 0;
    for (const [chatbot, revisions] of counts) {
      const bot = directory.chatbot(chatbot);
      const ns = splitKey(chatbot).namespace;
      for (const [revision, n] of revisions) {
        if (!revisionEnded(bot, revision, now, (name) => directory.revisionNumber(ns, name))) {
          if (revisionServes(bot, revision, now)) total += n;
          continue;
        }
        const closed = await store.closeRevision(chatbot, revision, now.getTime());
        if (closed > 0) {
          metrics.sessionsClosed.inc({ reason: 'drainDeadline' }, closed);
          this.opts.logger.info(
            { chatbot, revision, closed },
            'sessions closed: the revision no longer serves',
          );
        }
        revisions.set(revision, 0);
      }
    }
    metrics.sessionsOpen.set(total);
    const nowReal = performance.now();
    for (const bot of directory.chatbots.list()) {
      const key = objectKey(bot);
      this.arm(bot, now);
      const report = sessionsStatus(bot, counts.get(key) ?? new Map(), now);
      // At most one write per bot per interval: each write comes back as a watch event that
      // starts a pass, and under load the counts have always moved by then.
      const last = this.lastWrite.get(key);
      if (!reportDue(bot, report) || (last !== undefined && nowReal - last < this.opts.intervalMs)) continue;
      this.lastWrite.set(key, nowReal);
      try {
        await this.write(bot, report);
      } catch (err) {
        this.opts.logger.warn(
          { chatbot: key, err: String(err) },
          'status.sessions not written; retrying at the next pass',
        );
      }
    }
    for (const key of this.lastWrite.keys()) if (!directory.chatbot(key)) this.lastWrite.delete(key);
  }

  private async write(bot: Chatbot, sessions: ReturnType<typeof sessionsStatus>): Promise<void> {
    const { namespace, name } = splitKey(objectKey(bot));
    try {
      await this.opts.clients.custom.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace,
          plural: PLURAL.Chatbot,
          name,
          fieldManager: FIELD_MANAGER.runtime,
          force: true,
          body: {
            apiVersion: `${GROUP}/${VERSION}`,
            kind: 'Chatbot',
            metadata: { name, namespace },
            status: { sessions },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
      this.opts.metrics.statusWrites.inc({ result: 'ok' });
    } catch (err) {
      if (httpStatus(err) === 404) return; // deleted meanwhile
      this.opts.metrics.statusWrites.inc({ result: 'error' });
      throw err;
    }
  }
}
