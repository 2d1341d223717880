import { describe, expect, it } from 'vitest';
import {
  buttonId,
  captionKey,
  compileKeyword,
  keywordMatches,
  MAX_BUTTON_ID,
  MAX_RENDERED_TEXT,
  renderTemplate,
  words,
} from './text.ts';

describe('renderTemplate', () => {
  it.each([
    ['Hi {{name}}!', { name: 'Ana' }, 'Hi Ana!'],
    ['Hi {{name}}!', {}, 'Hi !'],
    ['Hi {{ name }}!', { name: 'Ana' }, 'Hi Ana!'],
    ['Hi {{\tname  }}!', { name: 'Ana' }, 'Hi Ana!'],
    ['{{a}}{{b}}', { a: '1', b: '2' }, '12'],
    ['{{first name}}', { 'first name': 'Ana' }, 'Ana'],
    ['{{constructor}}{{__proto__}}{{toString}}', {}, ''],
    ['{{}} and {{name', { name: 'Ana' }, '{{}} and {{name'],
    ['{{ {{name}} }}', { name: 'Ana' }, '{{ Ana }}'],
    ['no braces', { name: 'Ana' }, 'no braces'],
    ['{{name}}', { name: '{{other}}' }, '{{other}}'],
  ])('%j with %j → %j', (template, attributes, expected) => {
    expect(renderTemplate(template, attributes)).toBe(expected);
  });
});

describe('keywords: whole words, case-insensitive, phrases as a sequence of words', () => {
  it.each([
    ['agent', 'an agent please', true],
    ['agent', 'AGENT!', true],
    ['agent', 'agent,please', true],
    ['agent', 'agents', false],
    ['agent', 'reagent', false],
    ['agent', 'age nt', false],
    ['talk to a human', 'can I talk to a human now?', true],
    ['talk to a human', 'Talk  to   a HUMAN', true],
    ['talk to a human', 'talk to the human', false],
    ['talk to a human', 'a human to talk to', false],
    ["don't", "I don't know", true],
    ["don't", 'I don’t know', true], // punctuation only separates words: any apostrophe will do
    ['café', 'CAFÉ open?', true],
    ['order 66', 'execute order 66', true],
    ['👍', 'ok 👍', true],
    ['👍', 'ok', false],
    ['', 'anything', false],
    ['   ', 'anything', false],
  ])('keyword %j in %j: %s', (keyword, text, expected) => {
    expect(keywordMatches(compileKeyword(keyword), text, words(text))).toBe(expected);
  });

  it('splits words on anything but letters, marks, digits and underscores', () => {
    expect(words('Hi, Ana-Marija! order_no 42')).toEqual(['hi', 'ana', 'marija', 'order_no', '42']);
  });
});

describe('captionKey', () => {
  it.each([
    ['Orders', '  oRDERS '],
    ['Talk to an agent', 'talk to an agent'],
  ])('%j equals %j', (a, b) => {
    expect(captionKey(a)).toBe(captionKey(b));
  });
});

describe('buttonId', () => {
  const long = 'd'.repeat(253);
  it.each([
    ['welcome', 1, 0, 'b:1:0:welcome'],
    ['welcome', 1, 2, 'b:1:2:welcome'],
    ['a', 199, 15, 'b:199:15:a'],
  ])('(%j, %i, %i) → %j', (dialog, e, i, id) => {
    expect(buttonId(dialog, e, i)).toBe(id);
  });

  it('is deterministic, at most 256 characters, unique per item, element and dialog', () => {
    const ids = new Set<string>();
    for (const dialog of ['welcome', long, `${long.slice(1)}x`, `${'😀'.repeat(126)}x`]) {
      for (let e = 0; e < 200; e += 37) {
        for (let i = 0; i < 16; i++) {
          const id = buttonId(dialog, e, i);
          expect(id).toBe(buttonId(dialog, e, i));
          expect(id.length).toBeLessThanOrEqual(MAX_BUTTON_ID);
          expect(id.isWellFormed()).toBe(true);
          ids.add(id);
        }
      }
    }
    expect(ids.size).toBe(4 * 6 * 16);
  });
});

describe('renderTemplate: bounded whatever the definition', () => {
  const answer = 'a'.repeat(4096); // the longest stored answer (MAX_STORED_TEXT)

  it('819 copies of a 4096-character answer render at most 4096 characters, ending with "…"', () => {
    const out = renderTemplate('{{a}}'.repeat(819), { a: answer });
    expect(out.length).toBe(MAX_RENDERED_TEXT);
    expect(out.endsWith('…')).toBe(true);
    expect(out.slice(0, -1)).toBe(answer.slice(0, MAX_RENDERED_TEXT - 1));
  });

  it('a text within the limit is rendered whole; the cut never splits a surrogate pair', () => {
    expect(renderTemplate('Hi {{ name }}!', { name: 'Ana' })).toBe('Hi Ana!');
    const out = renderTemplate('{{e}}', { e: '😀'.repeat(3000) });
    expect(out.length).toBeLessThanOrEqual(MAX_RENDERED_TEXT);
    expect(out.isWellFormed()).toBe(true);
  });
});
