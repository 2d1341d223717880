// Public entry points of an active chatbot: for WhatsApp a wa.me link (digits only, with the
// start keyword prefilled); a test sender's entry points are never shareable.
import lpn from 'google-libphonenumber';
import type { ChatbotStatus, Sender } from '../../api/schema.ts';

const phoneUtil = lpn.PhoneNumberUtil.getInstance();

// Parsing a number costs ~0.1 ms and the operator asks for the same few addresses on every
// event; remembered, bounded (cleared when full) so odd input cannot grow it without end.
const digitsCache = new Map<string, string | undefined>();
const DIGITS_CACHE_MAX = 50_000;

/** The E.164 digits of a phone number ("+385 91 123 4567" -> "385911234567"), or undefined. */
export function e164Digits(address: string): string | undefined {
  if (digitsCache.has(address)) return digitsCache.get(address);
  let digits: string | undefined;
  try {
    const n = phoneUtil.parse(address, 'ZZ');
    digits = phoneUtil.isPossibleNumber(n)
      ? phoneUtil.format(n, lpn.PhoneNumberFormat.E164).slice(1)
      : undefined;
  } catch {
    digits = undefined;
  }
  if (digitsCache.size >= DIGITS_CACHE_MAX) digitsCache.clear();
  digitsCache.set(address, digits);
  return digits;
}

export function whatsappLink(address: string, startKeyword?: string): string | undefined {
  const digits = e164Digits(address);
  if (!digits) return undefined;
  return startKeyword
    ? `https://wa.me/${digits}?text=${encodeURIComponent(startKeyword)}`
    : `https://wa.me/${digits}`;
}

/**
 * The bot's entry points on its sender's channel: the link end users open, whether it may be
 * shared (not for a test sender), and, when the runtime's public URL is known (`qrBase`), where
 * the runtime serves the link's QR code.
 */
export function entryPointsFor(
  sender: Sender,
  startKeyword?: string,
  qrBase?: string,
): ChatbotStatus['entryPoints'] {
  const eps = linksFor(sender, startKeyword);
  if (!qrBase || !eps) return eps;
  for (const ep of Object.values(eps)) {
    if (ep.link) ep.qr = { png: `${qrBase}/qr.png`, svg: `${qrBase}/qr.svg` };
  }
  return eps;
}

function linksFor(sender: Sender, startKeyword?: string): ChatbotStatus['entryPoints'] {
  const shareable = sender.spec.test !== true;
  switch (sender.spec.channel) {
    case 'WhatsApp': {
      const link = whatsappLink(sender.spec.address, startKeyword);
      return { whatsapp: link ? { link, shareable } : { shareable } };
    }
    case 'Telegram':
      return {
        telegram: {
          link: `https://t.me/${encodeURIComponent(sender.spec.address.replace(/^@/, ''))}`,
          shareable,
        },
      };
    case 'Messenger':
      return { messenger: { link: `https://m.me/${encodeURIComponent(sender.spec.address)}`, shareable } };
    default:
      return { [sender.spec.channel.toLowerCase()]: { shareable } };
  }
}
