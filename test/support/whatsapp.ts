// WhatsApp webhooks as Meta sends them (the shapes of the reference's examples: metadata with
// phone_number_id, contacts with profile and wa_id, wamids, Unix-seconds timestamps), signed
// over the escaped-unicode JSON form Meta signs, and posted to the runtime.
import { createHmac, randomBytes } from 'node:crypto';

export const PHONE_NUMBER_ID = '106540352242922';
export const DISPLAY_NUMBER = '15550783881';
export const WABA_ID = '102290129340398';

export const wamid = () => `wamid.${randomBytes(24).toString('base64')}`;

/** JSON as Meta puts it on the wire: every non-ASCII UTF-16 unit as \uXXXX with lowercase hex. */
export function metaJson(payload: unknown): string {
  return JSON.stringify(payload).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function sign(raw: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`;
}

export interface InboundSpec {
  from: string;
  name?: string;
  id?: string;
  /** Unix seconds (default now). */
  timestamp?: number;
  text?: string;
  buttonReply?: { id: string; title: string };
  listReply?: { id: string; title: string };
  /** Another type, e.g. image: its body as Meta sends it. */
  other?: { type: string; body: Record<string, unknown> };
  /** An interactive message without interactive.type (Meta sends errors instead). */
  interactiveWithoutType?: boolean;
}

export function messageOf(m: InboundSpec): Record<string, unknown> {
  const base = {
    from: m.from,
    id: m.id ?? wamid(),
    timestamp: String(m.timestamp ?? Math.floor(Date.now() / 1000)),
  };
  if (m.text !== undefined) return { ...base, type: 'text', text: { body: m.text } };
  if (m.buttonReply) {
    return {
      ...base,
      context: { from: DISPLAY_NUMBER, id: wamid() },
      type: 'interactive',
      interactive: { type: 'button_reply', button_reply: m.buttonReply },
    };
  }
  if (m.listReply) {
    return { ...base, type: 'interactive', interactive: { type: 'list_reply', list_reply: m.listReply } };
  }
  if (m.interactiveWithoutType) {
    return {
      ...base,
      type: 'interactive',
      interactive: {},
      errors: [{ code: 131051, title: 'Unsupported' }],
    };
  }
  if (m.other) return { ...base, type: m.other.type, [m.other.type]: m.other.body };
  throw new Error('messageOf: say what the message is');
}

/** One webhook with these messages in one change (contacts for each sender of a message). */
export function webhook(
  messages: InboundSpec[],
  opts: { phoneNumberId?: string; displayPhoneNumber?: string; statuses?: Record<string, unknown>[] } = {},
): Record<string, unknown> {
  const contacts = [...new Map(messages.map((m) => [m.from, m])).values()].map((m) => ({
    profile: { name: m.name ?? 'Sheena Nelson' },
    wa_id: m.from,
  }));
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: WABA_ID,
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: DISPLAY_NUMBER,
                phone_number_id: opts.phoneNumberId ?? PHONE_NUMBER_ID,
              },
              ...(messages.length ? { contacts, messages: messages.map(messageOf) } : {}),
              ...(opts.statuses ? { statuses: opts.statuses } : {}),
            },
            field: 'messages',
          },
        ],
      },
    ],
  };
}

/** POSTs a raw body to /webhooks/whatsapp with the given signature header (undefined: none). */
export async function postWebhook(port: number, raw: string, signature: string | undefined): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/webhooks/whatsapp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature ? { 'x-hub-signature-256': signature } : {}),
    },
    body: raw,
    signal: AbortSignal.timeout(20_000),
  });
  await res.arrayBuffer();
  return res.status;
}
