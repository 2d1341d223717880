// `chatbot validate` run in memory through main(argv, io): exit codes, file:line:col of issues and
// of unreadable input, the JSON format, and Senders found in other files.
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import type { Validators } from '../../src/cli/validate.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(
  argv: string[],
  files: Record<string, string>,
  options: { stdin?: string; validators?: Validators } = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readFile: async (path) => {
      const text = files[path];
      if (text !== undefined) return text;
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    },
    readStdin: async () => options.stdin ?? '',
  };
  const code = await main(argv, io, options.validators);
  return { code, stdout, stderr };
}

const SENDER = `apiVersion: chatbots.dev/v1alpha1
kind: Sender
metadata:
  name: acme-whatsapp
spec:
  channel: WhatsApp
  address: "+385911234567"
  credentialsSecretRef: {name: acme-whatsapp}
`;

const bot = (caption = 'Talk to an agent', extra = '') => `apiVersion: chatbots.dev/v1alpha1
kind: Chatbot
metadata:
  name: acme-support${extra}
spec:
  channel: WhatsApp
  senderRef:
    name: acme-whatsapp
  definition:
    startDialog: welcome
    dialogs:
      - name: welcome
        elements:
          - buttons:
              message: "How can we help?"
              items:
                - caption: ${JSON.stringify(caption)}
                  goTo: agent
      - name: agent
        elements:
          - toAgent: {}
`;

const VALID = `${SENDER}---\n${bot()}`;
// The caption "" is on line 17 of the Chatbot document, which starts on line 9 of the file.
const CAPTION_EMPTY = `${SENDER}---\n${bot('')}`;

describe('chatbot validate: exit codes and text output', () => {
  it('exits 0 and prints only the summary for a valid file', async () => {
    const r = await run(['validate', 'bot.yaml'], { 'bot.yaml': VALID });
    expect(r).toEqual({
      code: 0,
      stdout: '0 errors, 0 warnings in 1 chatbot and 1 sender (1 file)\n',
      stderr: '',
    });
  });

  it('exits 1 and prints the error at the file:line:col of the offending node', async () => {
    const r = await run(['validate', 'bot.yaml'], { 'bot.yaml': CAPTION_EMPTY });
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'bot.yaml:26:19: error ButtonCaptionEmpty Button caption must not be empty ' +
        '(spec.definition.dialogs[0].elements[0].buttons.items[0].caption)',
    );
    expect(lines[1]).toMatch(/^ {4}hint: \S/);
    expect(lines.at(-1)).toBe('1 error, 0 warnings in 1 chatbot and 1 sender (1 file)');
    expect(CAPTION_EMPTY.split('\n')[25]!.slice(18)).toBe('caption: ""');
    expect(r.stderr).toBe('');
  });

  it('exits 0 on warnings only', async () => {
    const r = await run(['validate', 'bot.yaml'], { 'bot.yaml': bot() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^bot\.yaml:8:5: warning SenderNotChecked .* \(spec\.senderRef\.name\)$/m);
    expect(r.stdout).toMatch(/^0 errors, 1 warning in 1 chatbot \(1 file\)$/m);
  });

  it('points at the nearest existing ancestor when the field is missing', async () => {
    const noSender = bot().replace('  senderRef:\n    name: acme-whatsapp\n', '');
    const r = await run(['validate', 'bot.yaml'], { 'bot.yaml': noSender });
    expect(r.code).toBe(1);
    // spec.senderRef is absent: the issue is reported at `spec:`
    expect(r.stdout).toMatch(/^bot\.yaml:5:1: error ChannelSenderUndefined .*\(spec\.senderRef\)$/m);
  });

  it('places issues with an injected validator exactly where their paths point', async () => {
    const validators: Validators = {
      validateChatbot: () => [
        { severity: 'Warning', code: 'W', path: 'spec.definition.dialogs[1].name', message: 'w' },
        {
          severity: 'Error',
          code: 'E',
          path: 'spec.definition.dialogs[0].elements[0].buttons.message',
          message: 'e',
        },
        { severity: 'Error', code: 'M', path: 'spec.schedule.timeZone', message: 'missing', hint: 'h' },
      ],
      validateSender: () => [],
    };
    const r = await run(['validate', 'bot.yaml'], { 'bot.yaml': VALID }, { validators });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        // sorted by position: spec.schedule is missing, so its issue is at `spec:`
        'bot.yaml:14:1: error M missing (spec.schedule.timeZone)',
        '    hint: h',
        'bot.yaml:24:15: error E e (spec.definition.dialogs[0].elements[0].buttons.message)',
        'bot.yaml:28:9: warning W w (spec.definition.dialogs[1].name)',
        '2 errors, 1 warning in 1 chatbot and 1 sender (1 file)',
        '',
      ].join('\n'),
    );
  });

  it('reads standard input for -', async () => {
    const r = await run(['validate', '-'], {}, { stdin: CAPTION_EMPTY });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^<stdin>:26:19: error ButtonCaptionEmpty /m);
  });
});

describe('chatbot validate: Senders across files and namespaces', () => {
  it('finds the Sender in another file', async () => {
    const r = await run(['validate', 'bot.yaml', 'sender.yaml'], {
      'bot.yaml': bot(),
      'sender.yaml': SENDER,
    });
    expect(r).toMatchObject({
      code: 0,
      stdout: '0 errors, 0 warnings in 1 chatbot and 1 sender (2 files)\n',
    });
  });

  it('warns that the Sender was not checked when it is not in the files', async () => {
    const r = await run(['validate', 'bot.yaml'], { 'bot.yaml': bot() });
    expect(r.stdout).toContain('SenderNotChecked');
  });

  it('looks in the chatbot’s namespace only (metadata.namespace, default "default")', async () => {
    const inTeamA = SENDER.replace('  name: acme-whatsapp\n', '  name: acme-whatsapp\n  namespace: team-a\n');
    const r = await run(['validate', 'bot.yaml', 'sender.yaml'], {
      'bot.yaml': bot(),
      'sender.yaml': inTeamA,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('SenderNotChecked');
    // --namespace sets the namespace of documents without one
    const r2 = await run(['validate', '-n', 'team-a', 'bot.yaml', 'sender.yaml'], {
      'bot.yaml': bot(),
      'sender.yaml': inTeamA,
    });
    expect(r2.stdout).toBe('0 errors, 0 warnings in 1 chatbot and 1 sender (2 files)\n');
  });

  it('reports a Sender on another channel in another file', async () => {
    const sms = SENDER.replace('channel: WhatsApp', 'channel: SMS');
    const r = await run(['validate', 'bot.yaml', 'sender.yaml'], { 'bot.yaml': bot(), 'sender.yaml': sms });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^bot\.yaml:6:3: error ChannelSenderUndefined .*"SMS".*\(spec\.channel\)$/m);
  });

  it('validates Senders too', async () => {
    const bad = SENDER.replace('"+385911234567"', '"091 123 4567"');
    const r = await run(['validate', 'sender.yaml'], { 'sender.yaml': bad });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^sender\.yaml:7:3: error AddressNotE164 .*\(spec\.address\)$/m);
  });
});

describe('chatbot validate: unreadable input exits 2 with one line per problem', () => {
  it.each([
    [
      'broken YAML',
      `${SENDER}---\nkind: Chatbot\nspec:\n  channel: [WhatsApp\n`,
      /^bot\.yaml:1[23]:\d+: error InvalidYAML \S.*$/,
    ],
    ['a duplicate key', 'kind: Sender\nkind: Chatbot\n', /^bot\.yaml:2:1: error InvalidYAML .*unique.*$/],
    [
      'an unknown kind',
      `${SENDER}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n`,
      /^bot\.yaml:11:7: error UnknownKind unknown kind "ConfigMap": want Chatbot or Sender \(chatbots\.dev\/v1alpha1\)$/,
    ],
    [
      'a missing kind',
      'apiVersion: chatbots.dev/v1alpha1\nmetadata: {name: x}\n',
      /^bot\.yaml:1:1: error UnknownKind kind is missing: want Chatbot or Sender \(chatbots\.dev\/v1alpha1\)$/,
    ],
    [
      'a wrong apiVersion',
      bot().replace('chatbots.dev/v1alpha1', 'chatbots.dev/v1'),
      /^bot\.yaml:1:13: error WrongApiVersion apiVersion "chatbots\.dev\/v1" is not supported: want chatbots\.dev\/v1alpha1$/,
    ],
    [
      'a document that is a list',
      `${SENDER}---\n- kind: Chatbot\n`,
      /^bot\.yaml:10:1: error NotAnObject a document must be a Chatbot or Sender object, found a list$/,
    ],
    [
      'a document that is a string',
      'just some text\n',
      /^bot\.yaml:1:1: error NotAnObject a document must be a Chatbot or Sender object, found a string$/,
    ],
  ])('%s', async (_what, text, line) => {
    const r = await run(['validate', 'bot.yaml'], { 'bot.yaml': text });
    expect(r.code).toBe(2);
    const errors = r.stderr.trimEnd().split('\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(line);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stdout).toMatch(/; 1 input error\n$/);
  });

  it('reports the position of a YAML syntax error', async () => {
    const r = await run(['validate', 'bot.yaml'], { 'bot.yaml': `${SENDER}---\nmetadata:\n  name: a: b\n` });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'bot.yaml:11:9: error InvalidYAML Nested mappings are not allowed in compact mappings\n',
    );
  });

  it('a missing file', async () => {
    const r = await run(['validate', 'missing.yaml'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('missing.yaml: error FileUnreadable cannot read file: no such file or directory\n');
    expect(r.stdout).toBe('0 errors, 0 warnings in 0 chatbots (0 files); 1 input error\n');
  });

  it('still validates the other files and documents', async () => {
    const r = await run(['validate', 'missing.yaml', 'bot.yaml'], { 'bot.yaml': CAPTION_EMPTY });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('bot.yaml:26:19: error ButtonCaptionEmpty');
  });

  it('skips empty documents', async () => {
    const r = await run(['validate', 'bot.yaml'], {
      'bot.yaml': `# comment\n---\n${VALID}---\n---\nnull\n---\n`,
    });
    expect(r.code).toBe(0);
    const empty = await run(['validate', 'empty.yaml'], { 'empty.yaml': '' });
    expect(empty).toMatchObject({ code: 0, stdout: '0 errors, 0 warnings in 0 chatbots (1 file)\n' });
  });
});

describe('chatbot validate --format json', () => {
  it('prints one array with positions, hints and the document', async () => {
    const r = await run(['validate', '--format', 'json', 'bot.yaml', 'missing.yaml'], {
      'bot.yaml': CAPTION_EMPTY,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('');
    const entries = JSON.parse(r.stdout);
    expect(entries).toEqual([
      {
        file: 'missing.yaml',
        line: null,
        column: null,
        severity: 'Error',
        code: 'FileUnreadable',
        message: 'cannot read file: no such file or directory',
        path: '',
        hint: null,
        document: null,
      },
      {
        file: 'bot.yaml',
        line: 26,
        column: 19,
        severity: 'Error',
        code: 'ButtonCaptionEmpty',
        message: 'Button caption must not be empty',
        path: 'spec.definition.dialogs[0].elements[0].buttons.items[0].caption',
        hint: expect.any(String),
        document: { kind: 'Chatbot', namespace: 'default', name: 'acme-support' },
      },
    ]);
  });

  it('prints [] for a valid file and exits 0; -o is short for --format', async () => {
    const r = await run(['validate', '-o', 'json', 'bot.yaml'], { 'bot.yaml': VALID });
    expect(r).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
  });
});

describe('chatbot usage', () => {
  it.each([
    [['--help'], 0, 'stdout', /^Usage: chatbot <command>/],
    [['validate', '--help'], 0, 'stdout', /^Usage: chatbot validate \[options\] FILE\.\.\./],
    [[], 2, 'stderr', /^Usage: chatbot <command>/],
    [['frobnicate'], 2, 'stderr', /^chatbot: unknown command "frobnicate"\n/],
    [['validate'], 2, 'stderr', /^chatbot: validate needs at least one FILE/],
    [
      ['validate', '--format', 'xml', 'a.yaml'],
      2,
      'stderr',
      /^chatbot: unknown format "xml": want text or json\n/,
    ],
    [['validate', '--bogus', 'a.yaml'], 2, 'stderr', /^chatbot: Unknown option '--bogus'/],
  ] as const)('%j exits %i', async (argv, code, stream, text) => {
    const r = await run([...argv], {});
    expect(r.code).toBe(code);
    expect(r[stream]).toMatch(text);
  });
});
