// Meta's WhatsApp webhook payload, read as data: every entry[] → changes[] → messages[] and
// statuses[] of a batch (up to 1000 updates), whatever else it carries. Pure: a hostile or
// malformed payload yields fewer items, never an exception. See the WhatsApp reference in
// docs/architecture.md, "Channels", and the payloads of test/fixtures/whatsapp (one per field and
// message type, from Meta's webhook reference).
import type { Inbound } from '../dialog/types.ts';

export interface WebhookMessage {
  /** The wamid: Meta retries for days, so the runtime answers one id once. */
  id: string;
  /** The end user: wa_id / from, else the business-scoped user id. */
  user: string;
  /** Unix seconds as Meta sends them (0 when absent or not a number). */
  timestamp: number;
  /** What the engine gets; undefined exactly when the message does not speak (see speaks). */
  message: Inbound | undefined;
  /** The channel's type of the message (text, interactive, image, reaction...; 'unknown' when absent). */
  type: string;
  /**
   * The user said something to the bot, to hand to the dialog engine: text, media, location,
   * contacts, an order, a reply button, list row or Flow answer, a template's quick-reply button.
   * False for notices, which are counted and never answered: system (number or identity changed),
   * reaction, edit, revoke, a call permission answer, request_welcome, unsupported, unknown, an
   * interactive message without a type, any type Meta adds later, and any message of a change
   * whose field is not `messages`.
   */
  speaks: boolean;
  /**
   * What to count it as (a metric label): its type, `interactive.<its interactive type>` (so a
   * call_permission_reply is told from a button reply), and `group.<type>` for a message in a group.
   */
  label: string;
  /** The profile name from contacts[], if Meta sent one. */
  name?: string;
}

export interface WebhookChange {
  /**
   * The change's field: `messages` (user messages, statuses, errors) or a business-account field
   * (account_update, message_template_status_update, phone_number_quality_update...); '' when
   * missing. Business-account fields carry no metadata.phone_number_id.
   */
  field: string;
  /** metadata.phone_number_id: which Sender the change is for. */
  phoneNumberId?: string;
  /** metadata.display_phone_number (digits). */
  displayPhoneNumber?: string;
  messages: WebhookMessage[];
  /** How many statuses[] (delivery reports of our replies) the change carried. */
  statuses: number;
  /** Each status's `status` (sent, delivered, read, failed, played...; 'unknown' when absent). */
  statusTypes: string[];
  /** value.errors[] codes (out-of-band errors). */
  errors: number[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The message types that are a user's own words (or taps) for the dialog engine. */
const SPEAKING_TYPES: ReadonlySet<string> = new Set([
  'text',
  'image',
  'audio',
  'video',
  'document',
  'sticker',
  'location',
  'contacts',
  'order',
  'interactive',
  'button',
]);
/** The interactive replies that speak: reply button, list row, Flow (nfm) answer. */
const SPEAKING_INTERACTIVE: ReadonlySet<string> = new Set(['button_reply', 'list_reply', 'nfm_reply']);

/** undefined when the payload is not a WhatsApp Business Account webhook at all. */
export function readWebhook(payload: unknown): WebhookChange[] | undefined {
  if (!isRecord(payload) || payload.object !== 'whatsapp_business_account') return undefined;
  const out: WebhookChange[] = [];
  for (const entry of list(payload.entry)) {
    if (!isRecord(entry)) continue;
    for (const change of list(entry.changes)) {
      if (!isRecord(change) || !isRecord(change.value)) continue;
      out.push(readChange(typeof change.field === 'string' ? change.field : '', change.value));
    }
  }
  return out;
}

function readChange(field: string, value: Record<string, unknown>): WebhookChange {
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const names = new Map<string, string>();
  for (const c of list(value.contacts)) {
    if (!isRecord(c)) continue;
    const id = str(c.wa_id) ?? str(c.user_id);
    const name = isRecord(c.profile) ? str(c.profile.name) : undefined;
    if (id && name) names.set(id, name);
  }
  // Only the messages field carries what users say to this app ('' for a change without field).
  const answerable = field === 'messages' || field === '';
  const messages: WebhookMessage[] = [];
  for (const m of list(value.messages)) {
    const read = readMessage(m, names, answerable);
    if (read) messages.push(read);
  }
  const statuses = list(value.statuses);
  const phoneNumberId = str(metadata.phone_number_id);
  const displayPhoneNumber = str(metadata.display_phone_number);
  return {
    field,
    ...(phoneNumberId ? { phoneNumberId } : {}),
    ...(displayPhoneNumber ? { displayPhoneNumber } : {}),
    messages,
    statuses: statuses.length,
    statusTypes: statuses.map((s) => (isRecord(s) ? str(s.status) : undefined) ?? 'unknown'),
    errors: list(value.errors)
      .map((e) => (isRecord(e) && typeof e.code === 'number' ? e.code : undefined))
      .filter((c): c is number => c !== undefined),
  };
}

function readMessage(
  m: unknown,
  names: Map<string, string>,
  answerable: boolean,
): WebhookMessage | undefined {
  if (!isRecord(m)) return undefined;
  const id = str(m.id);
  const user = str(m.from) ?? str(m.from_user_id) ?? str(m.user_id);
  if (!id || !user) return undefined;
  const type = str(m.type) ?? 'unknown';
  const ts = typeof m.timestamp === 'string' || typeof m.timestamp === 'number' ? Number(m.timestamp) : 0;
  const name = names.get(user);
  // A message written in a group (group_id) is not said to the bot: it never gets a 1:1 answer.
  const inGroup = str(m.group_id) !== undefined;
  const message = answerable && !inGroup ? inbound(type, m) : undefined;
  const sub = type === 'interactive' && isRecord(m.interactive) ? str(m.interactive.type) : undefined;
  const label = `${inGroup ? 'group.' : ''}${type}${sub ? `.${sub}` : ''}`;
  return {
    id,
    user,
    timestamp: Number.isFinite(ts) ? ts : 0,
    message,
    type,
    speaks: message !== undefined,
    label: label.slice(0, 64),
    ...(name ? { name } : {}),
  };
}

/**
 * text → text, reply buttons and list rows → the button's id, a template's quick-reply button →
 * its text; the other speaking types (media, location, contacts, order, a Flow answer) are
 * unsupported, by type, for the engine's fallback. undefined for a notice (does not speak).
 */
function inbound(type: string, m: Record<string, unknown>): Inbound | undefined {
  if (!SPEAKING_TYPES.has(type)) return undefined;
  if (type === 'text') {
    const body = isRecord(m.text) ? m.text.body : undefined;
    return typeof body === 'string' ? { text: body } : { unsupported: 'text' };
  }
  if (type === 'interactive') {
    const i = isRecord(m.interactive) ? m.interactive : undefined;
    // An interactive message without a type carries errors instead (a user resending one); a
    // call permission answer (call_permission_reply) or a reply type Meta adds later is a notice.
    if (!i || typeof i.type !== 'string' || !SPEAKING_INTERACTIVE.has(i.type)) return undefined;
    const reply =
      i.type === 'button_reply' ? i.button_reply : i.type === 'list_reply' ? i.list_reply : undefined;
    if (!isRecord(reply)) return { unsupported: `interactive.${i.type}` };
    const id = str(reply.id) ?? str(reply.title);
    return id ? { button: id } : undefined;
  }
  if (type === 'button') {
    // A template's quick-reply button: its payload or text, matched like a caption.
    const b = isRecord(m.button) ? m.button : {};
    const text = str(b.text) ?? str(b.payload);
    return text ? { text } : { unsupported: 'button' };
  }
  return { unsupported: type };
}
