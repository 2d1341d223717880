import { describe, expect, it } from 'vitest';
import { LineCounter, parseAllDocuments } from 'yaml';
import { formatPath, locate, parsePath } from '../../src/cli/yaml-positions.ts';

function parse(src: string) {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(src, { lineCounter, merge: true });
  if (!Array.isArray(docs) || docs.length === 0) throw new Error('no documents');
  return { docs, lineCounter };
}

const BOT = `# Acme support bot
apiVersion: chatbots.dev/v1alpha1
kind: Chatbot
metadata:
  name: acme-support
spec:
  channel: WhatsApp
  definition:
    dialogs:
    - name: welcome
      elements:
      - text: "Hi!"
      - buttons:
          message: "How can we help?"
          items:
          - caption: Orders
            goTo: orders
          - {caption: "", url: "https://acme.example"}
    - name: orders
      elements: []
`;

describe('parsePath', () => {
  it.each([
    ['', []],
    ['spec', ['spec']],
    ['.spec.channel', ['spec', 'channel']],
    ['$.spec.channel', ['spec', 'channel']],
    [
      'spec.definition.dialogs[2].elements[0].buttons.items[1].caption',
      ['spec', 'definition', 'dialogs', 2, 'elements', 0, 'buttons', 'items', 1, 'caption'],
    ],
    [
      'metadata.annotations["chatbots.dev/reactivate"]',
      ['metadata', 'annotations', 'chatbots.dev/reactivate'],
    ],
    ["metadata.labels['app.kubernetes.io/name']", ['metadata', 'labels', 'app.kubernetes.io/name']],
    [
      'spec.definition.dialogs[welcome].elements[3]',
      ['spec', 'definition', 'dialogs', 'welcome', 'elements', 3],
    ],
    ['spec.schedule.windows[0]', ['spec', 'schedule', 'windows', 0]],
  ] as const)('%j', (path, expected) => {
    expect(parsePath(path)).toEqual(expected);
  });

  it('does not throw on a malformed path', () => {
    expect(parsePath('spec.items[1')).toEqual(['spec', 'items', '[1']);
    expect(parsePath('spec..a')).toEqual(['spec', 'a']);
  });

  it('formats segments back into the same notation', () => {
    const path = 'spec.definition.dialogs[2].elements[0].buttons.items[1].caption';
    expect(formatPath(parsePath(path))).toBe(path);
    expect(formatPath(['metadata', 'annotations', 'chatbots.dev/x'])).toBe(
      'metadata.annotations["chatbots.dev/x"]',
    );
  });
});

describe('locate', () => {
  const { docs, lineCounter } = parse(BOT);
  const doc = docs[0]!;

  it.each([
    // a map entry is reported at its key
    ['spec', 6, 1],
    ['spec.channel', 7, 3],
    ['spec.definition.dialogs', 9, 5],
    // a list item at its first character
    ['spec.definition.dialogs[0]', 10, 7],
    ['spec.definition.dialogs[0].elements[1].buttons.message', 14, 11],
    ['spec.definition.dialogs[0].elements[1].buttons.items[0].caption', 16, 13],
    // flow collections
    ['spec.definition.dialogs[0].elements[1].buttons.items[1]', 18, 13],
    ['spec.definition.dialogs[0].elements[1].buttons.items[1].caption', 18, 14],
    ['spec.definition.dialogs[0].elements[1].buttons.items[1].url', 18, 27],
    // a list item selected by name
    ['spec.definition.dialogs[orders].elements', 20, 7],
  ] as const)('%s is at %i:%i', (path, line, column) => {
    expect(locate(doc, path, lineCounter)).toMatchObject({ line, column, exact: true });
  });

  it('points at the nearest existing ancestor when the node is missing', () => {
    // a required field left out: the item it belongs to
    expect(locate(doc, 'spec.definition.dialogs[0].elements[1].buttons.items[0].url', lineCounter)).toEqual({
      line: 16,
      column: 13,
      exact: false,
      found: ['spec', 'definition', 'dialogs', 0, 'elements', 1, 'buttons', 'items', 0],
    });
    // an index past the end: the list's key
    expect(locate(doc, 'spec.definition.dialogs[7].name', lineCounter)).toMatchObject({
      line: 9,
      column: 5,
      exact: false,
    });
    // a missing top-level field: its parent's key
    expect(locate(doc, 'spec.senderRef.name', lineCounter)).toMatchObject({
      line: 6,
      column: 1,
      exact: false,
    });
    // below an empty list
    expect(locate(doc, 'spec.definition.dialogs[1].elements[0]', lineCounter)).toMatchObject({
      line: 20,
      column: 7,
      exact: false,
    });
  });

  it('points at the document start for the root and for a path that is not there at all', () => {
    expect(locate(doc, '', lineCounter)).toMatchObject({ line: 2, column: 1, exact: true });
    expect(locate(doc, 'status.state', lineCounter)).toMatchObject({ line: 2, column: 1, exact: false });
  });

  it('can report the value instead of the key', () => {
    expect(locate(doc, 'kind', lineCounter, { at: 'value' })).toMatchObject({ line: 3, column: 7 });
    expect(locate(doc, 'kind', lineCounter)).toMatchObject({ line: 3, column: 1 });
  });

  it('does not descend into scalars', () => {
    expect(locate(doc, 'spec.channel.name', lineCounter)).toMatchObject({ line: 7, column: 3, exact: false });
    expect(locate(doc, 'spec.definition.dialogs.name', lineCounter)).toMatchObject({ line: 9, column: 5 });
  });

  it('counts lines across documents of a multi-document file', () => {
    const multi = parse(`kind: Sender
spec:
  address: "+385911234567"
---
kind: Chatbot
spec:
  senderRef:
    name: acme
`);
    expect(locate(multi.docs[0]!, 'spec.address', multi.lineCounter)).toMatchObject({ line: 3, column: 3 });
    expect(locate(multi.docs[1]!, 'spec.senderRef.name', multi.lineCounter)).toMatchObject({
      line: 8,
      column: 5,
    });
    expect(locate(multi.docs[1]!, '', multi.lineCounter)).toMatchObject({ line: 5, column: 1 });
  });

  it('follows aliases and merge keys', () => {
    const { docs, lineCounter } = parse(`base: &defaults
  takeover: {mode: Graceful}
  sessionTimeout: 30m
spec:
  <<: *defaults
  channel: SMS
  items: &items
  - caption: A
copy: *items
`);
    const d = docs[0]!;
    expect(locate(d, 'spec.channel', lineCounter)).toMatchObject({ line: 6, column: 3, exact: true });
    // a merged key is found where it is written
    expect(locate(d, 'spec.sessionTimeout', lineCounter)).toMatchObject({ line: 3, column: 3, exact: true });
    expect(locate(d, 'spec.takeover.mode', lineCounter)).toMatchObject({ line: 2, column: 14, exact: true });
    expect(locate(d, 'copy[0].caption', lineCounter)).toMatchObject({ line: 8, column: 5, exact: true });
  });

  it('handles an empty value and a top-level sequence', () => {
    const { docs, lineCounter } = parse(`spec:
  caption:
- 1
`);
    // invalid YAML mixes map and seq; only assert that locate never throws
    expect(() => locate(docs[0]!, 'spec.caption.x', lineCounter)).not.toThrow();
    const seq = parse('- a\n- b: 1\n');
    expect(locate(seq.docs[0]!, '[1].b', seq.lineCounter)).toMatchObject({ line: 2, column: 3, exact: true });
    const empty = parse('spec:\n  caption:\n');
    expect(locate(empty.docs[0]!, 'spec.caption', empty.lineCounter)).toMatchObject({
      line: 2,
      column: 3,
      exact: true,
    });
    expect(locate(empty.docs[0]!, 'spec.caption.x', empty.lineCounter)).toMatchObject({
      line: 2,
      column: 3,
      exact: false,
    });
  });
});
