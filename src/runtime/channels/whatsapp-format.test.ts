import { describe, expect, it } from 'vitest';
import { validateMessage } from '../../../test/support/fake-graph.ts';
import type { Reply } from '../../core/dialog/types.ts';
import {
  charCount,
  cut,
  InvalidRecipientError,
  recipientOf,
  splitText,
  toGraphMessages,
  uniqueTitles,
} from './whatsapp-format.ts';

const head = { messaging_product: 'whatsapp', recipient_type: 'individual', to: '+16505551234' };
const USER = '16505551234';

/** Maps and checks every body against the fake's copy of Meta's rules. */
function map(reply: Reply, user = USER) {
  const out = toGraphMessages(reply, user);
  for (const m of out) expect(validateMessage(m)).toBeUndefined();
  return out;
}

const btn = (n: number, extra: Partial<{ caption: string; url: string; id: string }> = {}) => ({
  id: `b:0:${n}:main`,
  caption: `Choice ${n}`,
  ...extra,
});

describe('recipientOf', () => {
  it.each([
    ['16505551234', { to: '+16505551234' }],
    ['+1 (650) 555-1234', { to: '+16505551234' }],
    ['US.13491208655302741918', { recipient: 'US.13491208655302741918' }],
    ['US.ENT.11815799212886844830', { recipient: 'US.ENT.11815799212886844830' }],
  ])('%s', (user, expected) => {
    expect(recipientOf(user)).toEqual(expected);
  });

  it.each(['', 'alice', '12', 'US.', '1650555abcd'])('refuses %j', (user) => {
    expect(() => recipientOf(user)).toThrow(InvalidRecipientError);
  });
});

describe('toGraphMessages', () => {
  it('text', () => {
    expect(map({ text: 'Hi! How can I help?' })).toEqual([
      { ...head, type: 'text', text: { preview_url: false, body: 'Hi! How can I help?' } },
    ]);
  });

  it('a BSUID goes as recipient, without to', () => {
    const [m] = map({ text: 'Hi' }, 'US.13491208655302741918');
    expect(m).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      recipient: 'US.13491208655302741918',
      type: 'text',
      text: { preview_url: false, body: 'Hi' },
    });
  });

  it('an empty or blank text sends nothing', () => {
    expect(map({ text: '' })).toEqual([]);
    expect(map({ text: ' \n ' })).toEqual([]);
  });

  it('a text of exactly 4096 characters (emoji count once) is one message', () => {
    const text = '😀'.repeat(4096);
    const out = map({ text });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ text: { body: text } });
  });

  it('a text over 4096 is one message, cut to 4096 with an ellipsis (the engine caps it there already)', () => {
    const text = Array.from({ length: 2000 }, (_, i) => `word${i}`).join(' ');
    const out = map({ text });
    expect(out).toHaveLength(1);
    const body = (out[0] as { text: { body: string } }).text.body;
    expect(charCount(body)).toBe(4096);
    expect(body.endsWith('…')).toBe(true);
    expect(text.startsWith(body.slice(0, -1))).toBe(true);
  });

  it('a buttons message over 1024 is split at whitespace, nothing lost, the last part as the body', () => {
    const words = Array.from({ length: 500 }, (_, i) => `word${i}`);
    const message = words.join(' ');
    const out = map({ buttons: { message, items: [btn(0)] } });
    expect(out.length).toBe(Math.ceil(charCount(message) / 1024));
    const bodies = out.map((m) =>
      'text' in m
        ? (m as { text: { body: string } }).text.body
        : (m as { interactive: { body: { text: string } } }).interactive.body.text,
    );
    for (const b of bodies) expect(charCount(b)).toBeLessThanOrEqual(1024);
    expect(bodies.flatMap((b) => b.split(' '))).toEqual(words);
  });

  it('splitText is linear: 3.3 MB of text splits in parts without re-copying the rest each time', () => {
    const big = 'x'.repeat(3_350_000);
    const parts = splitText(big, 4096);
    expect(parts).toHaveLength(Math.ceil(3_350_000 / 4096));
    expect(parts.join('')).toBe(big);
  });

  it('1 to 3 reply buttons: one interactive button message', () => {
    for (const n of [1, 2, 3]) {
      const items = Array.from({ length: n }, (_, i) => btn(i));
      const out = map({ buttons: { message: 'Pick one', items } });
      expect(out).toEqual([
        {
          ...head,
          type: 'interactive',
          interactive: {
            type: 'button',
            body: { text: 'Pick one' },
            action: {
              buttons: items.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.caption } })),
            },
          },
        },
      ]);
    }
  });

  it('long or repeated captions become unique titles of at most 20', () => {
    const items = [
      btn(0, { caption: 'A caption that is far too long' }),
      btn(1, { caption: 'Yes' }),
      btn(2, { caption: 'yes' }),
    ];
    const [m] = map({ buttons: { message: 'Pick', items } });
    const titles = (
      m as { interactive: { action: { buttons: { reply: { title: string } }[] } } }
    ).interactive.action.buttons.map((b) => b.reply.title);
    expect(titles).toEqual(['A caption that is f…', 'Yes', 'yes 2']);
  });

  it('4 to 10 reply buttons: one list message (rows of at most 24)', () => {
    const items = Array.from({ length: 5 }, (_, i) => btn(i));
    const out = map({ buttons: { message: 'Pick one', items } });
    expect(out).toEqual([
      {
        ...head,
        type: 'interactive',
        interactive: {
          type: 'list',
          body: { text: 'Pick one' },
          action: {
            button: 'Options',
            sections: [{ title: 'Options', rows: items.map((b) => ({ id: b.id, title: b.caption })) }],
          },
        },
      },
    ]);
  });

  it('more than 10 reply buttons: several lists of at most 10 rows', () => {
    const items = Array.from({ length: 13 }, (_, i) => btn(i));
    const out = map({ buttons: { message: 'Pick one', items } });
    expect(out.map((m) => (m as { interactive: { type: string } }).interactive.type)).toEqual([
      'list',
      'list',
    ]);
    const rows = out.flatMap(
      (m) =>
        (m as { interactive: { action: { sections: { rows: { id: string }[] }[] } } }).interactive.action
          .sections[0]!.rows,
    );
    expect(rows.map((r) => r.id)).toEqual(items.map((b) => b.id));
  });

  it('a list row id over 200 falls back to the title', () => {
    const long = 'x'.repeat(230);
    const items = [...Array.from({ length: 3 }, (_, i) => btn(i)), btn(3, { id: long })];
    const [m] = map({ buttons: { message: 'Pick', items } });
    const rows = (m as { interactive: { action: { sections: { rows: { id: string }[] }[] } } }).interactive
      .action.sections[0]!.rows;
    expect(rows[3]!.id).toBe('Choice 3');
  });

  it('URL buttons: one cta_url message each', () => {
    const items = [
      btn(0, { caption: 'Open the shop', url: 'https://shop.example.com/' }),
      btn(1, { caption: 'Help', url: 'https://help.example.com/faq' }),
    ];
    expect(map({ buttons: { message: 'Links', items } })).toEqual(
      items.map((b) => ({
        ...head,
        type: 'interactive',
        interactive: {
          type: 'cta_url',
          body: { text: 'Links' },
          action: { name: 'cta_url', parameters: { display_text: b.caption, url: b.url } },
        },
      })),
    );
  });

  it('mixed: the reply buttons first, then one cta_url per URL button in item order', () => {
    const items = [
      btn(0, { caption: 'Site', url: 'https://example.com/' }),
      btn(1),
      btn(2, { caption: 'Docs', url: 'https://example.com/docs' }),
      btn(3),
    ];
    const out = map({ buttons: { message: 'Choose', items } });
    expect(out.map((m) => (m as { interactive: { type: string } }).interactive.type)).toEqual([
      'button',
      'cta_url',
      'cta_url',
    ]);
    expect(out[0]).toMatchObject({
      interactive: {
        action: { buttons: [{ reply: { id: 'b:0:1:main' } }, { reply: { id: 'b:0:3:main' } }] },
      },
    });
    expect(out[1]).toMatchObject({
      interactive: { action: { parameters: { url: 'https://example.com/' } } },
    });
    expect(out[2]).toMatchObject({
      interactive: { action: { parameters: { url: 'https://example.com/docs' } } },
    });
  });

  it('a URL that is not http(s) goes as a text', () => {
    const out = map({
      buttons: { message: 'Call', items: [btn(0, { caption: 'Call us', url: 'tel:+123' })] },
    });
    expect(out).toEqual([{ ...head, type: 'text', text: { preview_url: false, body: 'Call us: tel:+123' } }]);
  });

  it('a buttons message over 1024: the overflow goes first as text, the last part is the body', () => {
    const message = `${'a '.repeat(700)}end`;
    const out = map({ buttons: { message, items: [btn(0)] } });
    expect(out.map((m) => m.type)).toEqual(['text', 'interactive']);
    const first = (out[0] as { text: { body: string } }).text.body;
    const body = (out[1] as { interactive: { body: { text: string } } }).interactive.body.text;
    expect(`${first} ${body}`).toBe(message);
  });

  it('an empty buttons message gets a placeholder body; no items: only the text', () => {
    const [m] = map({ buttons: { message: '', items: [btn(0)] } });
    expect(m).toMatchObject({ interactive: { body: { text: '…' } } });
    expect(map({ buttons: { message: 'Just text', items: [] } })).toEqual([
      { ...head, type: 'text', text: { preview_url: false, body: 'Just text' } },
    ]);
  });

  it('list label is configurable', () => {
    const items = Array.from({ length: 4 }, (_, i) => btn(i));
    const [m] = toGraphMessages({ buttons: { message: 'x', items } }, USER, { listButtonLabel: 'Wähle' });
    expect(m).toMatchObject({ interactive: { action: { button: 'Wähle' } } });
  });
});

describe('helpers', () => {
  it('splitText cuts hard when there is no whitespace, never inside a code point', () => {
    const parts = splitText('😀'.repeat(10), 4);
    expect(parts).toEqual(['😀😀😀😀', '😀😀😀😀', '😀😀']);
  });

  it('cut and uniqueTitles', () => {
    expect(cut('abcdef', 4)).toBe('abc…');
    expect(cut('abcd', 4)).toBe('abcd');
    expect(uniqueTitles(['', 'A', 'a', 'a'], 20)).toEqual(['1', 'A', 'a 2', 'a 3']);
  });
});
