// Routing of one inbound message (docs/architecture.md, "One inbound message"): which chatbot
// and revision answer this end user, as a pure function of what the runtime's caches show.
//
// 1. An open session pinned to (chatbot, revision) keeps talking to it while that revision
//    serves (the bot is Active on it), or drains with `until` in the future.
// 2. Otherwise a new session starts on the Active chatbot that holds the sender's Lease, on its
//    serving revision (`status.revision`).
// 3. Otherwise no reply (the runtime counts it and logs it without the message text).
// A bot answers only through its own Sender, and only when that Sender verified the message (the
// WhatsApp signature with its app secret, the Http token of its Secret) and is accepted for the
// address (core/claims/ownership.ts): nothing is ever answered with another Sender's credentials.
// A test sender's bot answers only its verifiedNumber: anyone else gets no reply.
import type { Chatbot, Sender } from '../../api/schema.ts';
import { e164Digits } from '../lifecycle/entry-points.ts';
import { parseTime } from '../time.ts';

export interface Pin {
  /** namespace/name of the chatbot. */
  chatbot: string;
  revision: string;
}

export interface RouteInput {
  /**
   * The Senders that verified this message (by namespace/name), accepted for the address: a bot
   * answers only when its own Sender is among them.
   */
  verified: ReadonlyMap<string, Sender>;
  /** namespace/name of the Lease's holder, if any. */
  holder?: string;
  /** Looks a chatbot up by namespace/name in the runtime's cache. */
  chatbot(key: string): Chatbot | undefined;
  /** The open (unexpired) session of this end user on this sender, if any. */
  session?: Pin;
  /** The end user's id on the channel (a phone number for WhatsApp). */
  user: string;
  now: Date;
}

export type DropReason = 'NoActiveChatbot' | 'NotVerifiedNumber' | 'SenderNotVerified';

export type Route =
  /** Rule 1: the open session goes on, through its bot's own Sender. */
  | { kind: 'continue'; pin: Pin; sender: Sender }
  /** Rule 2: a new session on the holder; `replaces` is the session that no longer serves. */
  | { kind: 'start'; pin: Pin; sender: Sender; replaces?: Pin }
  /** Rule 3, or a test sender's stranger: no reply. `replaces` as above. */
  | { kind: 'drop'; reason: DropReason; replaces?: Pin };

/** Whether `revision` of the chatbot still takes messages of sessions pinned to it at `now`. */
export function revisionServes(bot: Chatbot | undefined, revision: string, now: Date): boolean {
  if (!bot?.status) return false;
  if (bot.status.state === 'Active' && bot.status.revision === revision) return true;
  return (bot.status.draining ?? []).some(
    (d) => d.revision === revision && (parseTime(d.until)?.getTime() ?? 0) > now.getTime(),
  );
}

/**
 * Whether the sessions on a revision of this bot are over: the bot's status says the revision no
 * longer serves (its drain's deadline passed, or the bot no longer serves its own revision:
 * preempted, deactivated), or the revision is older than the serving one. A revision the status
 * does not name and that is not known to be older (this replica's cache may lag behind a
 * redeploy) is left alone, and so is a bot the cache does not have: routing never continues such
 * a session, and its TTL ends it.
 */
export function revisionEnded(
  bot: Chatbot | undefined,
  revision: string,
  now: Date,
  revisionNumber: (name: string) => number | undefined,
): boolean {
  if (!bot?.status || revisionServes(bot, revision, now)) return false;
  const { status } = bot;
  if (status.draining?.some((d) => d.revision === revision)) return true;
  if (status.revision === revision) return true;
  const n = revisionNumber(revision);
  const serving = status.revision ? revisionNumber(status.revision) : undefined;
  return n !== undefined && serving !== undefined && n < serving;
}

/** The first instant after `now` at which a revision of this bot stops serving (a drain's until). */
export function nextDrainDeadline(bot: Chatbot, now: Date): Date | undefined {
  let next: Date | undefined;
  for (const d of bot.status?.draining ?? []) {
    const until = parseTime(d.until);
    if (until && until > now && (!next || until < next)) next = until;
  }
  return next;
}

/** A test sender answers only its verified number (compared as E.164 digits). */
export function mayTalk(sender: Sender, user: string): boolean {
  if (!sender.spec.test) return true;
  const verified = e164Digits(sender.spec.verifiedNumber ?? '');
  // WhatsApp sends wa_id / from as digits without the plus sign.
  const digits = e164Digits(/^\d+$/.test(user.trim()) ? `+${user.trim()}` : user);
  return verified !== undefined && verified === digits;
}

/** The namespace/name of a chatbot's own Sender (spec.senderRef, in its namespace). */
export function ownSenderKey(bot: Chatbot): string | undefined {
  const name = bot.spec?.senderRef?.name;
  return name ? `${bot.metadata.namespace ?? ''}/${name}` : undefined;
}

/** The bot's own Sender when it verified the message, else undefined. */
function verifiedSenderOf(bot: Chatbot | undefined, verified: RouteInput['verified']): Sender | undefined {
  const key = bot ? ownSenderKey(bot) : undefined;
  return key === undefined ? undefined : verified.get(key);
}

export function route(input: RouteInput): Route {
  const { session, now, verified } = input;
  if (session) {
    const bot = input.chatbot(session.chatbot);
    if (revisionServes(bot, session.revision, now)) {
      const sender = verifiedSenderOf(bot, verified);
      // Its bot's own Sender did not verify this copy of the message (another Meta app's webhook,
      // say): not answered here, and the session stays as it is.
      if (!sender) return { kind: 'drop', reason: 'SenderNotVerified' };
      if (!mayTalk(sender, input.user)) return { kind: 'drop', reason: 'NotVerifiedNumber' };
      return { kind: 'continue', pin: session, sender };
    }
  }
  const replaces = session ? { replaces: session } : {};
  const holder = input.holder ? input.chatbot(input.holder) : undefined;
  const revision = holder?.status?.revision;
  if (holder && holder.status?.state === 'Active' && revision) {
    const sender = verifiedSenderOf(holder, verified);
    if (sender) {
      if (!mayTalk(sender, input.user)) return { kind: 'drop', reason: 'NotVerifiedNumber', ...replaces };
      return { kind: 'start', pin: { chatbot: input.holder!, revision }, sender, ...replaces };
    }
    return { kind: 'drop', reason: 'SenderNotVerified', ...replaces };
  }
  return { kind: 'drop', reason: 'NoActiveChatbot', ...replaces };
}
