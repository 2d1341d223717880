// The WhatsApp Cloud API channel, inbound: Meta's verification handshake (GET) and its webhook
// (POST), signed with an app secret over the raw body. The signature is checked first, against the
// distinct app secrets of the WhatsApp Senders that may use their address, before anything is
// parsed: an unsigned or wrongly signed body is a 401 and nothing else. A signed webhook is
// acknowledged (200) whatever it carries, every field and item counted by type
// (chatbot_runtime_whatsapp_webhook_items_total); only a user's own messages reach the dialog engine
// (core/routing/whatsapp-webhook.ts says which), deduplicated on their wamid per Meta app (Meta
// retries for up to 7 days), too old ones not answered, one end user's messages in order. A bot
// answers only through its own Sender, when that Sender verified the webhook, with that Sender's
// credentials; the replies go out through WhatsAppSender (whatsapp-send.ts).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Sender } from '../../api/schema.ts';
import { senderLeaseName } from '../../core/claims/claim.ts';
import { readWebhook, type WebhookChange, type WebhookMessage } from '../../core/routing/whatsapp-webhook.ts';
import type { Clock } from '../../kube/clock.ts';
import { objectKey } from '../../kube/keys.ts';
import { fingerprint } from '../../telemetry/redact.ts';
import type { Conversations } from '../conversation.ts';
import type { Directory } from '../directory.ts';
import type { RuntimeKeys } from '../keys.ts';
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
  keys: RuntimeKeys;
}

/** A WhatsApp Sender that may use its address, with its Secret's data. */
interface Verifier {
  sender: Sender;
  creds: Record<string, string>;
}

/** The business number a change is for, as the Senders that verified the webhook declare it. */
interface Target {
  address: string;
  leaseName: string;
  /** The Senders of the number that verified the webhook, by namespace/name. */
  verified: Map<string, Sender>;
  creds: Map<string, Record<string, string>>;
  /** Which Senders verified this copy (Meta delivers one copy per subscribed app). */
  via: string;
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
        const signature = req.headers['x-hub-signature-256'];
        const header = Array.isArray(signature) ? signature[0] : signature;
        // The signature first, against the distinct app secrets of the WhatsApp Senders: nothing of
        // an unsigned body is parsed or resolved.
        const verifiers = await this.verifiersOf(raw, header);
        if (verifiers.length === 0) {
          this.deps.metrics.webhooksRejected.inc({ reason: 'signature' });
          return reply.code(401).send({ error: 'missing or invalid X-Hub-Signature-256' });
        }
        let payload: unknown;
        try {
          payload = JSON.parse(raw.toString('utf8'));
        } catch {
          return reply.code(400).send({ error: 'the body is not JSON' });
        }
        const changes = readWebhook(payload);
        if (!changes) {
          // Signed by our app, but another product's object (a Page, Instagram): nothing for us.
          this.deps.metrics.webhookItems.inc({ field: 'object', type: 'other' });
          return reply.code(200).send({ ok: true });
        }
        const numbers = new Set(changes.map((c) => c.phoneNumberId ?? c.displayPhoneNumber ?? ''));
        if (numbers.size > MAX_NUMBERS_PER_BATCH) {
          this.deps.metrics.webhooksRejected.inc({ reason: 'tooManyNumbers' });
          return reply
            .code(400)
            .send({ error: `a batch for more than ${MAX_NUMBERS_PER_BATCH} business numbers` });
        }
        this.track(this.accept(changes, verifiers));
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

  /** The WhatsApp Senders that may use their address, with their credentials (unreadable ones left out). */
  private async credentialed(): Promise<Verifier[]> {
    const out: Verifier[] = [];
    for (const sender of this.deps.directory.acceptedSendersOf('WhatsApp')) {
      const creds = await this.deps.directory.credentials(sender).catch(() => undefined);
      if (creds) out.push({ sender, creds });
    }
    return out;
  }

  private async knowsVerifyToken(token: string): Promise<boolean> {
    return (await this.credentialed()).some(
      (v) => v.creds.verifyToken && safeEqual(token, v.creds.verifyToken),
    );
  }

  /** The Senders whose app secret signed these bytes (one HMAC per distinct secret). */
  private async verifiersOf(raw: Buffer, header: string | undefined): Promise<Verifier[]> {
    if (!header) return [];
    const all = await this.credentialed();
    const bySecret = new Map<string, Verifier[]>();
    for (const v of all) {
      const secret = v.creds.appSecret;
      if (!secret) continue;
      bySecret.set(secret, [...(bySecret.get(secret) ?? []), v]);
    }
    return [...bySecret].filter(([secret]) => validSignature(raw, header, secret)).flatMap(([, vs]) => vs);
  }

  /**
   * The Senders a change is for, among those that verified the webhook: the ones whose Secret has
   * the change's phone_number_id (else, without one, whose address is the display number).
   */
  private addressed(change: WebhookChange, verifiers: readonly Verifier[]): Target | undefined {
    const digits = change.displayPhoneNumber?.replace(/\D/g, '');
    const mine = verifiers.filter((v) =>
      change.phoneNumberId
        ? v.creds.phoneNumberId === change.phoneNumberId
        : digits !== undefined && v.sender.spec.address.replace(/\D/g, '') === digits,
    );
    const first = mine[0];
    if (!first) return undefined;
    // One number, one address: the Senders of the first one's address (the others are misconfigured).
    const leaseName = senderLeaseName(first.sender);
    const same = mine.filter((v) => senderLeaseName(v.sender) === leaseName);
    return {
      address: first.sender.spec.address,
      leaseName,
      verified: new Map(same.map((v) => [objectKey(v.sender), v.sender])),
      creds: new Map(same.map((v) => [objectKey(v.sender), v.creds])),
      // Which Meta app's copy this is: a message another app also delivers is handled once per app.
      via: same
        .map((v) => objectKey(v.sender))
        .sort()
        .join(','),
    };
  }

  private async accept(changes: WebhookChange[], verifiers: readonly Verifier[]): Promise<void> {
    const { metrics } = this.deps;
    const tasks: Promise<void>[] = [];
    for (const change of changes) {
      const field = change.field || 'unknown';
      for (const st of change.statusTypes) metrics.webhookItems.inc({ field, type: `status.${st}` });
      for (const code of change.errors) {
        metrics.webhookItems.inc({ field, type: 'error' });
        metrics.sendErrors.inc({ code: String(code), final: 'true' });
      }
      if (change.messages.length + change.statusTypes.length + change.errors.length === 0) {
        metrics.webhookItems.inc({ field, type: 'notification' });
      }
      const target = change.messages.some((m) => m.speaks) ? this.addressed(change, verifiers) : undefined;
      for (const m of change.messages) {
        metrics.webhookItems.inc({ field, type: m.label });
        if (!m.speaks) continue;
        if (!target) {
          metrics.dropped.inc({ channel: 'whatsapp', reason: 'UnknownSender' });
          continue;
        }
        // One end user's messages run one after another, in the order they came.
        tasks.push(this.order.run(`${target.address}\u0000${m.user}`, () => this.handle(target, m)));
      }
    }
    await Promise.allSettled(tasks);
  }

  private async handle(target: Target, m: WebhookMessage): Promise<void> {
    const { store, conversations, clock, metrics, logger, sender, maxAgeMs, keys } = this.deps;
    const log = { channel: 'whatsapp', message: fingerprint(m.id), user: fingerprint(m.user), type: m.type };
    try {
      if (!(await store.markSeen(keys.seenKey('whatsapp', m.id, target.via), maxAgeMs + SEEN_MARGIN_MS))) {
        metrics.dropped.inc({ channel: 'whatsapp', reason: 'Duplicate' });
        logger.debug(log, 'message seen before: not answered again');
        return;
      }
      if (m.timestamp > 0 && clock.now().getTime() - m.timestamp * 1000 > maxAgeMs) {
        metrics.dropped.inc({ channel: 'whatsapp', reason: 'TooOld' });
        logger.info(log, 'message too old: not answered');
        return;
      }
      if (!m.message) return;
      const out = await conversations.handle({
        channel: 'WhatsApp',
        address: target.address,
        verified: target.verified,
        leaseName: target.leaseName,
        user: m.user,
        message: m.message,
        ...(m.name ? { attributes: { name: m.name } } : {}),
      });
      if (out.replies.length === 0 || !out.sender) return;
      // The answering bot's own Sender verified the message: its credentials, and no other's.
      const creds = target.creds.get(objectKey(out.sender));
      const { phoneNumberId, accessToken } = creds ?? {};
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
