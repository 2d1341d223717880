// `kubectl chatbot chat -f FILE` with standard input from a pipe: one message per line through the
// runtime's dialog engine, the transcript printed: numbered reply buttons (the number presses one),
// URL buttons with their link, intent routing, templates, hand-over and closed sessions.
import { describe, expect, it } from 'vitest';
import { memoryIO } from '../../src/cli/plugin/io.ts';
import { main } from '../../src/cli/plugin/main.ts';

const HI = 'bot: Hi! I am the Acme assistant. Ask me about an order, a return or our opening hours.';

async function chat(
  stdin: string,
  argv = ['chat', '-f', 'examples/ai-assistant.yaml'],
  files?: Record<string, string>,
) {
  const io = memoryIO({ stdin, now: new Date('2027-03-01T10:00:00Z'), ...(files ? { files } : {}) });
  const code = await main(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

describe('chat over standard input (examples/ai-assistant.yaml)', () => {
  it('routes free text by intent, fills templates, closes the session', async () => {
    const r = await chat('Hello\nwhere is my order\nACM-20417\nwhat time do you close on saturday\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'you: Hello',
        HI,
        'you: where is my order',
        'bot: Please send me your order number (it starts with ACM).',
        'you: ACM-20417',
        'bot: Thanks! You can follow order ACM-20417 at https://acme.example/track',
        'bot: Anything else? Just write to us again.',
        '-- session closed: the next message starts a new session',
        'you: what time do you close on saturday',
        HI,
        '',
      ].join('\n'),
    );
  });

  it('shows reply buttons numbered, URL buttons with their link; the number presses the button', async () => {
    const r = await chat('hi\nI want to return an item\n1\nhello?\n/new\nhi\nopening hours on saturday\n');
    expect(r.stdout).toBe(
      [
        'you: hi',
        HI,
        'you: I want to return an item',
        'bot: You can return any item within 30 days. How would you like to continue?',
        '     -  Return form: https://acme.example/returns',
        '     1. Talk to an agent',
        'you: 1 (Talk to an agent)',
        '-- handed over to a human agent (queue support): the bot stops answering this session (/new starts a new one)',
        'you: hello?',
        '-- no reply: a human agent has this session (/new starts a new one)',
        '-- new session',
        'you: hi',
        HI,
        'you: opening hours on saturday',
        'bot: Our stores are open Monday to Saturday, 8:00 to 20:00.',
        '-- session closed: the next message starts a new session',
        '',
      ].join('\n'),
    );
  });

  it('a number with no button to press is text (here: the fallback dialog)', async () => {
    const r = await chat('hi\n1\n');
    expect(r.stdout).toBe(
      [
        'you: hi',
        HI,
        'you: 1',
        'bot: Sorry, I did not understand that. Let me connect you with a colleague.',
        '-- handed over to a human agent (queue support): the bot stops answering this session (/new starts a new one)',
        '',
      ].join('\n'),
    );
  });

  it('empty lines are skipped and /quit ends the conversation', async () => {
    const r = await chat('\nhi\n\n/quit\nwhere is my order\n');
    expect(r.stdout).toBe(['you: hi', HI, ''].join('\n'));
  });
});

describe('chat -f with other definitions', () => {
  const manifest = (name: string, text: string) => `apiVersion: chatbots.dev/v1alpha1
kind: Chatbot
metadata: {name: ${name}}
spec:
  definition:
    dialogs:
    - name: welcome
      elements:
      - text: "${text}"
      - buttons:
          message: "Pick one"
          items: [{caption: Orders, goTo: orders}, {caption: Billing, goTo: billing}]
    - name: orders
      elements: [{text: "Orders here."}]
    - name: billing
      elements: [{goTo: nowhere}]
`;
  const files = {
    'bots.yaml': `${manifest('one', 'Hi {{name}}!')}---\n${manifest('two', 'Hello from two')}`,
  };

  it('NAME picks one of several Chatbots; --attr seeds session attributes; a press by caption works', async () => {
    const r = await chat(
      'hey\nbilling\nhey\n2\n',
      ['chat', '-f', 'bots.yaml', 'one', '--attr', 'name=Ana'],
      files,
    );
    expect(r.stdout).toBe(
      [
        'you: hey',
        'bot: Hi Ana!',
        'bot: Pick one',
        '     1. Orders',
        '     2. Billing',
        'you: billing',
        '-- definition problem: UnknownDialog (nowhere) in dialog billing element 0',
        'you: hey',
        'bot: Hi Ana!',
        'bot: Pick one',
        '     1. Orders',
        '     2. Billing',
        'you: 2 (Billing)',
        '-- definition problem: UnknownDialog (nowhere) in dialog billing element 0',
        '',
      ].join('\n'),
    );
  });

  it('several Chatbots and no NAME, or an unknown NAME: one line, exit 1', async () => {
    expect(await chat('', ['chat', '-f', 'bots.yaml'], files)).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: bots.yaml has 2 Chatbots (one, two): name one (see 'kubectl chatbot chat --help')\n",
    });
    expect((await chat('', ['chat', '-f', 'bots.yaml', 'three'], files)).stderr).toBe(
      'error: bots.yaml has no Chatbot "three" (it has one, two)\n',
    );
    expect((await chat('', ['chat', '-f', 'x.yaml'], { 'x.yaml': 'kind: Sender\n' })).stderr).toBe(
      'error: x.yaml has no Chatbot\n',
    );
  });

  it('prints bot text without terminal escape sequences or other control characters', async () => {
    // An editor of the Chatbot writes escapes: clear the screen, a fake prompt, a hidden colour.
    const hostile = manifest(
      'evil',
      String.raw`\u001b[2J\u001b[31mred\u001b[0m \u0007bell \u202eevil\u202c ok`,
    );
    const r = await chat('hi\n', ['chat', '-f', 'evil.yaml'], { 'evil.yaml': hostile });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('bot: red \ufffdbell \ufffdevil\ufffd ok\n');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character may be printed
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  });
});
