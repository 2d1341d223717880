// What each messaging channel can carry. Every channel limit the validator enforces is in this table
// and is checked in checkChannelLimits below, nowhere else. A limit left out is not checked.
// Lengths count Unicode code points of the text as written: {{variables}} are counted as written,
// since their values are only known in the session.
import { CHANNELS, type Channel } from '../../api/schema.ts';
import { issue } from './codes.ts';
import * as read from './read.ts';
import type { Issue } from './types.ts';

// Bound once: called in loops, and under vitest's module runner every call through an
// imported binding goes through an export getter (it made the benchmark ~25% slower).
const { buttonItemsOf, charCount, elementsOf, isRecord, stringAt } = read;
type JsonObject = read.JsonObject;

export interface ChannelLimits {
  /** Buttons in one message. */
  maxButtons?: number;
  /** Characters of one button caption. */
  maxCaptionLength?: number;
  /** Characters of the text sent with buttons (buttons.message). */
  maxButtonMessageLength?: number;
  /** Characters of a text message (text elements, closeSession.message). */
  maxTextLength?: number;
  /** Button URLs must use https. */
  httpsUrlsOnly?: boolean;
  /** Where the figures come from. */
  source: string;
}

export const CHANNEL_LIMITS: Readonly<Record<Channel, ChannelLimits>> = {
  WhatsApp: {
    maxButtons: 3,
    maxCaptionLength: 20,
    maxButtonMessageLength: 1024,
    maxTextLength: 4096,
    httpsUrlsOnly: true,
    source:
      'WhatsApp Business Platform: interactive messages have at most 3 reply buttons with titles of at ' +
      'most 20 characters and a body of at most 1024 characters; a text message body is at most 4096.',
  },
  Messenger: {
    maxButtons: 3,
    maxCaptionLength: 20,
    maxButtonMessageLength: 640,
    maxTextLength: 2000,
    source:
      'Messenger Platform: the button template has 1 to 3 buttons with titles of at most 20 characters ' +
      'and text of at most 640 characters; a text message is at most 2000 characters.',
  },
  Telegram: {
    maxButtonMessageLength: 4096,
    maxTextLength: 4096,
    source: 'Telegram Bot API: sendMessage text is at most 4096 characters.',
  },
  Viber: {
    maxButtonMessageLength: 7000,
    maxTextLength: 7000,
    source: 'Viber REST API: a text message is at most 7000 characters.',
  },
  SMS: { source: 'No limits: long texts are sent as concatenated SMS and buttons as numbered options.' },
  Http: { source: 'No limits: the Http channel is the operator’s own JSON API.' },
};

export function limitsOf(channel: unknown): ChannelLimits | undefined {
  return typeof channel === 'string' && (CHANNELS as readonly string[]).includes(channel)
    ? CHANNEL_LIMITS[channel as Channel]
    : undefined;
}

/** The URL's scheme when it parses (after {{variables}} are filled in), else undefined. */
export function urlProtocol(url: string): string | undefined {
  const filled = url.trim().replace(/\{\{[^}]*\}\}/g, 'x');
  return URL.canParse(filled) ? new URL(filled).protocol : undefined;
}

function tooLong(
  text: unknown,
  max: number | undefined,
  path: string,
  what: string,
  channel: string,
  issues: Issue[],
): void {
  const s = stringAt(text);
  if (s === undefined || max === undefined) return;
  const n = charCount(s);
  if (n > max) {
    issues.push(
      issue(
        'MessageTooLong',
        path,
        `${what} has ${n} characters; ${channel} allows at most ${max}`,
        `Shorten it to ${max} characters or split it into several text elements.`,
      ),
    );
  }
}

/** Checks every element against the limits of spec.channel. Unknown or missing channel: nothing. */
export function checkChannelLimits(spec: JsonObject): Issue[] {
  const channel = stringAt(spec.channel) ?? '';
  const limits = limitsOf(channel);
  if (!limits) return [];
  const issues: Issue[] = [];
  for (const { element, path } of elementsOf(spec)) {
    tooLong(element.text, limits.maxTextLength, `${path}.text`, 'The text message', channel, issues);
    if (isRecord(element.closeSession)) {
      tooLong(
        element.closeSession.message,
        limits.maxTextLength,
        `${path}.closeSession.message`,
        'The goodbye message',
        channel,
        issues,
      );
    }
    const buttons = element.buttons;
    if (!isRecord(buttons)) continue;
    const buttonsPath = `${path}.buttons`;
    tooLong(
      buttons.message,
      limits.maxButtonMessageLength,
      `${buttonsPath}.message`,
      'The button message',
      channel,
      issues,
    );
    const count = Array.isArray(buttons.items) ? buttons.items.length : 0;
    if (limits.maxButtons !== undefined && count > limits.maxButtons) {
      issues.push(
        issue(
          'ButtonsTooMany',
          `${buttonsPath}.items`,
          `${count} buttons in one message; ${channel} allows at most ${limits.maxButtons}`,
          `Keep ${limits.maxButtons} buttons and move the others to a follow-up buttons element.`,
        ),
      );
    }
    for (const { item, path: itemPath } of buttonItemsOf(buttons, buttonsPath)) {
      const caption = stringAt(item.caption);
      const max = limits.maxCaptionLength;
      if (caption !== undefined && max !== undefined && charCount(caption) > max) {
        issues.push(
          issue(
            'ButtonCaptionTooLong',
            `${itemPath}.caption`,
            `The caption has ${charCount(caption)} characters; ${channel} allows at most ${max}`,
            `Shorten the caption to ${max} characters and put details into the button message.`,
          ),
        );
      }
      const url = stringAt(item.url);
      if (limits.httpsUrlsOnly && url !== undefined && urlProtocol(url) === 'http:') {
        issues.push(
          issue(
            'ButtonUrlNotHttps',
            `${itemPath}.url`,
            `${channel} buttons only open https URLs`,
            'Use the https:// address of the page.',
          ),
        );
      }
    }
  }
  return issues;
}
