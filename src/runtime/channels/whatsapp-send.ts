// Sends the dialog engine's replies to WhatsApp end users through the Cloud API
// (`POST {apiUrl}/{phoneNumberId}/messages`, Bearer token), with Meta's retry rules:
// - handling is decided by Meta's `error.code`, not the HTTP status (Meta: build on code and
//   details); without a parsable code, 5xx counts as `http_5xx` (transient) and 429 as `http_429`
//   (throughput);
// - 130429 (throughput), 4 and 80007 (app/WABA rate limits), 131057 (maintenance, ~1 min):
//   the "throughput" schedule; the wait also holds every other end user of the same business
//   number (the limit is per number), so they do not hammer it meanwhile;
// - 131056 (pair rate limit): the "pair" schedule, 4^X seconds as Meta suggests, for that end user
//   only: the others are not delayed;
// - 131000, 131016, 133004, 1, 2, 5xx, network errors and timeouts: the "transient" schedule
//   (3 retries). A timed-out request may have been accepted: a retry can then duplicate it;
// - anything else (131047 closed 24-hour window, 131026, 100, 190...): final at once.
// Replies of one end user (per business number) go out one message after the other; different end
// users proceed in parallel. A reply that fails for good ends that reply (its remaining messages
// are not sent) and the queue moves on to the next reply. All waits are on the injected Clock.
// Logs carry a fingerprint of the end user and the number id, never text, token or number.
import { Agent, type Dispatcher, request } from 'undici';
import type { Reply } from '../../core/dialog/types.ts';
import type { Clock, Timer } from '../../kube/clock.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { fingerprint } from '../../telemetry/redact.ts';
import { KeyedQueue } from '../sessions/keyed-queue.ts';
import { type FormatOptions, type GraphMessage, recipientOf, toGraphMessages } from './whatsapp-format.ts';

/** Who sends to whom: the business number's id and token (from its Secret), the end user's id. */
export interface WhatsAppTarget {
  phoneNumberId: string;
  accessToken: string;
  /** The end user: wa_id digits (or a phone number) or a business-scoped user id. */
  to: string;
}

/** What became of one reply. */
export interface SendOutcome {
  /** Every message of the reply was accepted by Meta (true also when there was nothing to send). */
  ok: boolean;
  /**
   * 'ok'; 'empty' (nothing to send); else the final failure: Meta's error code ('131047'),
   * 'http_<status>', 'network', 'timeout', 'invalid_recipient' or 'closed' (sender closed).
   */
  code: string;
  /** HTTP requests made for this reply, retries included. */
  attempts: number;
  /** The wamids of the accepted messages, in order. */
  messageIds: string[];
}

/**
 * The most Graph API messages the replies to one inbound message become (the engine gives at most
 * 10 replies; a buttons reply may take a few messages): the rest is not sent, counted as
 * `over_message_limit`.
 */
export const MAX_MESSAGES_PER_SEND = 20;

export type RetryClass = 'throughput' | 'pair' | 'transient';

/** Milliseconds to wait before each retry; the length is the number of retries. */
export type RetrySchedules = Record<RetryClass, readonly number[]>;

export const DEFAULT_RETRY_SCHEDULES: RetrySchedules = {
  // ~63 s in all: covers a maintenance window (131057, about a minute).
  throughput: [1_000, 2_000, 4_000, 8_000, 16_000, 32_000],
  // Meta: 4^X seconds, X = 0, 1, 2, ...; capped at 4 retries (85 s): a bot answer later than that
  // is stale.
  pair: [1_000, 4_000, 16_000, 64_000],
  transient: [1_000, 2_000, 4_000],
};

const CLASSES: Record<string, RetryClass> = {
  '130429': 'throughput',
  '4': 'throughput',
  '80007': 'throughput',
  '131057': 'throughput',
  http_429: 'throughput',
  '131056': 'pair',
  '131000': 'transient',
  '131016': 'transient',
  '133004': 'transient',
  '1': 'transient',
  '2': 'transient',
  network: 'transient',
  timeout: 'transient',
};

/** How a result code is retried; undefined: not at all. */
export function retryClassOf(code: string): RetryClass | undefined {
  return CLASSES[code] ?? (/^http_5\d\d$/.test(code) ? 'transient' : undefined);
}

export interface WhatsAppSenderOptions {
  /** The Graph API base including its version, e.g. https://graph.facebook.com/v23.0. */
  apiUrl: string;
  clock: Clock;
  logger: Logger;
  /**
   * Called after every HTTP attempt: code 'ok' or the failure's code (see SendOutcome.code), and
   * whether it is final (no retry follows). Also for 'invalid_recipient' and 'closed' (final).
   */
  onResult?: (code: string, final: boolean) => void;
  /** Retry waits per class (ms); each given class replaces the default. */
  retry?: Partial<RetrySchedules>;
  format?: FormatOptions;
  /** undici dispatcher; default: an own keep-alive Agent, closed by close(). */
  dispatcher?: Dispatcher;
  /** Headers and body timeout of one request (ms, real time). Default 15 s. */
  requestTimeoutMs?: number;
}

interface Attempt {
  code: string;
  status?: number;
  messageId?: string;
  fbtraceId?: string;
}

interface Sleep {
  timer: Timer;
  wake: (slept: boolean) => void;
}

export class WhatsAppSender {
  private readonly apiUrl: string;
  private readonly schedules: RetrySchedules;
  private readonly dispatcher: Dispatcher;
  private readonly ownDispatcher: boolean;
  private readonly timeout: number;
  private readonly queue = new KeyedQueue();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly sleeps = new Set<Sleep>();
  /** Business number id -> clock ms before which no request goes out (after a throughput error). */
  private readonly holds = new Map<string, number>();
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: WhatsAppSenderOptions) {
    this.apiUrl = opts.apiUrl.replace(/\/+$/, '');
    this.schedules = { ...DEFAULT_RETRY_SCHEDULES, ...opts.retry };
    this.ownDispatcher = !opts.dispatcher;
    this.dispatcher = opts.dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connections: 64 });
    this.timeout = opts.requestTimeoutMs ?? 15_000;
  }

  /**
   * Queues the replies for the end user and resolves with one outcome per reply once they are
   * sent or failed for good. Never rejects: callers may fire and forget (`void sender.send(...)`).
   */
  send(target: WhatsAppTarget, replies: readonly Reply[]): Promise<SendOutcome[]> {
    const key = `${target.phoneNumberId}\u0000${userKey(target.to)}`;
    const run = this.queue
      .run(key, () => this.deliver(target, replies))
      .catch((err: unknown) => {
        this.opts.logger.error(
          { channel: 'whatsapp', recipient: fingerprint(target.to), err: String(err) },
          'whatsapp sender failed',
        );
        return replies.map(() => ({ ok: false, code: 'internal', attempts: 0, messageIds: [] }));
      });
    this.inflight.add(run);
    void run.finally(() => this.inflight.delete(run));
    return run;
  }

  /** Resolves once every queued reply is sent or failed for good (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Queued or running send() calls. */
  get pending(): number {
    return this.inflight.size;
  }

  /**
   * Stops: pending retries end at once as 'closed' (messages not yet tried too), running requests
   * finish, then the own connection pool closes. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      for (const s of this.sleeps) {
        s.timer.cancel();
        s.wake(false);
      }
      this.sleeps.clear();
      await this.idle();
      if (this.ownDispatcher) await this.dispatcher.close();
    })();
    return this.closing;
  }

  private async deliver(target: WhatsAppTarget, replies: readonly Reply[]): Promise<SendOutcome[]> {
    const outcomes: SendOutcome[] = [];
    let budget = MAX_MESSAGES_PER_SEND;
    let capped = false;
    for (const reply of replies) {
      let messages: GraphMessage[];
      try {
        messages = toGraphMessages(reply, target.to, this.opts.format);
      } catch {
        this.result(target, { code: 'invalid_recipient' }, true, 0);
        outcomes.push({ ok: false, code: 'invalid_recipient', attempts: 0, messageIds: [] });
        continue;
      }
      if (messages.length > budget) {
        // One inbound message never makes more than MAX_MESSAGES_PER_SEND Graph API messages.
        if (!capped) this.result(target, { code: 'over_message_limit' }, true, 0);
        capped = true;
        messages = messages.slice(0, budget);
      }
      budget -= messages.length;
      const outcome: SendOutcome = {
        ok: true,
        code: messages.length ? 'ok' : 'empty',
        attempts: 0,
        messageIds: [],
      };
      for (const message of messages) {
        const r = await this.deliverOne(target, message);
        outcome.attempts += r.attempts;
        if (r.code !== 'ok') {
          outcome.ok = false;
          outcome.code = r.code;
          break;
        }
        if (r.messageId) outcome.messageIds.push(r.messageId);
      }
      outcomes.push(outcome);
    }
    return outcomes;
  }

  /** One message, with retries; ends with 'ok' or the final failure. */
  private async deliverOne(
    target: WhatsAppTarget,
    message: GraphMessage,
  ): Promise<{ code: string; attempts: number; messageId?: string }> {
    const used: Record<RetryClass, number> = { throughput: 0, pair: 0, transient: 0 };
    for (let attempts = 1; ; attempts++) {
      if (!(await this.waitForHold(target.phoneNumberId)) || this.closed) {
        this.result(target, { code: 'closed' }, true, attempts - 1);
        return { code: 'closed', attempts: attempts - 1 };
      }
      const a = await this.post(target, message);
      if (a.code === 'ok') {
        this.result(target, a, true, attempts);
        return { code: 'ok', attempts, ...(a.messageId ? { messageId: a.messageId } : {}) };
      }
      const cls = retryClassOf(a.code);
      const delay = cls ? this.schedules[cls][used[cls]] : undefined;
      if (cls === undefined || delay === undefined || this.closed) {
        this.result(target, a, true, attempts);
        return { code: a.code, attempts };
      }
      used[cls] += 1;
      this.result(target, a, false, attempts, delay);
      if (cls === 'throughput') {
        const until = this.opts.clock.now().getTime() + delay;
        this.holds.set(target.phoneNumberId, Math.max(this.holds.get(target.phoneNumberId) ?? 0, until));
      }
      if (!(await this.sleep(delay))) {
        this.result(target, { code: 'closed' }, true, attempts);
        return { code: 'closed', attempts };
      }
    }
  }

  /** Waits out a throughput hold on the business number; false when the sender closed meanwhile. */
  private async waitForHold(phoneNumberId: string): Promise<boolean> {
    for (;;) {
      const until = this.holds.get(phoneNumberId);
      const left = until === undefined ? 0 : until - this.opts.clock.now().getTime();
      if (left <= 0) {
        if (until !== undefined) this.holds.delete(phoneNumberId);
        return true;
      }
      if (!(await this.sleep(left))) return false;
    }
  }

  /** Waits ms on the clock; false when close() cut it short. */
  private sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const s: Sleep = {
        wake: resolve,
        timer: this.opts.clock.setTimer(() => {
          this.sleeps.delete(s);
          resolve(true);
        }, ms),
      };
      this.sleeps.add(s);
    });
  }

  private async post(target: WhatsAppTarget, message: GraphMessage): Promise<Attempt> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.apiUrl}/${encodeURIComponent(target.phoneNumberId)}/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${target.accessToken}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(message),
        dispatcher: this.dispatcher,
        headersTimeout: this.timeout,
        bodyTimeout: this.timeout,
      });
    } catch (err) {
      return { code: isTimeout(err) ? 'timeout' : 'network' };
    }
    const status = res.statusCode;
    let json: unknown;
    try {
      json = JSON.parse(await res.body.text());
    } catch (err) {
      if (isTimeout(err)) return { code: 'timeout', status };
      json = undefined;
    }
    if (status >= 200 && status < 300) {
      const id = (json as { messages?: { id?: unknown }[] } | undefined)?.messages?.[0]?.id;
      return { code: 'ok', status, ...(typeof id === 'string' ? { messageId: id } : {}) };
    }
    const error = (json as { error?: { code?: unknown; fbtrace_id?: unknown } } | undefined)?.error;
    const code = error?.code;
    const fbtraceId = typeof error?.fbtrace_id === 'string' ? error.fbtrace_id : undefined;
    return {
      code:
        typeof code === 'number' || (typeof code === 'string' && code !== '')
          ? String(code)
          : `http_${status}`,
      status,
      ...(fbtraceId ? { fbtraceId } : {}),
    };
  }

  /** Counts and logs one result, without text, token or number. */
  private result(
    target: WhatsAppTarget,
    a: Attempt,
    final: boolean,
    attempts: number,
    retryInMs?: number,
  ): void {
    this.opts.onResult?.(a.code, final);
    const log = {
      channel: 'whatsapp',
      sender: fingerprint(target.phoneNumberId),
      recipient: fingerprint(target.to),
      code: a.code,
      attempts,
      ...(a.status !== undefined ? { status: a.status } : {}),
      ...(a.fbtraceId ? { fbtraceId: a.fbtraceId } : {}),
      ...(retryInMs !== undefined ? { retryInMs } : {}),
    };
    if (a.code === 'ok') this.opts.logger.debug(log, 'whatsapp message sent');
    else if (!final) this.opts.logger.info(log, 'whatsapp send failed; retrying');
    else this.opts.logger.warn(log, 'whatsapp send failed');
  }
}

function isTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('UND_ERR_') && code.includes('TIMEOUT');
}

/** One queue per end user whatever the notation of the number (+1 650…, 1650…). */
function userKey(to: string): string {
  try {
    const r = recipientOf(to);
    return 'to' in r ? r.to : r.recipient;
  } catch {
    return to;
  }
}
