// `kubectl chatbot` without a cluster: help texts, argument parsing, and the one-line errors (exit
// 1, never a stack trace) for bad usage, bad flags, a missing kubeconfig or context.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitCommand } from '../../src/cli/plugin/args.ts';
import { COMMANDS, HELP, TOP_HELP } from '../../src/cli/plugin/help.ts';
import { memoryIO } from '../../src/cli/plugin/io.ts';
import { loadKubeConfig, namespaceOf } from '../../src/cli/plugin/kube.ts';
import { main } from '../../src/cli/plugin/main.ts';

const NOW = new Date('2027-03-01T10:00:00Z');

async function run(argv: string[], env: Record<string, string> = {}) {
  const io = memoryIO({ env: { TZ: 'Europe/Zagreb', ...env }, now: NOW });
  const code = await main(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

const dir = mkdtempSync(join(tmpdir(), 'plugin-cli-'));
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters:
- {name: a, cluster: {server: "https://127.0.0.1:1"}}
users:
- {name: u, user: {token: t}}
contexts:
- {name: plain, context: {cluster: a, user: u}}
- {name: team, context: {cluster: a, user: u, namespace: acme}}
current-context: plain
`,
);

describe('help', () => {
  it('kubectl chatbot --help lists every command, the cluster flags and examples', async () => {
    for (const argv of [['--help'], ['-h'], [], ['help']]) {
      const r = await run(argv);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toBe(TOP_HELP);
    }
    for (const c of COMMANDS) expect(TOP_HELP).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(TOP_HELP).toContain('--kubeconfig');
    expect(TOP_HELP).toContain('Examples:');
  });

  it.each(COMMANDS)('%s --help: usage, options and an example', async (command) => {
    const r = await run([command, '--help']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(HELP[command]);
    expect(r.stdout).toContain(`kubectl chatbot ${command}`);
    expect(r.stdout).toMatch(/^Usage:$/m);
    expect(r.stdout).toMatch(/^Examples?:$/m);
    expect(r.stdout).toMatch(/-h, --help/);
    expect((await run(['help', command])).stdout).toBe(r.stdout);
    expect((await run([command, '-h', 'some-bot', '-n', 'x'])).stdout).toBe(r.stdout);
  });

  it('every command takes -n, --kubeconfig and --context (validate: -n only)', () => {
    for (const c of COMMANDS.filter((c) => c !== 'validate')) {
      expect(HELP[c]).toContain('--kubeconfig PATH');
      expect(HELP[c]).toContain('--context NAME');
    }
    expect(HELP.validate).toContain('-n, --namespace');
  });
});

describe('one-line errors, exit 1', () => {
  it.each<[string[], string]>([
    [['bogus'], `error: unknown command "bogus" (see 'kubectl chatbot --help')`],
    [['help', 'bogus'], `error: unknown command "bogus" (see 'kubectl chatbot --help')`],
    [['activate'], `error: activate needs the name of a chatbot (see 'kubectl chatbot activate --help')`],
    [
      ['status', 'a', 'b'],
      `error: status takes one chatbot name, got 2: a b (see 'kubectl chatbot status --help')`,
    ],
    [
      ['activate', 'x', '--foo'],
      `error: unknown flag --foo for "activate" (see 'kubectl chatbot activate --help')`,
    ],
    [['status', 'x', '-n'], `error: flag --namespace needs a value (see 'kubectl chatbot status --help')`],
    [
      ['deactivate', 'x', '--grace-period'],
      `error: flag --grace-period needs a value (see 'kubectl chatbot deactivate --help')`,
    ],
    [
      ['qr', 'x', '--immediate'],
      `error: unknown flag --immediate for "qr" (see 'kubectl chatbot qr --help')`,
    ],
    [
      ['activate', 'x', '--immediate', '--grace-period', '5m'],
      `error: --immediate and --grace-period exclude each other (see 'kubectl chatbot activate --help')`,
    ],
    [
      ['activate', 'x', '--grace-period', 'soon'],
      `error: --grace-period "soon" is not a duration: write it as 0s, 30s, 5m or 1h30m (see 'kubectl chatbot activate --help')`,
    ],
    [
      ['deactivate', 'x', '--grace-period', '5 minutes'],
      `error: --grace-period "5 minutes" is not a duration: write it as 0s, 30s, 5m or 1h30m (see 'kubectl chatbot deactivate --help')`,
    ],
    [['schedule', 'x'], `error: schedule needs --at or --until (see 'kubectl chatbot schedule --help')`],
    [
      ['activate', 'x', '--time-zone', 'UTC'],
      `error: --time-zone goes with --at or --until (see 'kubectl chatbot activate --help')`,
    ],
    [
      ['schedule', 'x', '--at', 'tomorrow'],
      `error: --at "tomorrow" is not a local date and time: write it as "YYYY-MM-DD HH:MM", e.g. "2026-12-01 09:00" (see 'kubectl chatbot schedule --help')`,
    ],
    [
      ['schedule', 'x', '--at', '2027-02-30 09:00', '--time-zone', 'UTC'],
      'error: --at "2027-02-30 09:00" is not a real date and time',
    ],
    [['chat'], `error: chat needs the name of a chatbot, or -f FILE (see 'kubectl chatbot chat --help')`],
    [['chat', '-f', '/nonexistent/bot.yaml'], 'error: cannot read /nonexistent/bot.yaml: no such file'],
    [
      ['chat', '-f', 'examples/ai-assistant.yaml', '--attr', 'nokey'],
      `error: --attr "nokey": want KEY=VALUE (see 'kubectl chatbot chat --help')`,
    ],
    [
      ['validate'],
      `error: validate needs at least one FILE (or - for standard input) (see 'kubectl chatbot validate --help')`,
    ],
    [
      ['validate', '-o', 'yaml', 'x.yaml'],
      `error: unknown format "yaml": want text or json (see 'kubectl chatbot validate --help')`,
    ],
    [
      ['status', 'x', '--kubeconfig', '/nonexistent/kubeconfig'],
      'error: cannot read kubeconfig /nonexistent/kubeconfig: no such file',
    ],
    [
      ['status', 'x', '--kubeconfig', kubeconfig, '--context', 'nope'],
      'error: context "nope" not found in the kubeconfig (contexts: plain, team)',
    ],
    [['status', 'x'], 'error: no kubeconfig: set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config'],
    [
      ['status', 'x', '--kubeconfig', kubeconfig],
      'error: cannot reach the API server at https://127.0.0.1:1: connection refused',
    ],
  ])('%j', async (argv, line) => {
    const r = await run(argv);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${line}\n`);
  });
});

describe('validate', () => {
  it('is the offline validator: issues at file:line:column, exit 1 on errors, 0 on a valid file', async () => {
    const bad = await run(['validate', 'examples/errors/button-caption-empty.yaml']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /^examples\/errors\/button-caption-empty\.yaml:\d+:\d+: error ButtonCaptionEmpty Button caption must not be empty \(spec\.definition\.dialogs\[\d+\]\.elements\[\d+\]\.buttons\.items\[\d+\]\.caption\)$/m,
    );
    const good = await run(['validate', 'examples/ai-assistant.yaml', '-o', 'json']);
    expect(good).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
  });
});

describe('arguments', () => {
  it.each<[string[], string | undefined, string[]]>([
    [['status', 'x'], 'status', ['x']],
    [['-n', 'ns', 'status', 'x'], 'status', ['-n', 'ns', 'x']],
    [
      ['--kubeconfig', '/k', '--context', 'c', 'qr', 'x'],
      'qr',
      ['--kubeconfig', '/k', '--context', 'c', 'x'],
    ],
    [['--namespace=ns', 'revisions', 'x'], 'revisions', ['--namespace=ns', 'x']],
    [['--help'], undefined, ['--help']],
  ])('splitCommand(%j)', (argv, command, rest) => {
    expect(splitCommand(argv)).toEqual({ ...(command ? { command } : {}), rest });
  });

  it('flags may come before the command, as with kubectl', async () => {
    const r = await run(['--kubeconfig', kubeconfig, '--context', 'nope', 'status', 'x']);
    expect(r.stderr).toBe('error: context "nope" not found in the kubeconfig (contexts: plain, team)\n');
  });

  it('the namespace: -n, else the context’s, else "default"; KUBECONFIG and --context as kubectl', async () => {
    const env = { KUBECONFIG: `/nonexistent/first:${kubeconfig}` };
    const plain = await loadKubeConfig({}, env);
    expect(namespaceOf(plain, {})).toBe('default');
    expect(namespaceOf(plain, { namespace: 'x' })).toBe('x');
    const team = await loadKubeConfig({ context: 'team' }, env);
    expect(namespaceOf(team, {})).toBe('acme');
    expect(namespaceOf(team, { namespace: 'x' })).toBe('x');
    const home = mkdtempSync(join(tmpdir(), 'plugin-home-'));
    await expect(loadKubeConfig({}, { HOME: home })).rejects.toThrow(/^no kubeconfig/);
  });
});
