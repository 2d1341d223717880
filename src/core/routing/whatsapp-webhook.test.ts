import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIXTURE_DIR, FIXTURES, loadFixture } from '../../../test/fixtures/whatsapp/index.ts';
import { readWebhook, type WebhookChange } from './whatsapp-webhook.ts';

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
          speaks: true,
          label: 'text',
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
      [expect.objectContaining({ message: { button: 'change-button' }, label: 'interactive.button_reply' })],
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
      [expect.objectContaining({ type: 'interactive', message: undefined, speaks: false })],
    ],
    [
      'a template quick-reply button: its text',
      { metadata, messages: [msg({ type: 'button', button: { text: 'Yes', payload: 'YES' } })] },
      [expect.objectContaining({ message: { text: 'Yes' } })],
    ],
    [
      'an image, a location: unsupported, by type; a reaction: a notice, kept but silent',
      {
        metadata,
        messages: [
          msg({ type: 'image', image: { id: '1' } }),
          msg({ id: 'wamid.B', type: 'location', location: {} }),
          msg({ id: 'wamid.C', type: 'reaction', reaction: {} }),
        ],
      },
      [
        expect.objectContaining({ message: { unsupported: 'image' }, speaks: true }),
        expect.objectContaining({ message: { unsupported: 'location' }, speaks: true }),
        expect.objectContaining({ type: 'reaction', message: undefined, speaks: false }),
      ],
    ],
    [
      'a call permission answer and an interactive reply type Meta adds later: notices',
      {
        metadata,
        messages: [
          msg({
            type: 'interactive',
            interactive: { type: 'call_permission_reply', call_permission_reply: { response: 'accept' } },
          }),
          msg({ id: 'wamid.B', type: 'interactive', interactive: { type: 'some_future_reply' } }),
        ],
      },
      [
        expect.objectContaining({ type: 'interactive', message: undefined, speaks: false }),
        expect.objectContaining({ type: 'interactive', message: undefined, speaks: false }),
      ],
    ],
    [
      'a message without type: unknown, a notice',
      { metadata, messages: [msg({ text: { body: 'x' } })] },
      [expect.objectContaining({ type: 'unknown', message: undefined, speaks: false })],
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
    expect(changes[1]!.statusTypes).toEqual(['sent', 'read']);
  });

  it('the change’s field: as sent, or empty when missing or not a string', () => {
    const fields = (changes: unknown[]) =>
      readWebhook({ object: 'whatsapp_business_account', entry: [{ changes }] })!.map((c) => c.field);
    expect(
      fields([
        { field: 'messages', value: {} },
        { field: 'account_update', value: { event: 'ACCOUNT_DELETED' } },
        { value: {} },
        { field: 7, value: {} },
      ]),
    ).toEqual(['messages', 'account_update', '', '']);
  });

  it('a message outside the messages field never speaks (it is not said to this app)', () => {
    const [change] = readWebhook({
      object: 'whatsapp_business_account',
      entry: [
        {
          changes: [
            {
              field: 'standby',
              value: { metadata, messages: [msg({ type: 'text', text: { body: 'Hi' } })] },
            },
          ],
        },
      ],
    })!;
    expect(change!.messages).toEqual([
      expect.objectContaining({ type: 'text', speaks: false, message: undefined }),
    ]);
  });

  it('a status without a status value counts as unknown', () => {
    const [change] = readWebhook(
      envelope({ metadata, statuses: [{ id: 'x' }, 'junk', { status: 'played' }] }),
    )!;
    expect([change!.statuses, change!.statusTypes]).toEqual([3, ['unknown', 'unknown', 'played']]);
  });

  it('is not a WhatsApp webhook: undefined', () => {
    expect(readWebhook({ object: 'page', entry: [] })).toBeUndefined();
    expect(readWebhook(null)).toBeUndefined();
    expect(readWebhook([])).toBeUndefined();
  });

  it('never throws on any JSON; a message speaks exactly when it has something for the engine', {
    timeout: 60_000,
  }, () => {
    const consistent = (changes: WebhookChange[] | undefined) => {
      for (const c of changes ?? []) {
        expect(c.statusTypes).toHaveLength(c.statuses);
        for (const m of c.messages) expect(m.speaks).toBe(m.message !== undefined);
      }
    };
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.jsonValue(), (entry, value, message) => {
        consistent(readWebhook({ object: 'whatsapp_business_account', entry }));
        consistent(readWebhook(envelope(value as Record<string, unknown>)));
        consistent(readWebhook(envelope({ metadata, messages: [message, msg({ type: message })] })));
      }),
      { numRuns: 300 },
    );
  });
});

describe('readWebhook: Meta’s documented payloads (test/fixtures/whatsapp)', () => {
  const read = (file: string) => {
    const changes = readWebhook(loadFixture(file));
    expect(changes).toHaveLength(1);
    return changes![0]!;
  };

  it('every fixture file is listed in the index, once', () => {
    const files = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json'));
    expect([...FIXTURES.map((f) => f.file)].sort()).toEqual(files.sort());
  });

  it.each(FIXTURES.map((f) => [f.file, f] as const))('%s', (file, f) => {
    const change = read(file);
    expect(change.field).toBe(f.field);
    expect(change.phoneNumberId).toBe(f.metadata ? '106540352242922' : undefined);
    if (f.kind === 'message') {
      expect(change.messages.map((m) => [m.type, m.speaks, m.user])).toEqual([
        [f.type, f.reachesEngine, '16505551234'],
      ]);
      expect(change.messages[0]!.message !== undefined).toBe(f.reachesEngine);
      expect(change.messages[0]!.timestamp).toBeGreaterThan(1_600_000_000);
    } else {
      expect(change.messages).toEqual([]);
      expect(f.reachesEngine).toBe(false);
    }
    expect(change.statusTypes).toEqual(f.kind === 'status' ? [f.type] : []);
    expect(change.errors.length > 0).toBe(f.kind === 'error');
  });

  it('the business-account fields carry no phone number id and no messages', () => {
    const waba = FIXTURES.filter((f) => f.kind === 'account' && !f.metadata);
    expect(waba.map((f) => f.field)).toEqual(
      expect.arrayContaining([
        'account_update',
        'account_alerts',
        'business_capability_update',
        'message_template_status_update',
        'message_template_quality_update',
        'message_template_components_update',
        'template_category_update',
        'phone_number_quality_update',
        'phone_number_name_update',
        'security',
      ]),
    );
    for (const f of waba) {
      const change = read(f.file);
      expect([f.file, change.phoneNumberId, change.messages, change.statuses]).toEqual([
        f.file,
        undefined,
        [],
        0,
      ]);
    }
  });

  it('what the engine gets from each speaking fixture', () => {
    const said = (file: string) => read(file).messages.map((m) => m.message);
    expect(said('messages-text.json')).toEqual([{ text: 'Does it come in another color?' }]);
    expect(said('messages-interactive-button_reply.json')).toEqual([{ button: 'cancel-button' }]);
    expect(said('messages-interactive-list_reply.json')).toEqual([{ button: 'priority_express' }]);
    expect(said('messages-button.json')).toEqual([{ text: 'Unsubscribe' }]);
    expect(said('messages-interactive-nfm_reply.json')).toEqual([{ unsupported: 'interactive.nfm_reply' }]);
    for (const t of ['image', 'audio', 'video', 'document', 'sticker', 'location', 'contacts', 'order']) {
      expect(said(`messages-${t}.json`)).toEqual([{ unsupported: t }]);
    }
    expect(read('messages-text.json').messages[0]!.name).toBe('Sheena Nelson');
    expect(read('messages-system-user_changed_number.json').messages[0]!.name).toBeUndefined();
  });

  it('every fixture, with any message’s fields replaced by any JSON, is read without throwing', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FIXTURES.filter((f) => f.kind === 'message')),
        fc.dictionary(
          fc.constantFrom('type', 'from', 'id', 'timestamp', 'interactive', 'text', 'button'),
          fc.jsonValue(),
        ),
        (f, patch) => {
          const payload = loadFixture(f.file) as {
            entry: { changes: { value: { messages: object[] } }[] }[];
          };
          const value = payload.entry[0]!.changes[0]!.value;
          value.messages = value.messages.map((m) => ({ ...m, ...patch }));
          for (const m of readWebhook(payload)![0]!.messages) expect(m.speaks).toBe(m.message !== undefined);
        },
      ),
      { numRuns: 200 },
    );
  });
});
