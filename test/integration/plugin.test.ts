// `kubectl chatbot` against the real control plane, with the operator running in-process so that
// statuses are real: activate (and its refusal of an invalid bot), deactivate with a grace period,
// a preempted bot claiming its sender again, schedule and unschedule, revisions and rollback, qr
// (and the test-sender warning), status, -n/--kubeconfig/--context, unknown bots. main() runs in
// process; one test spawns the real bin, one goes through kubectl's own plugin mechanism.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Chatbot } from '../../src/api/schema.ts';
import { TOP_HELP } from '../../src/cli/plugin/help.ts';
import { memoryIO } from '../../src/cli/plugin/io.ts';
import { main } from '../../src/cli/plugin/main.ts';
import { DEFAULT_BIN_DIR } from '../../src/devcluster/control-plane.ts';
import type { Manager } from '../../src/operator/manager.ts';
import { apply, eventually, kubeconfigPath, newNamespace } from '../support/cluster.ts';
import { type BotOptions, botYaml, senderYaml } from '../support/manifests.ts';
import { getChatbot, startOperator, waitForChatbot } from '../support/operator.ts';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '..', '..');
const ZONE = 'Europe/Zagreb';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** `kubectl chatbot ARGV` in process, with the run's kubeconfig in KUBECONFIG and TZ Europe/Zagreb. */
async function plugin(
  argv: string[],
  opts: { env?: Record<string, string | undefined>; now?: Date } = {},
): Promise<Result> {
  const io = memoryIO({
    env: { KUBECONFIG: kubeconfigPath(), TZ: ZONE, ...opts.env },
    now: opts.now ?? (() => new Date()),
  });
  const code = await main(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

const isState = (s: string) => (cb: Chatbot) => cb.status?.state === s;
const bot = (name: string, o: BotOptions) => botYaml(name, { state: 'Inactive', ...o });
/** Noon in Zagreb `days` from today (never in a DST gap), as the CLI takes it. */
const zagreb = (days: number) =>
  DateTime.now()
    .setZone(ZONE)
    .plus({ days })
    .set({ hour: 12, minute: 0, second: 0 })
    .toFormat('yyyy-MM-dd HH:mm');

describe('kubectl chatbot on a real control plane', () => {
  let ns: string;
  let operator: Manager;
  beforeAll(async () => {
    ns = await newNamespace('plugin');
    operator = await startOperator(ns);
  });
  afterAll(async () => {
    await operator?.stop();
  });

  it('activate: validated, spec.state Active, printed; status shows state, holder and entry point', async () => {
    await apply(ns, `${senderYaml('s1', '+385911230001')}---\n${bot('support', { sender: 's1' })}`);
    await waitForChatbot(ns, 'support', isState('Inactive'));

    const r = await plugin(['activate', 'support', '-n', ns]);
    expect(r).toEqual({
      code: 0,
      stdout: 'chatbot.chatbots.dev/support patched: spec.state Inactive -> Active\n',
      stderr: '',
    });
    await waitForChatbot(ns, 'support', (cb) => isState('Active')(cb) && !!cb.status?.entryPoints);

    const status = await eventually(
      async () => {
        const s = await plugin(['status', 'support', '-n', ns]);
        return s.stdout.includes(`held by:     ${ns}/support (this chatbot)`) ? s : undefined;
      },
      { what: 'status with the sender held' },
    );
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('State:         Active\n');
    expect(status.stdout).toMatch(/^Why: +Ready=True Active: /m);
    expect(status.stdout).toContain('Sender:        s1 (WhatsApp +385911230001)\n');
    expect(status.stdout).toContain('  whatsapp:    https://wa.me/385911230001?text=Hi\n');
    expect(status.stdout).toMatch(/^Revision: +support-[0-9a-f]{10} \(serves new conversations\)$/m);
    expect(status.stdout).toMatch(
      /since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d Europe\/Zagreb \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)/,
    );

    expect(await plugin(['activate', 'support', '-n', ns])).toEqual({
      code: 0,
      stdout: 'chatbot.chatbots.dev/support unchanged: spec.state is already Active (state Active)\n',
      stderr: '',
    });
  });

  it('activate refuses an invalid bot with the errors at their paths, exit 1, and changes nothing', async () => {
    await apply(
      ns,
      `${senderYaml('s2', '+385911230002')}---\n${bot('broken', { sender: 's2', caption: '' })}`,
    );
    const before = await waitForChatbot(ns, 'broken', (cb) => !!cb.status?.state);

    const r = await plugin(['activate', 'broken', '-n', ns, '--grace-period', '5m']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^error: chatbot "broken" has \d+ errors?: not activated$/);
    expect(lines).toContain(
      '  spec.definition.dialogs[0].elements[1].buttons.items[0].caption: Button caption must not be empty (ButtonCaptionEmpty)',
    );
    const after = await getChatbot(ns, 'broken');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.spec.state).toBe('Inactive');
    expect(after.spec.takeover).toEqual(before.spec.takeover);
  });

  it('deactivate --grace-period 5m: Inactive with the grace period; status shows the drain in local time and UTC', async () => {
    await apply(
      ns,
      `${senderYaml('s3', '+385911230003')}---\n${bot('promo', { sender: 's3', state: 'Active' })}`,
    );
    await waitForChatbot(ns, 'promo', (cb) => isState('Active')(cb) && !!cb.status?.revision);

    const r = await plugin(['deactivate', 'promo', '-n', ns, '--grace-period', '5m']);
    expect(r).toEqual({
      code: 0,
      stdout:
        // 0s: the CRD's default, written by the API server.
        'chatbot.chatbots.dev/promo patched: spec.state Active -> Inactive, spec.deactivation.gracePeriod 0s -> 5m\n',
      stderr: '',
    });
    const draining = await waitForChatbot(ns, 'promo', isState('Draining'));
    expect(draining.status?.draining).toEqual([expect.objectContaining({ reason: 'Deactivated' })]);
    const status = await plugin(['status', 'promo', '-n', ns]);
    expect(status.stdout).toMatch(
      /^Draining: +promo-[0-9a-f]{10} \(Deactivated\) until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d Europe\/Zagreb \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\), in [45]m/m,
    );
  });

  it('a preempted bot activated again gets a new reactivate annotation and claims its sender back', async () => {
    await apply(
      ns,
      `${senderYaml('s4', '+385911230004')}---\n${bot('first', { sender: 's4', state: 'Active' })}`,
    );
    await waitForChatbot(ns, 'first', isState('Active'));
    await apply(ns, bot('second', { sender: 's4', state: 'Active', takeover: '{mode: Immediate}' }));
    const second = await waitForChatbot(ns, 'second', isState('Active'));
    await waitForChatbot(ns, 'first', isState('Preempted'));
    // The annotation's moment (whole seconds) must be later than second's claim (its creation).
    const created = new Date(second.metadata.creationTimestamp!).getTime();
    await new Promise((r) => setTimeout(r, Math.max(0, created + 1100 - Date.now())));

    const r = await plugin(['activate', 'first', '-n', ns, '--immediate']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^chatbot\.chatbots\.dev\/first patched: spec\.takeover\.mode Graceful -> Immediate, metadata\.annotations\["chatbots\.dev\/reactivate"\] \(unset\) -> \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/,
    );
    await waitForChatbot(ns, 'first', isState('Active'));
    await waitForChatbot(ns, 'second', isState('Preempted'));
  });

  it('schedule, then unschedule; the seed’s rule and times in the past as one-line errors', async () => {
    await apply(ns, `${senderYaml('s5', '+385911230005')}---\n${bot('campaign', { sender: 's5' })}`);
    await waitForChatbot(ns, 'campaign', isState('Inactive'));
    const [at, until] = [zagreb(2), zagreb(3)];
    const T = (s: string) => s.replace(' ', 'T');

    const r = await plugin([
      'schedule',
      'campaign',
      '-n',
      ns,
      '--at',
      at,
      '--until',
      until,
      '--time-zone',
      ZONE,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [changed, next] = r.stdout.trimEnd().split('\n');
    expect(changed).toBe(
      `chatbot.chatbots.dev/campaign patched: spec.schedule.activateAt (unset) -> ${T(at)}, spec.schedule.deactivateAt (unset) -> ${T(until)}, spec.schedule.timeZone (unset) -> Europe/Zagreb`,
    );
    expect(next).toBe(
      `next: Activate at ${at}:00 Europe/Zagreb (${DateTime.fromFormat(at, 'yyyy-MM-dd HH:mm', { zone: ZONE }).toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'")})`,
    );
    const scheduled = await waitForChatbot(ns, 'campaign', isState('Scheduled'));
    expect(scheduled.spec.schedule).toEqual({ timeZone: ZONE, activateAt: T(at), deactivateAt: T(until) });
    expect(scheduled.status?.schedule?.nextAction).toBe('Activate');
    expect((await plugin(['status', 'campaign', '-n', ns])).stdout).toMatch(
      /^Next: +Activate at .* Europe\/Zagreb \(.*Z\), in [12]d/m,
    );

    expect(await plugin(['unschedule', 'campaign', '-n', ns])).toEqual({
      code: 0,
      stdout: `chatbot.chatbots.dev/campaign patched: spec.schedule.activateAt ${T(at)} -> (unset), spec.schedule.deactivateAt ${T(until)} -> (unset), spec.schedule.timeZone Europe/Zagreb -> (unset)\n`,
      stderr: '',
    });
    const unscheduled = await waitForChatbot(ns, 'campaign', isState('Inactive'));
    expect(unscheduled.spec.schedule).toBeUndefined();

    // The seed: an inactive chatbot gets a deactivation time only together with an activation time.
    expect(await plugin(['deactivate', 'campaign', '-n', ns, '--at', until])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "error: the chatbot is inactive: a deactivation time can only be scheduled together with an activation time (give the activation with 'activate --at')\n",
    });
    // The time zone comes from the bot (none) or the user (TZ); "now" is injected.
    expect(
      await plugin(['schedule', 'campaign', '-n', ns, '--at', '2030-01-01 09:00'], {
        now: new Date('2031-01-01T00:00:00Z'),
      }),
    ).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: --at 2030-01-01 09:00 Europe/Zagreb is in the past (it is now 2031-01-01 01:00 there)\n',
    });
    expect((await getChatbot(ns, 'campaign')).spec.schedule).toBeUndefined();
  });

  it('revisions after a redeploy, and rollback to the first definition and revision', async () => {
    const shop = (greeting: string, state: 'Active' | 'Inactive' = 'Active') =>
      bot('shop', { sender: 's6', state, greeting, redeploy: '{gracePeriod: 5m}' });
    await apply(ns, `${senderYaml('s6', '+385911230006')}---\n${shop('v1')}`);
    const v1 = await waitForChatbot(ns, 'shop', (cb) => isState('Active')(cb) && !!cb.status?.revision);
    const rev1 = v1.status!.revision!;
    await apply(ns, shop('v2'));
    const v2 = await waitForChatbot(ns, 'shop', (cb) => !!cb.status?.revision && cb.status.revision !== rev1);
    const rev2 = v2.status!.revision!;

    const list = await plugin(['revisions', 'shop', '-n', ns]);
    expect(list.code).toBe(0);
    const rows = list.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^REVISION +NAME +CREATED +STATUS$/);
    expect(rows[1]).toMatch(
      new RegExp(
        `^1 +${rev1} +\\S+ \\S+ Europe/Zagreb \\(\\S+Z\\) +draining until \\S+ \\S+ Europe/Zagreb \\(\\S+Z\\), in [45]m( \\d+s)? \\(Redeploy\\)$`,
      ),
    );
    expect(rows[2]).toMatch(new RegExp(`^2 +${rev2} +\\S+ \\S+ Europe/Zagreb \\(\\S+Z\\) +serving$`));

    const r = await plugin(['rollback', 'shop', '-n', ns]);
    expect(r).toEqual({
      code: 0,
      stdout: `chatbot.chatbots.dev/shop patched: spec.definition -> revision 1 (${rev1})\n`,
      stderr: '',
    });
    expect((await getChatbot(ns, 'shop')).spec.definition).toEqual(v1.spec.definition);
    const back = await waitForChatbot(ns, 'shop', (cb) => cb.status?.revision === rev1, 'serving rev1 again');
    expect(back.status?.draining).toEqual([expect.objectContaining({ revision: rev2, reason: 'Redeploy' })]);
    expect((await plugin(['rollback', 'shop', '-n', ns, '--to', '1'])).stdout).toBe(
      `chatbot.chatbots.dev/shop unchanged: spec.definition is already revision 1 (${rev1})\n`,
    );
    expect((await plugin(['rollback', 'shop', '-n', ns, '--to', '9'])).stderr).toBe(
      `error: chatbot shop has no revision 9 (revisions: 1 (${rev1}), 2 (${rev2}))\n`,
    );
  });

  it('qr: the QR code and the link; a test sender’s bot with a clear warning; none for an inactive bot', async () => {
    await apply(
      ns,
      `${senderYaml('s7', '+385911230007')}---\n${bot('poster', { sender: 's7', state: 'Active' })}`,
    );
    await waitForChatbot(ns, 'poster', (cb) => !!cb.status?.entryPoints?.whatsapp?.link);
    const r = await plugin(['qr', 'poster', '-n', ns]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    // The qrcode package's terminal renderer: half blocks, black on white (ANSI colours).
    const lines = stripVTControlCharacters(r.stdout).trimEnd().split('\n');
    expect(lines.at(-1)).toBe('https://wa.me/385911230007?text=Hi');
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.slice(0, -1).filter((l) => !/^[ ▀▄█]*$/.test(l))).toEqual([]);
    expect(r.stdout).toContain('\x1b[47m\x1b[30m ▄▄▄▄▄▄▄ ');

    await apply(
      ns,
      `apiVersion: chatbots.dev/v1alpha1
kind: Sender
metadata: {name: s8}
spec: {channel: WhatsApp, address: "+385911230008", credentialsSecretRef: {name: s8}, test: true, verifiedNumber: "+385981112233"}
---
${bot('tester', { sender: 's8', state: 'Active' })}`,
    );
    await waitForChatbot(ns, 'tester', (cb) => cb.status?.entryPoints?.whatsapp?.shareable === false);
    const t = await plugin(['qr', 'tester', '-n', ns]);
    expect(t.code).toBe(0);
    expect(t.stdout.trimEnd().split('\n').at(-1)).toBe('https://wa.me/385911230008?text=Hi');
    expect(t.stderr).toBe(
      'warning: not shareable: only +385981112233 can talk to this bot (Sender s8 is a test sender)\n',
    );

    await apply(ns, bot('dormant', { sender: 's7' }));
    await waitForChatbot(ns, 'dormant', isState('Inactive'));
    expect(await plugin(['qr', 'dormant', '-n', ns])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: chatbot "dormant" has no entry point link (state Inactive): it gets one once it is Active on a WhatsApp, Telegram or Messenger sender\n',
    });
  });

  it('-n, --kubeconfig, --context and KUBECONFIG as kubectl; an unknown bot is one line, exit 1', async () => {
    await apply(ns, bot('where', { sender: 's1' }));
    const home = mkdtempSync(join(tmpdir(), 'plugin-home-'));
    const noEnv = { KUBECONFIG: undefined, HOME: home };

    // The context's namespace is "default": without -n the bot is not there.
    expect(await plugin(['status', 'where'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: chatbot "where" not found in namespace "default"\n',
    });
    const explicit = await plugin(['status', 'where', '-n', ns, '--kubeconfig', kubeconfigPath()], {
      env: noEnv,
    });
    expect(explicit.code).toBe(0);
    expect(explicit.stdout).toContain(`Chatbot:       ${ns}/where\n`);

    // A kubeconfig with a second context whose namespace is the test's.
    const config = parse(readFileSync(kubeconfigPath(), 'utf8')) as {
      contexts: { name: string; context: Record<string, string> }[];
      'current-context': string;
    };
    config.contexts.push({ name: 'plugin', context: { ...config.contexts[0]!.context, namespace: ns } });
    const file = join(home, 'kubeconfig');
    writeFileSync(file, stringify(config));
    const viaContext = await plugin(['--kubeconfig', file, '--context', 'plugin', 'status', 'where'], {
      env: noEnv,
    });
    expect(viaContext.stdout).toContain(`Chatbot:       ${ns}/where\n`);
    writeFileSync(join(home, 'current'), stringify({ ...config, 'current-context': 'plugin' }));
    const viaEnv = await plugin(['status', 'where'], {
      env: { KUBECONFIG: `${join(home, 'missing')}:${join(home, 'current')}` },
    });
    expect(viaEnv.stdout).toContain(`Chatbot:       ${ns}/where\n`);
    expect((await plugin(['status', 'where', '--context', 'nope'])).stderr).toBe(
      'error: context "nope" not found in the kubeconfig (contexts: local)\n',
    );

    for (const argv of [
      ['status', 'nope'],
      ['activate', 'nope'],
      ['deactivate', 'nope', '--grace-period', '1m'],
      ['schedule', 'nope', '--at', zagreb(1), '--time-zone', ZONE],
      ['unschedule', 'nope'],
      ['qr', 'nope'],
      ['revisions', 'nope'],
      ['rollback', 'nope'],
      ['chat', 'nope'],
    ]) {
      expect(await plugin([...argv, '-n', ns])).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: chatbot "nope" not found in namespace "${ns}"\n`,
      });
    }
  });

  it('chat NAME talks to the definition in the cluster, before it is ever activated', async () => {
    await apply(ns, bot('draft', { sender: 's1', greeting: 'Draft says hi' }));
    const io = memoryIO({ env: { KUBECONFIG: kubeconfigPath() }, stdin: 'hello\n1\n' });
    expect(await main(['chat', 'draft', '-n', ns], io)).toBe(0);
    expect(io.out()).toBe(
      [
        'you: hello',
        'bot: Draft says hi',
        'bot: How can we help?',
        '     1. Orders',
        'you: 1 (Orders)',
        'bot: Your order is on its way.',
        '-- session closed: the next message starts a new session',
        '',
      ].join('\n'),
    );
    expect((await getChatbot(ns, 'draft')).spec.state).toBe('Inactive');
  });

  it('the real bin: node --import tsx src/cli/kubectl-chatbot.ts', async () => {
    const help = await run(process.execPath, ['--import', 'tsx', 'src/cli/kubectl-chatbot.ts', '--help'], {
      cwd: REPO,
    });
    expect(help.stdout).toBe(TOP_HELP);
    const failed = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli/kubectl-chatbot.ts', 'status', 'nope', '-n', ns],
      {
        cwd: REPO,
        env: { ...process.env, KUBECONFIG: kubeconfigPath() },
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(failed).toEqual({ code: 1, stderr: `error: chatbot "nope" not found in namespace "${ns}"\n` });
  });

  it('kubectl finds the plugin on PATH: kubectl chatbot ...', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugin-path-'));
    const wrapper = join(dir, 'kubectl-chatbot');
    // What `make install-plugin` writes.
    writeFileSync(
      wrapper,
      `#!/bin/sh\nexec "${process.execPath}" --import "${join(REPO, 'node_modules/tsx/dist/loader.mjs')}" "${join(REPO, 'src/cli/kubectl-chatbot.ts')}" "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, KUBECONFIG: kubeconfigPath() };
    const kubectl = join(DEFAULT_BIN_DIR, 'kubectl');
    const help = await run(kubectl, ['chatbot', '--help'], { env, cwd: tmpdir() });
    expect(help.stdout).toBe(TOP_HELP);
    const status = await run(kubectl, ['chatbot', 'status', 'support', '-n', ns], { env, cwd: tmpdir() });
    expect(status.stdout).toContain(`Chatbot:       ${ns}/support\n`);
  });
});
