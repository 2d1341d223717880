// Routing of one inbound message (docs/architecture.md, "One inbound message"): which chatbot
// and revision answer this end user, as a pure function of what the runtime's caches show.
//
// 1. An open session pinned to (chatbot, revision) keeps talking to it while that revision
//    serves (the bot is Active on it), or drains with `until` in the future.
// 2. Otherwise a new session starts on the Active chatbot that holds the sender's Lease, on its
//    serving revision (`status.revision`).
// 3. Otherwise no reply (the runtime counts it and logs it without the message text).
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
  sender: Sender;
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

export type DropReason = 'NoActiveChatbot' | 'NotVerifiedNumber';

export type Route =
  /** Rule 1: the open session goes on. */
  | { kind: 'continue'; pin: Pin }
  /** Rule 2: a new session on the holder; `replaces` is the session that no longer serves. */
  | { kind: 'start'; pin: Pin; replaces?: Pin }
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

export function route(input: RouteInput): Route {
  const { sender, session, now } = input;
  if (!mayTalk(sender, input.user)) return { kind: 'drop', reason: 'NotVerifiedNumber' };
  if (session && revisionServes(input.chatbot(session.chatbot), session.revision, now)) {
    return { kind: 'continue', pin: session };
  }
  const replaces = session ? { replaces: session } : {};
  const holder = input.holder ? input.chatbot(input.holder) : undefined;
  const revision = holder?.status?.revision;
  if (holder && holder.status?.state === 'Active' && revision) {
    return { kind: 'start', pin: { chatbot: input.holder!, revision }, ...replaces };
  }
  return { kind: 'drop', reason: 'NoActiveChatbot', ...replaces };
}
