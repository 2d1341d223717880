// The examples are what users copy: `chatbot validate examples/*.yaml` passes, and each file in
// examples/errors/ produces exactly the issue code its name says, at the place and with the output
// its header comment shows.
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** Runs the CLI on paths relative to the repository root, as the header comments show them. */
async function validate(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readFile: (path) => readFile(join(ROOT, path), 'utf8'),
    readStdin: async () => '',
  };
  const code = await main(['validate', ...args], io);
  return { code, stdout, stderr };
}

const yamlIn = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => `${dir}/${f}`);

const examples = yamlIn('examples');
const errorExamples = yamlIn('examples/errors');

/** button-message-empty.yaml -> ButtonMessageEmpty */
const codeOf = (file: string) =>
  file
    .replace(/^.*\//, '')
    .replace(/\.yaml$/, '')
    .split('-')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

/** The lines the header comment says `chatbot validate FILE` prints. */
function documentedOutput(file: string): string[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const start = lines.indexOf(`#   $ chatbot validate ${file}`);
  if (start < 0) throw new Error(`${file}: no "#   $ chatbot validate ${file}" line in the header`);
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('#   ')) break;
    out.push(line.slice(4));
  }
  return out;
}

describe('examples/', () => {
  it('has the examples the docs refer to', () => {
    expect(examples).toEqual(
      expect.arrayContaining([
        'examples/whatsapp-minimal.yaml',
        'examples/ai-assistant.yaml',
        'examples/scheduled-campaign.yaml',
        'examples/weekly-window.yaml',
        'examples/test-sender.yaml',
        'examples/takeover.yaml',
      ]),
    );
    expect(errorExamples.map(codeOf).sort()).toEqual(
      [
        'ButtonMessageEmpty',
        'ButtonCaptionEmpty',
        'ButtonUrlEmpty',
        'ChannelSenderUndefined',
        'TrainingPhrasesUnbalanced',
        'IntentConfusion',
      ].sort(),
    );
  });

  it('chatbot validate examples/*.yaml exits 0 without a single issue', async () => {
    const r = await validate(...examples);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^0 errors, 0 warnings in \d+ chatbots and \d+ senders \(\d+ files\)\n$/);
    expect(r.code).toBe(0);
  });

  it('each example is valid on its own too (its Sender is in the same file)', async () => {
    for (const file of examples) {
      const r = await validate(file);
      expect(r.stdout, file).toMatch(/^0 errors, 0 warnings in /);
    }
  });

  it.each(errorExamples)('%s reports exactly its code, as its header shows', async (file) => {
    const r = await validate(file);
    const code = codeOf(file);
    const issues = r.stdout.split('\n').filter((l) => l.startsWith(`${file}:`));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(new RegExp(`^${file}:\\d+:\\d+: (error|warning) ${code} `));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(issues[0]!.includes(': error ') ? 1 : 0);
    expect(r.stdout.trimEnd().split('\n')).toEqual(documentedOutput(file));
  });

  it('the JSON output names the code and the document of each error example', async () => {
    const r = await validate('--format', 'json', ...errorExamples);
    const entries = JSON.parse(r.stdout) as { file: string; code: string; document: { kind: string } }[];
    expect(entries.map((e) => [e.file, e.code, e.document.kind])).toEqual(
      errorExamples.map((f) => [f, codeOf(f), 'Chatbot']),
    );
  });
});
