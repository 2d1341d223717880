// Text handling of the engine: {{attribute}} templates, whole-word keyword matching, caption
// comparison and stable button ids.

const TEMPLATE = /\{\{\s*([^{}]+?)\s*\}\}/g;

/**
 * Fills `{{attribute}}` (spaces inside the braces allowed: `{{ name }}`) from the attributes; a
 * missing attribute is the empty string. `{{}}` and unbalanced braces are left as written.
 * The result is at most `max` UTF-16 units (MAX_RENDERED_TEXT: WhatsApp's text limit): a longer one
 * is cut and ends with "…", and rendering stops there, so a template of many copies of a long
 * attribute costs no more than its limit (a text of 819 `{{a}}` never becomes megabytes).
 */
export function renderTemplate(
  template: string,
  attributes: Readonly<Record<string, string>>,
  max: number = MAX_RENDERED_TEXT,
): string {
  let out = '';
  let from = 0;
  for (const m of template.matchAll(TEMPLATE)) {
    const key = m[1]!.trim();
    out += template.slice(from, m.index) + (Object.hasOwn(attributes, key) ? (attributes[key] ?? '') : '');
    from = m.index + m[0].length;
    if (out.length > max) return `${truncate(out, max - 1)}…`;
  }
  out += template.slice(from);
  return out.length > max ? `${truncate(out, max - 1)}…` : out;
}

/** The longest text one reply carries, in UTF-16 units (WhatsApp's text body limit). */
export const MAX_RENDERED_TEXT = 4096;

const WORD = /[\p{L}\p{M}\p{N}_]+/gu;

/** The words of a text, lowercased: runs of letters, marks, digits and underscores. */
export function words(text: string): string[] {
  return text.normalize('NFC').toLowerCase().match(WORD) ?? [];
}

/** A keyword prepared for matching. */
export type Keyword = { words: string[] } | { symbol: string } | { never: true };

/**
 * Prepares a keyword. A keyword of words matches those words as a phrase, whole words only; a
 * keyword without any word character (an emoji, "?") matches when the text contains it; an
 * empty keyword never matches.
 */
export function compileKeyword(keyword: string): Keyword {
  const w = words(keyword);
  if (w.length > 0) return { words: w };
  const symbol = keyword.normalize('NFC').trim();
  return symbol ? { symbol } : { never: true };
}

/** Whether the text contains the keyword (text words given once, for many keywords). */
export function keywordMatches(keyword: Keyword, text: string, textWords: readonly string[]): boolean {
  if ('never' in keyword) return false;
  if ('symbol' in keyword) return text.normalize('NFC').includes(keyword.symbol);
  const k = keyword.words;
  for (let i = 0; i + k.length <= textWords.length; i++) {
    let j = 0;
    while (j < k.length && textWords[i + j] === k[j]) j++;
    if (j === k.length) return true;
  }
  return false;
}

/** A caption as compared with a message: trimmed, case-insensitive. */
export function captionKey(text: string): string {
  return text.normalize('NFC').trim().toLowerCase();
}

/** Cuts a text to at most `max` UTF-16 units without splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.charCodeAt(max - 1);
  return text.slice(0, cut >= 0xd800 && cut <= 0xdbff ? max - 1 : max);
}

/** FNV-1a, 32 bits, over UTF-16 units: a short deterministic digest for long button ids. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** The longest button id: WhatsApp's limit on a reply button id. */
export const MAX_BUTTON_ID = 256;

/**
 * The stable id of a reply button: `b:<element>:<item>:<dialog>`, the same for the same position in
 * the same definition, unique within a buttons element (the item index) and across the bot (dialog
 * and element index). A dialog name too long for 256 characters is cut and followed by a digest
 * of the whole name, so two long names that share their beginning still differ.
 */
export function buttonId(dialog: string, elementIndex: number, itemIndex: number): string {
  const prefix = `b:${elementIndex}:${itemIndex}:`;
  const id = prefix + dialog;
  if (id.length <= MAX_BUTTON_ID) return id;
  const digest = `~${fnv1a(dialog)}`;
  return prefix + truncate(dialog, MAX_BUTTON_ID - prefix.length - digest.length) + digest;
}
