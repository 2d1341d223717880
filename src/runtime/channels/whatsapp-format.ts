// The dialog engine's replies as WhatsApp Cloud API message bodies (`POST /{phone-number-id}/messages`),
// for one end user, within Meta's documented limits. Pure: no I/O, no clock.
//
// Decisions (where Meta's docs leave a choice, or the validator should have refused the bot):
// - Lengths are Unicode code points, as the validator counts them (Meta says "characters").
// - A text reply is one text message: over 4096 (the engine already caps its rendered texts there)
//   it is cut and ends with "…". A text that is empty or only whitespace is not sent (Meta refuses
//   an empty body).
// - A buttons message over 1024 is split into parts of at most 1024 (at whitespace when there is
//   whitespace in the second half of the window, else hard, never inside a code point; linear): all
//   but its last part go first as text messages, the last part is the interactive body. An empty message gets `emptyBody` ("…"):
//   Meta requires a body on reply-button and CTA URL messages.
// - Order of one buttons reply: [overflow texts], the reply-buttons message (or lists), then one
//   `cta_url` message per URL button in the order of the items. Each repeats the (last part of the)
//   message as its body, since every interactive message needs one.
// - 1-3 reply buttons: `interactive.type: button`. More than 3 (the validator refuses that on
//   WhatsApp): interactive `list` messages of at most 10 rows each, one section titled with
//   `listButtonLabel`; a list row id is at most 200, so when an id is longer (or empty or
//   repeated) the row falls back to its title as id, which the engine matches as a caption.
// - Titles (reply 20, row 24, display_text 20) longer than allowed are cut and end with "…";
//   titles must be unique: a repeat (case-insensitive) gets " 2", " 3"...; an empty caption
//   becomes its position ("1", "2"...). A reply id over 256, empty or repeated falls back to the title.
// - A URL button whose url is not http(s) cannot be a `cta_url`: it goes as a text "caption: url".
// - Recipient: the wa_id digits (or a phone number in any notation) are sent as `to: "+<digits>"`
//   (Meta: include the + and country code, else it prepends the business number's country code).
//   A business-scoped user id (BSUID, "US.1349…", or a parent BSUID "US.ENT.…") is sent as
//   `recipient` instead of `to` (Meta's `recipient` parameter, as in its calling API examples;
//   UNSURE for messages, S19 was not read directly).
import type { Reply, ReplyButton } from '../../core/dialog/types.ts';

/** Meta's limits used here (code points), from the reference's sources S5, S6, S7, S14. */
export const WA_LIMITS = {
  textBody: 4096,
  interactiveBody: 1024,
  replyButtons: 3,
  replyId: 256,
  replyTitle: 20,
  listRows: 10,
  listRowId: 200,
  listRowTitle: 24,
  listButton: 20,
  listSectionTitle: 24,
  ctaDisplayText: 20,
} as const;

/** Who a message goes to: a phone number (`to`) or a business-scoped user id (`recipient`). */
export type GraphRecipient = { to: string } | { recipient: string };

export interface ReplyButtonAction {
  type: 'reply';
  reply: { id: string; title: string };
}

export interface ListRow {
  id: string;
  title: string;
}

export type Interactive =
  | { type: 'button'; body: { text: string }; action: { buttons: ReplyButtonAction[] } }
  | {
      type: 'list';
      body: { text: string };
      action: { button: string; sections: { title: string; rows: ListRow[] }[] };
    }
  | {
      type: 'cta_url';
      body: { text: string };
      action: { name: 'cta_url'; parameters: { display_text: string; url: string } };
    };

/** One Graph API message body. */
export type GraphMessage = { messaging_product: 'whatsapp'; recipient_type: 'individual' } & GraphRecipient &
  (
    | { type: 'text'; text: { preview_url: false; body: string } }
    | { type: 'interactive'; interactive: Interactive }
  );

export interface FormatOptions {
  /** Label of the button that opens a list (more than 3 reply buttons). Default "Options". */
  listButtonLabel?: string;
  /** Body of an interactive message whose buttons message is empty. Default "…". */
  emptyBody?: string;
}

const BSUID = /^[A-Za-z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/;

/** Whether an end user id is a business-scoped user id (not a phone number). */
export function isBsuid(id: string): boolean {
  return BSUID.test(id);
}

export class InvalidRecipientError extends Error {
  constructor() {
    super('the end user id is neither a phone number nor a business-scoped user id');
    this.name = 'InvalidRecipientError';
  }
}

/** The recipient field for an end user id: a wa_id / phone number, or a BSUID. Throws when neither. */
export function recipientOf(endUser: string): GraphRecipient {
  const id = endUser.trim();
  if (isBsuid(id)) return { recipient: id };
  // Digits with the separators Meta allows (+, -, parentheses, spaces) and nothing else.
  const digits = /^\+?[\d\s\-()]+$/.test(id) ? id.replace(/\D/g, '') : '';
  if (digits.length < 5 || digits.length > 20) throw new InvalidRecipientError();
  return { to: `+${digits}` };
}

/** Length in Unicode code points. */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** At most `max` code points; a longer text is cut and ends with "…". */
export function cut(text: string, max: number): string {
  const cps = Array.from(text);
  return cps.length <= max ? text : `${cps.slice(0, max - 1).join('')}…`;
}

/**
 * Splits a text into parts of at most `max` code points: at the last whitespace of each window
 * when it lies in the window's second half (the whitespace at the cut is dropped), else hard at
 * `max`. Parts that would be only whitespace are dropped; a short text comes back as it is.
 * Linear in the text's length: each part looks back at most half a window.
 */
export function splitText(text: string, max: number): string[] {
  const cps = Array.from(text);
  if (cps.length <= max) return text.trim() ? [text] : [];
  const space = (c: string | undefined) => c !== undefined && /\s/.test(c);
  const parts: string[] = [];
  let start = 0;
  while (cps.length - start > max) {
    let at = -1;
    for (let i = start + max; i > start + max / 2; i--) {
      if (space(cps[i])) {
        at = i;
        break;
      }
    }
    const part = cps
      .slice(start, at < 0 ? start + max : at)
      .join('')
      .trimEnd();
    if (part.trim()) parts.push(part);
    start = at < 0 ? start + max : at + 1;
    while (start < cps.length && space(cps[start])) start++;
  }
  const last = cps.slice(start).join('');
  if (last.trim()) parts.push(last);
  return parts;
}

/** Unique titles of at most `max` code points (case-insensitive), in order. */
export function uniqueTitles(captions: readonly string[], max: number): string[] {
  const seen = new Set<string>();
  return captions.map((caption, i) => {
    const base = caption.trim() || String(i + 1);
    let title = cut(base, max);
    for (let n = 2; seen.has(title.toLowerCase()); n++) {
      const suffix = ` ${n}`;
      title = cut(base, max - suffix.length) + suffix;
    }
    seen.add(title.toLowerCase());
    return title;
  });
}

/** Ids as given when valid (1..max code points, unique); otherwise the title (unique too). */
function safeIds(items: readonly ReplyButton[], titles: readonly string[], max: number): string[] {
  const seen = new Set<string>();
  return items.map((item, i) => {
    const valid = item.id.length > 0 && charCount(item.id) <= max && !seen.has(item.id);
    let id = valid ? item.id : titles[i]!;
    // A title could equal a valid id given earlier; the position keeps it unique.
    if (seen.has(id)) id = `${id}#${i + 1}`;
    seen.add(id);
    return id;
  });
}

function isHttpUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const { protocol } = new URL(url);
  return protocol === 'https:' || protocol === 'http:';
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** The Graph API message bodies of one reply for one end user, in sending order (maybe none). */
export function toGraphMessages(reply: Reply, endUser: string, options: FormatOptions = {}): GraphMessage[] {
  const head = {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    ...recipientOf(endUser),
  } as const;
  const text = (body: string): GraphMessage => ({
    ...head,
    type: 'text',
    text: { preview_url: false, body },
  });
  const interactive = (i: Interactive): GraphMessage => ({ ...head, type: 'interactive', interactive: i });

  // A text is one message: the engine renders at most 4096 (MAX_RENDERED_TEXT); a longer one is cut.
  if ('text' in reply) return reply.text.trim() ? [text(cut(reply.text, WA_LIMITS.textBody))] : [];

  const { message, items } = reply.buttons;
  const parts = splitText(message, WA_LIMITS.interactiveBody);
  if (items.length === 0) return parts.map(text);
  const body = { text: parts.pop() ?? (options.emptyBody || '…') };
  const out = parts.map(text);

  const replies = items.filter((b) => b.url === undefined);
  if (replies.length > 0 && replies.length <= WA_LIMITS.replyButtons) {
    const titles = uniqueTitles(
      replies.map((b) => b.caption),
      WA_LIMITS.replyTitle,
    );
    const ids = safeIds(replies, titles, WA_LIMITS.replyId);
    out.push(
      interactive({
        type: 'button',
        body,
        action: { buttons: titles.map((title, i) => ({ type: 'reply', reply: { id: ids[i]!, title } })) },
      }),
    );
  } else if (replies.length > 0) {
    const label = cut(options.listButtonLabel?.trim() || 'Options', WA_LIMITS.listButton);
    for (const group of chunks(replies, WA_LIMITS.listRows)) {
      const titles = uniqueTitles(
        group.map((b) => b.caption),
        WA_LIMITS.listRowTitle,
      );
      const ids = safeIds(group, titles, WA_LIMITS.listRowId);
      out.push(
        interactive({
          type: 'list',
          body,
          action: {
            button: label,
            sections: [
              {
                title: cut(label, WA_LIMITS.listSectionTitle),
                rows: titles.map((title, i) => ({ id: ids[i]!, title })),
              },
            ],
          },
        }),
      );
    }
  }

  for (const b of items) {
    if (b.url === undefined) continue;
    if (!isHttpUrl(b.url)) {
      out.push(text(cut(`${b.caption}: ${b.url}`, WA_LIMITS.textBody)));
      continue;
    }
    out.push(
      interactive({
        type: 'cta_url',
        body,
        action: {
          name: 'cta_url',
          parameters: { display_text: cut(b.caption.trim() || b.url, WA_LIMITS.ctaDisplayText), url: b.url },
        },
      }),
    );
  }
  return out;
}
