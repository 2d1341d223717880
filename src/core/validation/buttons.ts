// The seed's button errors (message, caption, URL must not be empty) and URLs that cannot be opened.
// Channel-specific button limits (count, caption length, https) are in channel-limits.ts.
import { urlProtocol } from './channel-limits.ts';
import { issue, SEED_MESSAGES } from './codes.ts';
import * as read from './read.ts';
import type { Issue } from './types.ts';

// Bound once: called in loops, and under vitest's module runner every call through an
// imported binding goes through an export getter (it made the benchmark ~25% slower).
const { buttonItemsOf, elementsOf, isBlank, isRecord, quote } = read;
type JsonObject = read.JsonObject;

const missingOrBlank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && isBlank(v));

export function checkButtons(spec: JsonObject): Issue[] {
  const issues: Issue[] = [];
  for (const { element, path } of elementsOf(spec)) {
    const buttons = element.buttons;
    if (!isRecord(buttons)) continue;
    const buttonsPath = `${path}.buttons`;
    if (missingOrBlank(buttons.message)) {
      issues.push(
        issue(
          'ButtonMessageEmpty',
          `${buttonsPath}.message`,
          SEED_MESSAGES.ButtonMessageEmpty,
          'Write the text shown along with the buttons in buttons.message.',
        ),
      );
    }
    for (const { item, path: itemPath } of buttonItemsOf(buttons, buttonsPath)) {
      if (missingOrBlank(item.caption)) {
        issues.push(
          issue(
            'ButtonCaptionEmpty',
            `${itemPath}.caption`,
            SEED_MESSAGES.ButtonCaptionEmpty,
            'Write the text shown inside the button in caption.',
          ),
        );
      }
      if (!Object.hasOwn(item, 'url')) continue;
      const url = item.url;
      if (missingOrBlank(url)) {
        issues.push(
          issue(
            'ButtonUrlEmpty',
            `${itemPath}.url`,
            SEED_MESSAGES.ButtonUrlEmpty,
            'Provide the https:// address the button opens, or remove url to make it a reply button.',
          ),
        );
      } else if (typeof url === 'string' && !url.trim().startsWith('{{')) {
        // A URL that is one {{variable}} as a whole is only known in the session.
        const protocol = urlProtocol(url);
        if (protocol !== 'http:' && protocol !== 'https:') {
          issues.push(
            issue(
              'ButtonUrlInvalid',
              `${itemPath}.url`,
              `Button action URL ${quote(url)} is not a valid http(s) URL`,
              'Write an absolute address starting with https://, e.g. https://example.com/orders.',
            ),
          );
        }
      }
    }
  }
  return issues;
}
