import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readWebhook } from './whatsapp-webhook.ts';

const envelope = (value: Record<string, unknown>) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: '102290129340398', changes: [{ field: 'messages', value }] }],
});
const metadata = { display_phone_number: '15550783881', phone_number_id: '106540352242922' };
const msg = (extra: Record<string, unknown>) => ({
  id: 'wamid.A',
  timestamp: '1749416383',
  from: '16505551234',
  ...extra,
});

describe('readWebhook: Meta’s payload as data', () => {
  it.each<[string, Record<string, unknown>, unknown]>([
    [
      'text, with the profile name from contacts',
      {
        metadata,
        contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }],
        messages: [msg({ type: 'text', text: { body: 'Does it come in another color?' } })],
      },
      [
        {
          id: 'wamid.A',
          user: '16505551234',
          timestamp: 1749416383,
          type: 'text',
          name: 'Sheena Nelson',
          message: { text: 'Does it come in another color?' },
        },
      ],
    ],
    [
      'a reply-button tap: the button id',
      {
        metadata,
        messages: [
          msg({
            type: 'interactive',
            interactive: { type: 'button_reply', button_reply: { id: 'change-button', title: 'Change' } },
          }),
        ],
      },
      [expect.objectContaining({ message: { button: 'change-button' } })],
    ],
    [
      'a list selection: the row id',
      {
        metadata,
        messages: [
          msg({
            type: 'interactive',
            interactive: {
              type: 'list_reply',
              list_reply: { id: 'priority_express', title: 'Priority Mail Express' },
            },
          }),
        ],
      },
      [expect.objectContaining({ message: { button: 'priority_express' } })],
    ],
    [
      'an interactive message without type (it carries errors): ignored',
      { metadata, messages: [msg({ type: 'interactive', interactive: {}, errors: [{ code: 131051 }] })] },
      [expect.objectContaining({ type: 'interactive', message: undefined })],
    ],
    [
      'a template quick-reply button: its text',
      { metadata, messages: [msg({ type: 'button', button: { text: 'Yes', payload: 'YES' } })] },
      [expect.objectContaining({ message: { text: 'Yes' } })],
    ],
    [
      'an image, a location, a reaction: unsupported, by type',
      {
        metadata,
        messages: [
          msg({ type: 'image', image: { id: '1' } }),
          msg({ id: 'wamid.B', type: 'location', location: {} }),
          msg({ id: 'wamid.C', type: 'reaction', reaction: {} }),
        ],
      },
      [
        expect.objectContaining({ message: { unsupported: 'image' } }),
        expect.objectContaining({ message: { unsupported: 'location' } }),
        expect.objectContaining({ message: { unsupported: 'reaction' } }),
      ],
    ],
    [
      'no wa_id nor from: the business-scoped user id',
      {
        metadata,
        contacts: [{ profile: { name: 'U' }, user_id: 'US.13491208655302741918' }],
        messages: [
          {
            id: 'wamid.D',
            timestamp: '1',
            from_user_id: 'US.13491208655302741918',
            type: 'text',
            text: { body: 'hi' },
          },
        ],
      },
      [expect.objectContaining({ user: 'US.13491208655302741918', name: 'U' })],
    ],
    [
      'a message without id or sender is dropped, the rest kept',
      {
        metadata,
        messages: [{ type: 'text', text: { body: 'x' } }, msg({ type: 'text', text: { body: 'ok' } })],
      },
      [expect.objectContaining({ message: { text: 'ok' } })],
    ],
  ])('%s', (_name, value, messages) => {
    const [change] = readWebhook(envelope(value))!;
    expect(change!.messages).toEqual(messages);
    expect(change!.phoneNumberId).toBe('106540352242922');
  });

  it('reads every entry, change, message and status of a batch, not only the first', () => {
    const batch = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1',
          changes: [
            {
              field: 'messages',
              value: {
                metadata,
                messages: [
                  msg({ id: 'a', type: 'text', text: { body: '1' } }),
                  msg({ id: 'b', type: 'text', text: { body: '2' } }),
                ],
              },
            },
          ],
        },
        {
          id: '2',
          changes: [
            {
              field: 'messages',
              value: {
                metadata,
                statuses: [
                  { id: 'x', status: 'sent' },
                  { id: 'y', status: 'read' },
                ],
              },
            },
            {
              field: 'messages',
              value: {
                metadata: { phone_number_id: 'other' },
                messages: Array.from({ length: 997 }, (_, i) =>
                  msg({ id: `m${i}`, type: 'text', text: { body: `${i}` } }),
                ),
              },
            },
          ],
        },
      ],
    };
    const changes = readWebhook(batch)!;
    expect(changes.map((c) => [c.phoneNumberId, c.messages.length, c.statuses])).toEqual([
      ['106540352242922', 2, 0],
      ['106540352242922', 0, 2],
      ['other', 997, 0],
    ]);
  });

  it('is not a WhatsApp webhook: undefined', () => {
    expect(readWebhook({ object: 'page', entry: [] })).toBeUndefined();
    expect(readWebhook(null)).toBeUndefined();
    expect(readWebhook([])).toBeUndefined();
  });

  it('never throws on any JSON', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (entry, value) => {
        readWebhook({ object: 'whatsapp_business_account', entry });
        readWebhook(envelope(value as Record<string, unknown>));
      }),
      { numRuns: 300 },
    );
  });
});
