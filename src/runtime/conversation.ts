// One inbound message, end to end (docs/architecture.md, "One inbound message"): the pure
// routing decision → the pure dialog step → the session stored, replies returned. The session
// store serializes the messages of one end user (also across replicas with Redis), so they are
// processed in order and never concurrently.
import type { Logger } from 'pino';
import type { Sender } from '../api/schema.ts';
import { type Inbound, type Reply, type StepOutput, step } from '../core/dialog/engine.ts';
import { type Pin, route } from '../core/routing/route.ts';
import type { Clock } from '../kube/clock.ts';
import { splitKey } from '../kube/keys.ts';
import { fingerprint } from '../telemetry/redact.ts';
import { safeEqual } from './channels/auth.ts';
import type { Directory } from './directory.ts';
import type { RuntimeKeys } from './keys.ts';
import type { RuntimeMetrics } from './metrics.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { Session, SessionStore } from './sessions/store.ts';

export interface InboundMessage {
  /** The channel as the API names it (WhatsApp, Http, ...). */
  channel: Sender['spec']['channel'];
  /** The sender's address (its phone number, or the Http sender's id). */
  address: string;
  /**
   * The Senders of the address that verified this message (WhatsApp signature, Http token), by
   * namespace/name, accepted for the address: a bot answers only through its own Sender among them.
   */
  verified: ReadonlyMap<string, Sender>;
  /** The sender's Lease (senderLeaseName), which the channel already knows. */
  leaseName: string;
  /** The end user's id on the channel. */
  user: string;
  message: Inbound;
  /** Attributes for a new session (e.g. the WhatsApp profile name as `name`). */
  attributes?: Record<string, string>;
  /**
   * Set when the caller proves it is this end user only with a conversation token (an Http caller
   * on an open Sender): an open conversation continues only with the token the last reply carried
   * (bound to the address, the end user and the session); otherwise it is left exactly as it was.
   * Unset: the channel verified the end user (WhatsApp's signature, a trusted backend's token).
   */
  continuation?: { token: string | undefined };
}

export interface Outcome {
  replies: Reply[];
  /** namespace/name of the chatbot that answered, if any. */
  chatbot?: string;
  revision?: string;
  sessionClosed: boolean;
  /** The Sender the answering bot replies through (its own, which verified the message). */
  sender?: Sender;
  /**
   * Why nothing was answered, when nothing was; `Unauthorized`: an open conversation the caller
   * may not continue (see InboundMessage.continuation).
   */
  dropped?: string;
  /** Refused by the per-end-user rate limit: milliseconds until the next message is taken. */
  retryAfterMs?: number;
  /** With `continuation`: the token that continues the conversation, while it is open. */
  conversationToken?: string;
}

export interface ConversationDeps {
  directory: Directory;
  store: SessionStore;
  clock: Clock;
  metrics: RuntimeMetrics;
  logger: Logger;
  keys: RuntimeKeys;
  /** Messages per end user (per channel and address): the others are not slowed. */
  perUser: RateLimiter;
}

/** A session's lifetime in the store: sessionTimeout, or (0s: never idles out) a year. */
const storeLifetime = (timeoutMs: number) => (timeoutMs > 0 ? timeoutMs : 365 * 24 * 3600_000);

export class Conversations {
  constructor(private readonly deps: ConversationDeps) {}

  async handle(msg: InboundMessage): Promise<Outcome> {
    const { directory, store, clock, metrics } = this.deps;
    const started = performance.now();
    const channel = msg.channel.toLowerCase();
    metrics.messagesIn.inc({ channel });
    const key = this.deps.keys.conversationKey(msg.channel, msg.address, msg.user);
    const wait = this.deps.perUser.take(key);
    if (wait > 0) {
      const limited: Outcome = {
        replies: [],
        sessionClosed: false,
        dropped: 'RateLimited',
        retryAfterMs: wait,
      };
      this.account(msg, key, limited);
      return limited;
    }
    const { leaseName } = msg;
    const out = await store.withConversation(key, async (current) => {
      const now = clock.now();
      const token = (session: Session) =>
        this.deps.keys.conversationToken(msg.address, msg.user, String(session.openedAt));
      if (current && msg.continuation && !safeEqual(msg.continuation.token ?? '', token(current))) {
        // Not this caller's conversation to continue: nothing changes, nothing is told.
        return {
          next: current,
          result: { replies: [], sessionClosed: false, dropped: 'Unauthorized' } as Outcome,
        };
      }
      const holder = directory.holderOf(leaseName);
      const decision = route({
        verified: msg.verified,
        ...(holder ? { holder } : {}),
        chatbot: (k) => directory.chatbot(k),
        ...(current ? { session: { chatbot: current.chatbot, revision: current.revision } } : {}),
        user: msg.user,
        now,
      });
      if ('replaces' in decision && decision.replaces) metrics.sessionsClosed.inc({ reason: 'revisionGone' });
      if (decision.kind === 'drop') {
        return {
          next: null,
          result: { replies: [], sessionClosed: current !== undefined, dropped: decision.reason } as Outcome,
        };
      }
      const stepped = await this.step(
        decision.pin,
        decision.sender,
        decision.kind === 'continue' ? current : undefined,
        msg,
        now.getTime(),
      );
      if (msg.continuation && stepped.next) stepped.result.conversationToken = token(stepped.next);
      return stepped;
    });
    this.account(msg, key, out);
    metrics.replyLatency.observe({ channel }, (performance.now() - started) / 1000);
    return out;
  }

  private async step(
    pin: Pin,
    sender: Sender,
    current: Session | undefined,
    msg: InboundMessage,
    now: number,
  ): Promise<{ next: Session | null; result: Outcome }> {
    const { namespace } = splitKey(pin.chatbot);
    const served = await this.deps.directory.revision(namespace, pin.revision);
    if (!served) {
      return {
        next: null,
        result: { replies: [], sessionClosed: current !== undefined, dropped: 'RevisionNotFound' },
      };
    }
    const out: StepOutput = step({
      bot: served.bot,
      state: current?.state as never,
      message: msg.message,
      now,
      sessionTimeoutMs: served.sessionTimeoutMs,
      ...(msg.attributes ? { attributes: msg.attributes } : {}),
    });
    const next: Session | null = out.state
      ? {
          chatbot: pin.chatbot,
          revision: pin.revision,
          state: out.state,
          openedAt: current && !out.started ? current.openedAt : now,
          lastActivityAt: now,
          expiresAt: now + storeLifetime(served.sessionTimeoutMs),
        }
      : null;
    if (out.handedOff && !(current?.state as { handedOff?: boolean } | undefined)?.handedOff) {
      this.deps.metrics.handoffs.inc();
    }
    if (out.closed) this.deps.metrics.sessionsClosed.inc({ reason: 'closeSession' });
    return {
      next,
      result: {
        replies: out.replies,
        chatbot: pin.chatbot,
        revision: pin.revision,
        sender,
        sessionClosed: out.closed,
        ...(out.replies.length === 0 && out.handedOff ? { dropped: 'HandedOff' } : {}),
      },
    };
  }

  /** Metrics and one log line, without the text or the end user's id in clear. */
  private account(msg: InboundMessage, key: string, out: Outcome): void {
    const channel = msg.channel.toLowerCase();
    if (out.dropped) this.deps.metrics.dropped.inc({ channel, reason: out.dropped });
    if (out.replies.length > 0) this.deps.metrics.messagesOut.inc({ channel }, out.replies.length);
    const level = out.dropped ? 'info' : 'debug';
    if (!this.deps.logger.isLevelEnabled(level)) return;
    const log = {
      channel,
      conversation: fingerprint(key),
      chatbot: out.chatbot,
      revision: out.revision,
      replies: out.replies.length,
      sessionClosed: out.sessionClosed,
      ...(out.dropped ? { dropped: out.dropped } : {}),
    };
    if (out.dropped) this.deps.logger.info(log, 'message not answered');
    else this.deps.logger.debug(log, 'message answered');
  }
}
