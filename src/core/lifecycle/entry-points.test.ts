import { describe, expect, it } from 'vitest';
import { API_VERSION, type Chatbot, type Sender, type SenderSpec } from '../../api/schema.ts';
import { qrBase } from './chatbot-status.ts';
import { e164Digits, entryPointsFor, whatsappLink } from './entry-points.ts';

const sender = (spec: SenderSpec): Sender => ({
  apiVersion: API_VERSION,
  kind: 'Sender',
  metadata: { name: 'acme', namespace: 'acme', generation: 1 },
  spec,
});

describe('e164Digits', () => {
  it.each<[string, string | undefined]>([
    ['+385911234567', '385911234567'],
    ['+385 91 123 4567', '385911234567'],
    ['+385-91-123-4567', '385911234567'],
    ['+1 (415) 555-0100', '14155550100'],
    ['+44 20 7946 0958', '442079460958'],
    ['+49 30 901820', '4930901820'],
    // unparseable or impossible numbers: no link rather than a wrong one
    ['not a number', undefined],
    ['', undefined],
    ['385911234567', undefined], // no leading +: no country to read it in
    ['+1 555', undefined], // too short to be a number
    ['+999 1234567', undefined], // no such country code
  ])('%j -> %j', (address, digits) => {
    expect(e164Digits(address)).toBe(digits);
  });
});

describe('whatsappLink', () => {
  it.each<[string, string | undefined, string | undefined]>([
    ['+385911234567', 'Hi', 'https://wa.me/385911234567?text=Hi'],
    ['+385 91 123 4567', 'Hi', 'https://wa.me/385911234567?text=Hi'],
    ['+385911234567', 'Hi there', 'https://wa.me/385911234567?text=Hi%20there'],
    ['+385911234567', 'Q&A?', 'https://wa.me/385911234567?text=Q%26A%3F'],
    ['+385911234567', 'a=b#c/d+e', 'https://wa.me/385911234567?text=a%3Db%23c%2Fd%2Be'],
    ['+385911234567', 'Bok 👋', 'https://wa.me/385911234567?text=Bok%20%F0%9F%91%8B'],
    ['+385911234567', 'Čao', 'https://wa.me/385911234567?text=%C4%8Cao'],
    // no keyword: no text parameter at all
    ['+385911234567', undefined, 'https://wa.me/385911234567'],
    ['+385911234567', '', 'https://wa.me/385911234567'],
    // unparseable number: no link
    ['not a number', 'Hi', undefined],
  ])('%j with keyword %j -> %j', (address, keyword, link) => {
    expect(whatsappLink(address, keyword)).toBe(link);
  });
});

describe('entryPointsFor', () => {
  it.each<{ name: string; spec: SenderSpec; keyword?: string; want: unknown }>([
    {
      name: 'WhatsApp: wa.me link with the start keyword, shareable',
      spec: { channel: 'WhatsApp', address: '+385911234567' },
      keyword: 'Hi',
      want: { whatsapp: { link: 'https://wa.me/385911234567?text=Hi', shareable: true } },
    },
    {
      name: 'WhatsApp test sender: never shareable',
      spec: { channel: 'WhatsApp', address: '+385911234567', test: true, verifiedNumber: '+385981112222' },
      keyword: 'Hi',
      want: { whatsapp: { link: 'https://wa.me/385911234567?text=Hi', shareable: false } },
    },
    {
      name: 'WhatsApp test: false is shareable',
      spec: { channel: 'WhatsApp', address: '+385911234567', test: false },
      want: { whatsapp: { link: 'https://wa.me/385911234567', shareable: true } },
    },
    {
      name: 'WhatsApp with an unparseable number: no link',
      spec: { channel: 'WhatsApp', address: 'acme-line-1' },
      keyword: 'Hi',
      want: { whatsapp: { shareable: true } },
    },
    {
      name: 'Telegram with @: t.me link without the @',
      spec: { channel: 'Telegram', address: '@acme_bot' },
      want: { telegram: { link: 'https://t.me/acme_bot', shareable: true } },
    },
    {
      name: 'Telegram without @',
      spec: { channel: 'Telegram', address: 'acme_bot' },
      keyword: 'Hi',
      want: { telegram: { link: 'https://t.me/acme_bot', shareable: true } },
    },
    {
      name: 'Telegram test sender',
      spec: { channel: 'Telegram', address: '@acme_bot', test: true, verifiedNumber: '+385981112222' },
      want: { telegram: { link: 'https://t.me/acme_bot', shareable: false } },
    },
    {
      name: 'Messenger: m.me link',
      spec: { channel: 'Messenger', address: 'acmepage' },
      want: { messenger: { link: 'https://m.me/acmepage', shareable: true } },
    },
    {
      name: 'SMS: no link',
      spec: { channel: 'SMS', address: '+385911234567' },
      want: { sms: { shareable: true } },
    },
    {
      name: 'Viber: no link',
      spec: { channel: 'Viber', address: '+385911234567' },
      want: { viber: { shareable: true } },
    },
    {
      name: 'Http: no link',
      spec: { channel: 'Http', address: 'support-web' },
      want: { http: { shareable: true } },
    },
  ])('$name', ({ spec, keyword, want }) => {
    expect(entryPointsFor(sender(spec), keyword)).toEqual(want);
  });
});

describe('QR code URLs in the entry points', () => {
  const bot = { metadata: { namespace: 'shop', name: 'support bot' } } as Chatbot;
  it('name where the runtime serves the QR code, when its public URL is known', () => {
    const base = qrBase('https://bots.example.com/', bot);
    expect(base).toBe('https://bots.example.com/entry/shop/support%20bot');
    expect(entryPointsFor(sender({ channel: 'WhatsApp', address: '+385 91 123 4567' }), 'Hi', base)).toEqual({
      whatsapp: {
        link: 'https://wa.me/385911234567?text=Hi',
        shareable: true,
        qr: { png: `${base}/qr.png`, svg: `${base}/qr.svg` },
      },
    });
  });

  it('are absent without a public URL, and for a channel without a link', () => {
    expect(qrBase(undefined, bot)).toBeUndefined();
    expect(
      entryPointsFor(sender({ channel: 'WhatsApp', address: '+385911234567' }), undefined, undefined),
    ).toEqual({
      whatsapp: { link: 'https://wa.me/385911234567', shareable: true },
    });
    expect(
      entryPointsFor(sender({ channel: 'Http', address: 'web' }), undefined, 'https://x/entry/a/b'),
    ).toEqual({
      http: { shareable: true },
    });
  });
});
