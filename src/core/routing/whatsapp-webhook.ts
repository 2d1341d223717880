// Meta's WhatsApp webhook payload, read as data: every entry[] → changes[] → messages[] and
// statuses[] of a batch (up to 1000 updates), whatever else it carries. Pure: a hostile or
// malformed payload yields fewer items, never an exception. See the WhatsApp reference in
// docs/architecture.md, "Channels".
import type { Inbound } from '../dialog/types.ts';

export interface WebhookMessage {
  /** The wamid: Meta retries for days, so the runtime answers one id once. */
  id: string;
  /** The end user: wa_id / from, else the business-scoped user id. */
  user: string;
  /** Unix seconds as Meta sends them (0 when absent or not a number). */
  timestamp: number;
  /** What the engine gets; undefined for a message to ignore (an interactive without type). */
  message: Inbound | undefined;
  /** The channel's type of the message (text, interactive, image...). */
  type: string;
  /** The profile name from contacts[], if Meta sent one. */
  name?: string;
}

export interface WebhookChange {
  /** metadata.phone_number_id: which Sender the change is for. */
  phoneNumberId?: string;
  /** metadata.display_phone_number (digits). */
  displayPhoneNumber?: string;
  messages: WebhookMessage[];
  /** How many statuses[] (delivery reports of our replies) the change carried. */
  statuses: number;
  /** value.errors[] codes (out-of-band errors). */
  errors: number[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** undefined when the payload is not a WhatsApp Business Account webhook at all. */
export function readWebhook(payload: unknown): WebhookChange[] | undefined {
  if (!isRecord(payload) || payload.object !== 'whatsapp_business_account') return undefined;
  const out: WebhookChange[] = [];
  for (const entry of list(payload.entry)) {
    if (!isRecord(entry)) continue;
    for (const change of list(entry.changes)) {
      if (!isRecord(change) || !isRecord(change.value)) continue;
      out.push(readChange(change.value));
    }
  }
  return out;
}

function readChange(value: Record<string, unknown>): WebhookChange {
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const names = new Map<string, string>();
  for (const c of list(value.contacts)) {
    if (!isRecord(c)) continue;
    const id = str(c.wa_id) ?? str(c.user_id);
    const name = isRecord(c.profile) ? str(c.profile.name) : undefined;
    if (id && name) names.set(id, name);
  }
  const messages: WebhookMessage[] = [];
  for (const m of list(value.messages)) {
    const read = readMessage(m, names);
    if (read) messages.push(read);
  }
  const phoneNumberId = str(metadata.phone_number_id);
  const displayPhoneNumber = str(metadata.display_phone_number);
  return {
    ...(phoneNumberId ? { phoneNumberId } : {}),
    ...(displayPhoneNumber ? { displayPhoneNumber } : {}),
    messages,
    statuses: list(value.statuses).length,
    errors: list(value.errors)
      .map((e) => (isRecord(e) && typeof e.code === 'number' ? e.code : undefined))
      .filter((c): c is number => c !== undefined),
  };
}

function readMessage(m: unknown, names: Map<string, string>): WebhookMessage | undefined {
  if (!isRecord(m)) return undefined;
  const id = str(m.id);
  const user = str(m.from) ?? str(m.from_user_id) ?? str(m.user_id);
  if (!id || !user) return undefined;
  const type = str(m.type) ?? 'unknown';
  const ts = Number(m.timestamp);
  const name = names.get(user);
  return {
    id,
    user,
    timestamp: Number.isFinite(ts) ? ts : 0,
    message: inbound(type, m),
    type,
    ...(name ? { name } : {}),
  };
}

/** text → text, button and list replies → the button's id; any other type is unsupported. */
function inbound(type: string, m: Record<string, unknown>): Inbound | undefined {
  if (type === 'text') {
    const body = isRecord(m.text) ? m.text.body : undefined;
    return typeof body === 'string' ? { text: body } : { unsupported: 'text' };
  }
  if (type === 'interactive') {
    const i = isRecord(m.interactive) ? m.interactive : undefined;
    // An interactive message without a type carries errors instead (a user resending one): ignore it.
    if (!i || typeof i.type !== 'string') return undefined;
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
