// Grace periods and revision history on a real control plane: a deactivated bot drains for
// `deactivation.gracePeriod` on an injected clock, and old ControllerRevisions beyond
// `revisionHistoryLimit` are deleted.
import { describe, expect, it } from 'vitest';
import type { Chatbot } from '../../src/api/schema.ts';
import { apply, eventually, kubectl, newNamespace } from '../support/cluster.ts';
import { type BotOptions, botYaml, senderYaml } from '../support/manifests.ts';
import {
  clockNow,
  eventsFor,
  getChatbot,
  operatorsPerTest,
  reconciledAfresh,
  senderLease,
  waitForChatbot,
  waitForEvent,
} from '../support/operator.ts';

const MIN = 60_000;
/** RFC 3339 in whole seconds, as the operator writes times. */
const rfc3339 = (t: number | Date) => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
const isState = (s: string) => (cb: Chatbot) => cb.status?.state === s;

describe('grace periods and revision history', () => {
  const { run } = operatorsPerTest();

  it('a deactivated bot drains for deactivation.gracePeriod, then is Inactive', async () => {
    const ns = await newNamespace('drain');
    const clock = clockNow();
    const op = await run(ns, { clock });
    const address = '+385911234580';
    await apply(
      ns,
      `${senderYaml('acme-whatsapp', address)}---\n${botYaml('support', { deactivation: '{gracePeriod: 10m}' })}`,
    );
    const active = await waitForChatbot(
      ns,
      'support',
      (cb) => cb.status?.state === 'Active' && !!cb.status.revision,
      'Active with a revision',
    );
    const revision = active.status!.revision!;
    expect((await senderLease(ns, address)).spec?.holderIdentity).toBe(`${ns}/support`);

    // Deactivated by hand; the fake clock stands still, so this is the deactivation instant.
    const deactivatedAt = clock.now();
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
    const draining = await waitForChatbot(ns, 'support', isState('Draining'), 'Draining after deactivation');
    const until = rfc3339(deactivatedAt.getTime() + 10 * MIN);
    expect(draining.status?.draining).toEqual([
      expect.objectContaining({ revision, reason: 'Deactivated', until }),
    ]);
    expect(draining.status?.revision).toBe(revision);
    expect(draining.status?.activation?.deactivatedAt).toBe(rfc3339(deactivatedAt));
    expect(draining.status?.conditions?.find((c) => c.type === 'Reconciling')).toMatchObject({
      status: 'True',
      reason: 'Draining',
    });
    const started = await waitForEvent(ns, 'support', 'DrainStarted');
    expect(started.note).toContain(revision);
    expect(started.note).toContain(until);
    await waitForEvent(ns, 'support', 'Deactivated');
    // No new conversations: the sender is free while the old sessions finish.
    await eventually(async () => ((await senderLease(ns, address)).spec?.holderIdentity ? undefined : true), {
      what: 'the sender released at deactivation',
    });

    // A second before the deadline, a reconcile (that read the clock after the advance) keeps
    // the drain as it was.
    clock.advance(new Date(new Date(until).getTime() - 1000));
    expect((await reconciledAfresh([op], ns, ['support'])).get('support')).toEqual(['Draining']);
    const still = await getChatbot(ns, 'support');
    expect(still.status?.state).toBe('Draining');
    expect(still.status?.draining).toEqual(draining.status?.draining);
    expect((await eventsFor(ns, 'support')).map((e) => e.reason)).not.toContain('DrainEnded');

    // Past the deadline: the drain ends and the bot is Inactive.
    clock.advance(new Date(new Date(until).getTime() + 1000));
    const inactive = await waitForChatbot(ns, 'support', isState('Inactive'), 'Inactive after the deadline');
    expect(inactive.status?.draining).toBeUndefined();
    expect(inactive.status?.conditions?.find((c) => c.type === 'Reconciling')).toMatchObject({
      status: 'False',
    });
    const ended = await waitForEvent(ns, 'support', 'DrainEnded');
    expect(ended.note).toContain(revision);
    expect(ended.note).toContain('deadline');
  });

  it('keeps the serving revision and the revisionHistoryLimit newest old ones; older ones are deleted', async () => {
    const ns = await newNamespace('history');
    const clock = clockNow();
    const op = await run(ns, { clock });
    const opts = (greeting: string): BotOptions => ({
      greeting,
      redeploy: '{gracePeriod: 0s}',
      revisionHistoryLimit: 2,
    });
    await apply(ns, `${senderYaml('acme-whatsapp', '+385911234581')}---\n${botYaml('support', opts('v1'))}`);
    const first = await waitForChatbot(
      ns,
      'support',
      (cb) => cb.status?.state === 'Active' && !!cb.status.revision,
      'v1 serving',
    );
    const served = [first.status!.revision!];
    // Four redeploys, each waited for: the definition changes, a new revision serves.
    for (const greeting of ['v2', 'v3', 'v4', 'v5']) {
      await apply(ns, botYaml('support', opts(greeting)));
      const cb = await waitForChatbot(
        ns,
        'support',
        (c) =>
          c.status?.observedGeneration === c.metadata.generation &&
          !!c.status?.revision &&
          !served.includes(c.status.revision),
        `${greeting} serving`,
      );
      expect(cb.status?.state).toBe('Active');
      // A 0s grace period: the previous revision does not drain at all.
      expect(cb.status?.draining).toBeUndefined();
      served.push(cb.status!.revision!);
    }
    expect(new Set(served).size).toBe(5);
    const [r1, r2, r3, r4, r5] = served;

    const revisions = async () => {
      const out = await kubectl([
        'get',
        'controllerrevisions',
        '-n',
        ns,
        '-l',
        'chatbots.dev/chatbot=support',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name} {.revision}{"\\n"}{end}',
      ]);
      return new Map(
        out
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => {
            const [name, rev] = line.split(' ');
            return [name!, Number(rev)] as const;
          }),
      );
    };
    const kept = [r3!, r4!, r5!].sort();
    const left = await eventually(
      async () => {
        const now = await revisions();
        return [...now.keys()].sort().join(' ') === kept.join(' ') ? now : undefined;
      },
      { what: `revisions ${kept.join(', ')} only` },
    );
    // The serving one and the two newest old ones, in the order they were made.
    expect(left.get(r5!)).toBeGreaterThan(left.get(r4!)!);
    expect(left.get(r4!)).toBeGreaterThan(left.get(r3!)!);
    expect(left.has(r1!)).toBe(false);
    expect(left.has(r2!)).toBe(false);

    // And it stays so: after the operator looks at the bot again, nothing more is deleted.
    expect((await reconciledAfresh([op], ns, ['support'])).get('support')).toEqual(['Active']);
    expect([...(await revisions()).keys()].sort()).toEqual(kept);
    expect((await getChatbot(ns, 'support')).status?.revision).toBe(r5);
    const redeployed = (await eventsFor(ns, 'support')).filter((e) => e.reason === 'Redeployed');
    expect(redeployed).toHaveLength(4);
  });
});
