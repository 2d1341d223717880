// The WhatsApp Cloud API channel, inbound: Meta's verification handshake (GET) and its webhook
// (POST), signed with the app secret over the raw body. A verified webhook is acknowledged at
// once (200) and processed after: every message of the batch, deduplicated on its wamid (Meta
// retries for up to 7 days), too old ones not answered, one end user's messages in order; the
// replies go out through WhatsAppSender (whatsapp-send.ts).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Sender } from '../../api/schema.ts';
import { senderLeaseName } from '../../core/claims/claim.ts';
import { readWebhook, type WebhookChange, type WebhookMessage } from '../../core/routing/whatsapp-webhook.ts';
import type { Clock } from '../../kube/clock.ts';
import { fingerprint } from '../../telemetry/redact.ts';
import type { Conversations } from '../conversation.ts';
import type { Directory } from '../directory.ts';
import type { RuntimeMetrics } from '../metrics.ts';
import { KeyedQueue } from '../sessions/keyed-queue.ts';
import type { SessionStore } from '../sessions/store.ts';
import { safeEqual, validSignature } from './auth.ts';
import type { WhatsAppSender } from './whatsapp-send.ts';

/** Meta: payloads up to 3 MB (and up to 1000 updates per batch). */
export const WEBHOOK_BODY_LIMIT = 4 * 1024 * 1024;
/** Business numbers one webhook may address (Meta batches per business account: one or a few). */
const MAX_NUMBERS_PER_BATCH = 20;
/**
 * How long a handled message id is remembered: Meta retries for up to 7 days, but a message
 * older than maxAge is not answered anyway, so ids are kept for maxAge and an hour more.
 */
const SEEN_MARGIN_MS = 3600_000;

export interface WhatsAppChannelDeps {
  directory: Directory;
  conversations: Conversations;
  store: SessionStore;
  sender: WhatsAppSender;
  clock: Clock;
  metrics: RuntimeMetrics;
  logger: Logger;
  /** Messages older than this are not answered (default 24 h: the customer service window). */
  maxAgeMs: number;
}

interface Resolved {
  sender: Sender;
  creds: Record<string, string>;
}

export class WhatsAppChannel {
  private readonly order = new KeyedQueue();
  private readonly work = new Set<Promise<void>>();

  constructor(private readonly deps: WhatsAppChannelDeps) {}

  register(app: FastifyInstance): void {
    app.get<{ Querystring: Record<string, string | undefined> }>('/webhooks/whatsapp', async (req, reply) => {
      const q = req.query;
      const mode = q['hub.mode'] ?? q.hub_mode;
      const token = q['hub.verify_token'] ?? q.hub_verify_token;
      const challenge = q['hub.challenge'] ?? q.hub_challenge ?? '';
      if (mode === 'subscribe' && token && (await this.knowsVerifyToken(token))) {
        return reply.type('text/plain').send(challenge);
      }
      return reply.code(403).type('text/plain').send('verification token does not match any WhatsApp Sender');
    });
    // Its own scope: this route reads the raw bytes (the signature is over them).
    void app.register(async (scope) => {
      scope.addContentTypeParser(
        'application/json',
        { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT },
        (_req, body, done) => done(null, body),
      );
      scope.post('/webhooks/whatsapp', { bodyLimit: WEBHOOK_BODY_LIMIT }, async (req, reply) => {
        const raw = req.body;
        if (!Buffer.isBuffer(raw)) return reply.code(415).send({ error: 'send application/json' });
        let payload: unknown;
        try {
          payload = JSON.parse(raw.toString('utf8'));
        } catch {
          return reply.code(400).send({ error: 'the body is not JSON' });
        }
        const changes = readWebhook(payload);
        if (!changes) return reply.code(400).send({ error: 'not a whatsapp_business_account webhook' });
        const resolved = await this.resolveAll(changes);
        if (!resolved) {
          this.deps.metrics.webhooksRejected.inc({ reason: 'tooManyNumbers' });
          return reply
            .code(400)
            .send({ error: `a batch for more than ${MAX_NUMBERS_PER_BATCH} business numbers` });
        }
        const known = resolved.filter((r): r is Resolved => r !== undefined);
        const signature = req.headers['x-hub-signature-256'];
        const header = Array.isArray(signature) ? signature[0] : signature;
        // Every Sender the batch addresses must vouch for it with its app secret.
        if (known.length === 0 || !known.every((r) => validSignature(raw, header, r.creds.appSecret ?? ''))) {
          this.deps.metrics.webhooksRejected.inc({
            reason: known.length === 0 ? 'unknownSender' : 'signature',
          });
          return reply.code(401).send({ error: 'missing or invalid X-Hub-Signature-256' });
        }
        this.track(this.accept(changes, resolved));
        return reply.code(200).send({ ok: true });
      });
    });
  }

  /** Resolves once every accepted webhook is processed and its replies handed to the sender. */
  async idle(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  private track(p: Promise<void>) {
    this.work.add(p);
    void p.finally(() => this.work.delete(p));
  }

  private async knowsVerifyToken(token: string): Promise<boolean> {
    for (const s of this.deps.directory.allSenders()) {
      if (s.spec.channel !== 'WhatsApp') continue;
      const creds = await this.deps.directory.credentials(s).catch(() => undefined);
      if (creds?.verifyToken && safeEqual(token, creds.verifyToken)) return true;
    }
    return false;
  }

  /**
   * The Sender a change is for: among the Senders declaring the business number (the holder's
   * own first, as the Lease decides), the one whose Secret has the change's phoneNumberId. One
   * number may be declared in several namespaces; only the holder's Sender vouches for it, so a
   * Sender copied into another namespace with its own app secret cannot speak for the number.
   */
  private async resolve(change: WebhookChange): Promise<Resolved | undefined> {
    const { directory } = this.deps;
    const digits = change.displayPhoneNumber?.replace(/\D/g, '');
    // The Senders declaring the display number (the holder's own first); else every WhatsApp
    // Sender, each number's holder's own Sender before the others that declare it.
    const candidates = digits ? directory.sendersFor('WhatsApp', `+${digits}`).senders : [];
    const rest = directory
      .allSenders()
      .filter((s) => s.spec.channel === 'WhatsApp' && !candidates.includes(s))
      .sort((a, b) => Number(!this.isHoldersOwn(a)) - Number(!this.isHoldersOwn(b)));
    for (const sender of [...candidates, ...rest]) {
      const creds = await directory.credentials(sender).catch(() => undefined);
      if (!creds) continue;
      const matches = change.phoneNumberId
        ? creds.phoneNumberId === change.phoneNumberId
        : candidates.includes(sender);
      if (matches) return { sender, creds };
    }
    return undefined;
  }

  /** Whether this Sender is the one the Lease holder of its number names (or the first declaring it). */
  private isHoldersOwn(sender: Sender): boolean {
    return this.deps.directory.sendersFor('WhatsApp', sender.spec.address).senders[0] === sender;
  }

  /** Resolves each distinct business number of a batch once (a batch names one or a few). */
  private async resolveAll(changes: WebhookChange[]): Promise<(Resolved | undefined)[] | undefined> {
    const keyOf = (c: WebhookChange) => `${c.phoneNumberId ?? ''}\u0000${c.displayPhoneNumber ?? ''}`;
    const distinct = [...new Set(changes.map(keyOf))];
    if (distinct.length > MAX_NUMBERS_PER_BATCH) return undefined;
    const byKey = new Map<string, Resolved | undefined>();
    for (const key of distinct) {
      const change = changes.find((c) => keyOf(c) === key)!;
      byKey.set(key, await this.resolve(change));
    }
    return changes.map((c) => byKey.get(keyOf(c)));
  }

  private async accept(changes: WebhookChange[], resolved: (Resolved | undefined)[]): Promise<void> {
    const { metrics } = this.deps;
    const tasks: Promise<void>[] = [];
    for (const [i, change] of changes.entries()) {
      const target = resolved[i];
      metrics.statuses.inc(change.statuses);
      for (const code of change.errors) metrics.sendErrors.inc({ code: String(code), final: 'true' });
      for (const m of change.messages) {
        if (!target) {
          metrics.dropped.inc({ channel: 'whatsapp', reason: 'UnknownSender' });
          continue;
        }
        // One end user's messages run one after another, in the order they came.
        tasks.push(
          this.order.run(`${target.sender.spec.address}\u0000${m.user}`, () => this.handle(target, m)),
        );
      }
    }
    await Promise.allSettled(tasks);
  }

  private async handle(target: Resolved, m: WebhookMessage): Promise<void> {
    const { store, conversations, clock, metrics, logger, sender, maxAgeMs } = this.deps;
    const log = { channel: 'whatsapp', message: fingerprint(m.id), user: fingerprint(m.user), type: m.type };
    try {
      if (!(await store.markSeen(`whatsapp:${m.id}`, maxAgeMs + SEEN_MARGIN_MS))) {
        metrics.dropped.inc({ channel: 'whatsapp', reason: 'Duplicate' });
        logger.debug(log, 'message seen before: not answered again');
        return;
      }
      if (m.timestamp > 0 && clock.now().getTime() - m.timestamp * 1000 > maxAgeMs) {
        metrics.dropped.inc({ channel: 'whatsapp', reason: 'TooOld' });
        logger.info(log, 'message too old: not answered');
        return;
      }
      if (!m.message) {
        metrics.dropped.inc({ channel: 'whatsapp', reason: 'Ignored' });
        return;
      }
      const out = await conversations.handle({
        channel: 'WhatsApp',
        address: target.sender.spec.address,
        sender: target.sender,
        leaseName: senderLeaseName(target.sender),
        user: m.user,
        message: m.message,
        ...(m.name ? { attributes: { name: m.name } } : {}),
      });
      if (out.replies.length === 0) return;
      const { phoneNumberId, accessToken } = target.creds;
      if (!phoneNumberId || !accessToken) {
        metrics.dropped.inc({ channel: 'whatsapp', reason: 'NoCredentials' });
        logger.warn(log, 'the Sender’s Secret lacks phoneNumberId or accessToken: replies not sent');
        return;
      }
      // Fire and forget: a reply that fails for good never blocks the user's next message.
      void sender.send({ phoneNumberId, accessToken, to: m.user }, out.replies);
    } catch (err) {
      logger.error({ ...log, err: String(err) }, 'whatsapp message not processed');
    }
  }
}
