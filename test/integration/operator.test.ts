// The operator core as users see it: validation status and events, manual activation,
// scheduled activation on an injected clock (DST included), restarts, kubectl wait/get.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/kube/clock.ts';
import type { Manager } from '../../src/operator/manager.ts';
import { apply, kubectl, newNamespace } from '../support/cluster.ts';
import { type BotOptions, botYaml, senderYaml } from '../support/manifests.ts';
import {
  eventReasons,
  reconciledAfresh,
  startOperator,
  waitForChatbot,
  waitForEvent,
} from '../support/operator.ts';

const sender = () => senderYaml('acme-whatsapp', '+385911234567');
const bot = (name: string, opts: BotOptions = {}) => botYaml(name, { state: 'Inactive', ...opts });

const conditionOf = (
  cb: { status?: { conditions?: { type: string; status: string; message: string }[] } },
  t: string,
) => cb.status?.conditions?.find((c) => c.type === t);

describe('operator core', () => {
  const managers: Manager[] = [];
  afterEach(async () => {
    for (const m of managers.splice(0)) await m.stop();
  });
  const run = async (ns: string, clock?: FakeClock) => {
    const m = await startOperator(ns, clock ? { clock } : {});
    managers.push(m);
    return m;
  };

  it('shows an invalid bot as Invalid with each seed error at its path, then follows spec.state once fixed', async () => {
    const ns = await newNamespace('op');
    await run(ns);
    await apply(ns, sender() + '---\n' + bot('support', { state: 'Active', caption: '' }));

    const invalid = await waitForChatbot(
      ns,
      'support',
      (cb) => cb.status?.state === 'Invalid',
      'state Invalid',
    );
    expect(invalid.status?.validation?.issues).toContainEqual(
      expect.objectContaining({
        severity: 'Error',
        code: 'ButtonCaptionEmpty',
        path: 'spec.definition.dialogs[0].elements[1].buttons.items[0].caption',
        message: 'Button caption must not be empty',
      }),
    );
    expect(invalid.status?.validation?.summary).toMatch(/^[1-9]\d*\/\d+$/);
    const validated = conditionOf(invalid, 'Validated');
    expect(validated?.status).toBe('False');
    expect(validated?.message).toContain(
      'first: spec.definition.dialogs[0].elements[1].buttons.items[0].caption: Button caption must not be empty',
    );
    expect(conditionOf(invalid, 'Ready')?.status).toBe('False');
    expect(conditionOf(invalid, 'Stalled')?.status).toBe('True');
    await waitForEvent(ns, 'support', 'ValidationFailed');

    await apply(ns, bot('support', { state: 'Active' }));
    const active = await waitForChatbot(ns, 'support', (cb) => cb.status?.state === 'Active', 'state Active');
    expect(conditionOf(active, 'Validated')?.status).toBe('True');
    expect(conditionOf(active, 'Ready')?.status).toBe('True');
    expect(active.status?.observedGeneration).toBe(active.metadata.generation);
    expect(active.status?.entryPoints?.whatsapp).toEqual({
      link: 'https://wa.me/385911234567?text=Hi',
      shareable: true,
    });
    await waitForEvent(ns, 'support', 'Activated');
    expect(await eventReasons(ns, 'support')).toEqual(
      expect.arrayContaining(['ValidationFailed', 'Validated']),
    );

    await kubectl([
      'patch',
      'chatbot',
      'support',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"spec":{"state":"Inactive"}}',
    ]);
    const inactive = await waitForChatbot(
      ns,
      'support',
      (cb) => cb.status?.state === 'Inactive',
      'state Inactive',
    );
    expect(inactive.status?.activation?.deactivatedAt).toBeDefined();
    await waitForEvent(ns, 'support', 'Deactivated');
  });

  it('activates and deactivates on a one-off schedule in Europe/Zagreb with an injected clock', async () => {
    const ns = await newNamespace('op');
    const clock = new FakeClock('2026-11-25T10:00:00Z');
    const op = await run(ns, clock);
    const schedule = `  schedule:
    timeZone: Europe/Zagreb
    activateAt: "2026-12-01T09:00"
    deactivateAt: "2026-12-24T18:00"`;
    await apply(ns, sender() + '---\n' + bot('xmas', { schedule }));

    const scheduled = await waitForChatbot(ns, 'xmas', (cb) => cb.status?.state === 'Scheduled', 'Scheduled');
    expect(scheduled.status?.schedule).toMatchObject({
      nextAction: 'Activate',
      nextAt: '2026-12-01T08:00:00Z',
    });
    const printed = await kubectl(['get', 'chatbots', '-n', ns]);
    expect(printed).toMatch(/NAME\s+CHANNEL\s+SENDER\s+STATE\s+VALID\s+NEXT\s+AGE/);
    expect(printed).toMatch(
      /xmas\s+WhatsApp\s+acme-whatsapp\s+Scheduled\s+0\/\d+\s+Activate 2026-12-01T08:00:00Z/,
    );

    clock.advance('2026-12-01T08:00:00Z');
    const active = await waitForChatbot(
      ns,
      'xmas',
      (cb) => cb.status?.state === 'Active',
      'Active at activateAt',
    );
    expect(active.status?.schedule).toMatchObject({
      nextAction: 'Deactivate',
      nextAt: '2026-12-24T17:00:00Z',
    });
    expect(active.status?.activation?.moment).toBe('2026-12-01T08:00:00Z');

    clock.advance('2026-12-24T17:00:00Z');
    const done = await waitForChatbot(
      ns,
      'xmas',
      (cb) => cb.status?.state === 'Inactive',
      'Inactive at deactivateAt',
    );
    expect(done.status?.schedule).toBeUndefined();
    await waitForEvent(ns, 'xmas', 'Deactivated');
    // One event per transition: the operator looks at the bot again and announces nothing more.
    expect((await reconciledAfresh([op], ns, ['xmas'])).get('xmas')).toEqual(['Inactive']);
    const reasons = await eventReasons(ns, 'xmas');
    expect(reasons.filter((r) => r === 'Activated')).toHaveLength(1);
    expect(reasons.filter((r) => r === 'Deactivated')).toHaveLength(1);
    expect(reasons).toContain('Scheduled');
  });

  it.each([
    // Europe/Zagreb goes to summer time on 2026-03-29: Monday 08:00 is 07:00Z before, 06:00Z after.
    {
      zone: 'Europe/Zagreb',
      start: '2026-03-27T12:00:00Z',
      on: '2026-03-30T06:00:00Z',
      off: '2026-03-30T16:00:00Z',
    },
    // America/New_York goes to summer time on 2026-03-08: Monday 08:00 is 12:00Z after (13:00Z before).
    {
      zone: 'America/New_York',
      start: '2026-03-06T12:00:00Z',
      on: '2026-03-09T12:00:00Z',
      off: '2026-03-09T22:00:00Z',
    },
  ])(
    'fires a weekly window across the DST change in $zone at the right local times',
    async ({ zone, start, on, off }) => {
      const ns = await newNamespace('op');
      const clock = new FakeClock(start);
      const op = await run(ns, clock);
      const schedule = `  schedule:
    timeZone: ${zone}
    windows: [{activate: "0 8 * * 1", deactivate: "0 18 * * 1"}]`;
      await apply(ns, sender() + '---\n' + bot('weekly', { schedule }));
      const s = await waitForChatbot(
        ns,
        'weekly',
        (cb) => cb.status?.schedule?.nextAt === on,
        `next activation ${on}`,
      );
      expect(s.status?.state).toBe('Scheduled');

      clock.advance(new Date(new Date(on).getTime() - 1000));
      // A second before the window, a reconcile (that read the clock after the advance) keeps it.
      expect((await reconciledAfresh([op], ns, ['weekly'])).get('weekly')).toEqual(['Scheduled']);
      expect((await waitForChatbot(ns, 'weekly', () => true)).status?.state).toBe('Scheduled');

      clock.advance(on);
      const a = await waitForChatbot(
        ns,
        'weekly',
        (cb) => cb.status?.state === 'Active',
        'Active at the window start',
      );
      expect(a.status?.schedule).toMatchObject({ nextAction: 'Deactivate', nextAt: off });
      clock.advance(off);
      await waitForChatbot(
        ns,
        'weekly',
        (cb) => cb.status?.state === 'Scheduled',
        'Scheduled again after the window',
      );
    },
  );

  it('applies an edge missed while the operator was down exactly once after a restart', async () => {
    const ns = await newNamespace('op');
    const clock = new FakeClock('2026-11-25T10:00:00Z');
    const first = await run(ns, clock);
    const schedule = `  schedule:
    timeZone: Europe/Zagreb
    activateAt: "2026-11-26T09:00"
    deactivateAt: "2026-11-28T09:00"`;
    await apply(ns, sender() + '---\n' + bot('restart', { schedule }));
    await waitForChatbot(ns, 'restart', (cb) => cb.status?.state === 'Scheduled', 'Scheduled');

    await first.stop();
    managers.splice(managers.indexOf(first), 1);
    clock.advance('2026-11-27T12:00:00Z'); // past activateAt, before deactivateAt, nobody running
    const second = await run(ns, clock);
    const a = await waitForChatbot(
      ns,
      'restart',
      (cb) => cb.status?.state === 'Active',
      'Active after restart',
    );
    expect(a.status?.activation?.moment).toBe('2026-11-26T08:00:00Z');
    // The Activated event follows the status write; after it, the operator looks at the bot
    // again (from scratch, after the activation) and has nothing more to announce.
    await waitForEvent(ns, 'restart', 'Activated');
    expect((await reconciledAfresh([second], ns, ['restart'])).get('restart')).toEqual(['Active']);
    expect((await eventReasons(ns, 'restart')).filter((r) => r === 'Activated')).toHaveLength(1);
  });

  it('lets kubectl wait for Ready and shows STATE and NEXT', async () => {
    const ns = await newNamespace('op');
    await run(ns);
    await apply(ns, sender() + '---\n' + bot('waitme', { state: 'Active' }));
    const out = await kubectl(['wait', '-n', ns, '--for=condition=Ready', 'chatbot/waitme', '--timeout=20s']);
    expect(out).toContain('chatbot.chatbots.dev/waitme condition met');
    const printed = await kubectl(['get', 'cb', '-n', ns, 'waitme']);
    expect(printed).toMatch(/waitme\s+WhatsApp\s+acme-whatsapp\s+Active\s+0\/\d+\s+\d+s\n/);
    const ev = await waitForEvent(ns, 'waitme', 'Activated');
    expect(ev.reportingController).toBe('chatbots.dev/operator');
    expect(ev.regarding).toMatchObject({ kind: 'Chatbot', name: 'waitme', namespace: ns });
  });
});
