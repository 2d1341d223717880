// One active chatbot per sender: Lease claims, graceful and immediate takeover, races,
// redeploy with revisions and grace periods, deletion, restarts during a drain.
import { AppsV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Chatbot } from '../../src/api/schema.ts';
import type { Manager } from '../../src/operator/manager.ts';
import { apply, eventually, kubeConfig, kubectl, newNamespace } from '../support/cluster.ts';
import { botYaml, senderYaml } from '../support/manifests.ts';
import {
  clockNow,
  eventReasons,
  getChatbot,
  OffsetClock,
  operatorsPerTest,
  reconciledAfresh,
  senderLease,
  waitForChatbot,
  waitForDecision,
  waitForEvent,
  waitForSenderCondition,
} from '../support/operator.ts';

const MIN = 60_000;
/** RFC 3339 in whole seconds, as the API server and the operator write times. */
const rfc3339 = (t: number | Date) => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');

const sender = senderYaml;
const bot = botYaml;

const lease = senderLease;

const isState = (s: string) => (cb: Chatbot) => cb.status?.state === s;

/**
 * Waits past the current second: creationTimestamps have whole seconds, and two Senders of one
 * address created in the same second are ordered by namespace/name (the ownership rule's tie-break).
 */
const laterSecond = () => new Promise((r) => setTimeout(r, 1100));

describe('one active chatbot per sender', () => {
  const { managers, run } = operatorsPerTest();

  it('graceful takeover: B becomes Active, A drains for B’s grace period, then is Preempted', async () => {
    const ns = await newNamespace('claim');
    const clock = clockNow();
    const op = await run(ns, { clock });
    await apply(ns, `${sender('acme-whatsapp', '+385911234567')}---\n${bot('a')}`);
    const a = await waitForChatbot(ns, 'a', isState('Active'), 'A Active');
    const held = await lease(ns, '+385911234567');
    expect(held.spec?.holderIdentity).toBe(`${ns}/a`);
    // Someone else's field on the Lease: the operator's replace (from a cache without
    // managedFields) must not drop that owner's entry.
    await kubectl(['label', 'lease', held.metadata?.name ?? '', '-n', ns, 'team=support']);

    await apply(ns, bot('b', { state: 'Inactive', takeover: '{mode: Graceful, gracePeriod: 10m}' }));
    await waitForChatbot(ns, 'b', isState('Inactive'), 'B Inactive');
    const takeoverAt = clock.now();
    await kubectl(['patch', 'chatbot', 'b', '-n', ns, '--type=merge', '-p', '{"spec":{"state":"Active"}}']);
    await waitForChatbot(ns, 'b', isState('Active'), 'B Active');
    const drainingA = await waitForChatbot(ns, 'a', isState('Draining'), 'A Draining');
    const until = new Date(takeoverAt.getTime() + 10 * MIN).toISOString().replace(/\.\d+Z$/, 'Z');
    expect(drainingA.status?.draining).toEqual([
      expect.objectContaining({ revision: a.status?.revision, until, reason: 'TakenOver' }),
    ]);
    expect(drainingA.status?.activation?.preemptedBy).toBe(`${ns}/b`);
    const l = await lease(ns, '+385911234567');
    expect(l.spec?.holderIdentity).toBe(`${ns}/b`);
    expect(l.spec?.leaseTransitions).toBe(1);
    // Replaced from a cache without managedFields: the server kept every owner's entry.
    expect(l.metadata?.labels?.team).toBe('support');
    expect(l.metadata?.managedFields?.map((f) => f.manager)).toEqual(
      expect.arrayContaining(['chatbot-operator', 'kubectl-label']),
    );
    await waitForEvent(ns, 'a', 'TakenOver');
    const printed = await kubectl(['get', 'chatbots', '-n', ns]);
    expect(printed).toMatch(/\na\s+WhatsApp\s+acme-whatsapp\s+Draining\s/);
    expect(printed).toMatch(/\nb\s+WhatsApp\s+acme-whatsapp\s+Active\s/);
    // The Sender's status follows its Lease (writes batched for half a second).
    const senderStatus = (path: string) =>
      kubectl(['get', 'sender', 'acme-whatsapp', '-n', ns, '-o', `jsonpath={${path}}`]);
    await eventually(async () => ((await senderStatus('.status.holder.name')) === 'b' ? true : undefined), {
      what: 'Sender status.holder b',
    });
    expect(await senderStatus('.status.conditions[?(@.type=="Ready")].message')).toBe(
      `Held by chatbot ${ns}/b`,
    );

    clock.advance(10 * MIN - 1000);
    // A second before the deadline, a reconcile (that read the clock after the advance) keeps it.
    expect((await reconciledAfresh([op], ns, ['a'])).get('a')).toEqual(['Draining']);
    expect((await getChatbot(ns, 'a')).status?.state).toBe('Draining');
    clock.advance(1000);
    const preempted = await waitForChatbot(ns, 'a', isState('Preempted'), 'A Preempted at the deadline');
    expect(preempted.status?.draining).toBeUndefined();
    await waitForEvent(ns, 'a', 'DrainEnded');
    // Looked at again after the deadline, A stays Preempted and B Active.
    expect(await reconciledAfresh([op], ns, ['a', 'b'])).toEqual(
      new Map([
        ['a', ['Preempted']],
        ['b', ['Active']],
      ]),
    );
    expect((await getChatbot(ns, 'b')).status?.state).toBe('Active');
  });

  it('immediate takeover: A is Preempted at once, without a drain', async () => {
    const ns = await newNamespace('claim');
    const clock = clockNow();
    const op = await run(ns, { clock });
    await apply(ns, `${sender('acme-whatsapp', '+385911234568')}---\n${bot('a')}`);
    await waitForChatbot(ns, 'a', isState('Active'), 'A Active');
    await apply(ns, bot('b', { state: 'Inactive', takeover: '{mode: Immediate}' }));
    await waitForChatbot(ns, 'b', isState('Inactive'), 'B Inactive');
    await kubectl(['patch', 'chatbot', 'b', '-n', ns, '--type=merge', '-p', '{"spec":{"state":"Active"}}']);
    await waitForChatbot(ns, 'b', isState('Active'), 'B Active');
    const a = await waitForChatbot(ns, 'a', isState('Preempted'), 'A Preempted');
    expect(a.status?.draining).toBeUndefined();
    expect(a.status?.conditions?.find((c) => c.type === 'SenderBound')).toMatchObject({
      status: 'False',
      reason: 'HeldByOther',
    });
    await waitForEvent(ns, 'a', 'Preempted');
    // No flapping: A stays Preempted while nothing changes (the operator looks at both bots again
    // and decides the same); a new activation moment claims again.
    const again = await reconciledAfresh([op], ns, ['a', 'b']);
    expect(again).toEqual(
      new Map([
        ['a', ['Preempted']],
        ['b', ['Active']],
      ]),
    );
    expect((await getChatbot(ns, 'a')).status?.state).toBe('Preempted');
    expect((await lease(ns, '+385911234568')).spec?.holderIdentity).toBe(`${ns}/b`);
    clock.advance(MIN);
    const re = new Date(clock.now()).toISOString();
    await kubectl(['annotate', 'chatbot', 'a', '-n', ns, `chatbots.dev/reactivate=${re}`, '--overwrite']);
    await waitForChatbot(ns, 'a', isState('Active'), 'A Active again after reactivate');
    await waitForChatbot(ns, 'b', isState('Draining'), 'B Draining (A takes over gracefully)');
  });

  it('one owner per number across namespaces: a later namespace’s Sender is refused and its bot never claims', async () => {
    const ns1 = await newNamespace('claim');
    const ns2 = await newNamespace('claim');
    const clock = clockNow();
    await run(ns1, { clock, namespaces: [ns1, ns2], podNamespace: ns1 });
    await apply(ns1, `${sender('team-a', '+385911234576')}---\n${bot('a', { sender: 'team-a' })}`);
    await waitForChatbot(ns1, 'a', isState('Active'), 'A Active in ns1');
    await laterSecond(); // creationTimestamps have whole seconds: B's Sender is younger, not tied
    // Tenant B declares A's number and activates a bot on it later (a greater claim).
    await apply(ns2, `${sender('copy', '+385911234576')}---\n${bot('b', { sender: 'copy' })}`);
    const refused = await eventually(
      async () => {
        const s = JSON.parse(await kubectl(['get', 'sender', 'copy', '-n', ns2, '-o', 'json']));
        const c = (s.status?.conditions ?? []) as {
          type: string;
          status: string;
          reason: string;
          message: string;
        }[];
        return c.find((x) => x.type === 'Accepted' && x.status === 'False') ? c : undefined;
      },
      { what: 'the copy refused' },
    );
    const byType = Object.fromEntries(refused.map((c) => [c.type, c]));
    expect(byType.Accepted).toMatchObject({ reason: 'AddressOwnedElsewhere' });
    expect(byType.Accepted!.message).toContain(`belongs to namespace ${ns1}`);
    expect(byType.Stalled).toMatchObject({ status: 'True', reason: 'AddressOwnedElsewhere' });
    expect(byType.Ready).toMatchObject({ status: 'False', reason: 'NotAccepted' });
    const b = await waitForChatbot(
      ns2,
      'b',
      (c) =>
        c.status?.conditions?.some((x) => x.type === 'Stalled' && x.reason === 'AddressOwnedElsewhere') ??
        false,
      'B stalled on its refused Sender',
    );
    expect(b.status?.state).not.toBe('Active');
    expect(b.status?.conditions?.find((x) => x.type === 'SenderBound')).toMatchObject({
      status: 'False',
      reason: 'SenderNotAccepted',
    });
    // A keeps its number.
    expect((await lease(ns1, '+385911234576')).spec?.holderIdentity).toBe(`${ns1}/a`);
    expect((await getChatbot(ns1, 'a')).status?.state).toBe('Active');
    // kubectl get shows it.
    expect(await kubectl(['get', 'chatbot', 'b', '-n', ns2])).not.toMatch(/\bActive\b/);
  });

  it('holds across namespaces with a grant: the same number in two namespaces is one sender', async () => {
    const ns1 = await newNamespace('claim');
    const ns2 = await newNamespace('claim');
    const clock = clockNow();
    await run(ns1, { clock, namespaces: [ns1, ns2], podNamespace: ns1 });
    // The owner namespace grants ns2 (a ReferenceGrant in spirit) in its own Sender.
    const granting = sender('team-a', '+385911234575').replace(
      'credentialsSecretRef: {name: team-a}',
      `credentialsSecretRef: {name: team-a}, sharedWith: [${ns2}]`,
    );
    await apply(ns1, `${granting}---\n${bot('a', { sender: 'team-a' })}`);
    await waitForChatbot(ns1, 'a', isState('Active'), 'A Active in ns1');
    await laterSecond();
    await apply(
      ns2,
      `${sender('team-b', '+385911234575')}---\n${bot('b', { sender: 'team-b', state: 'Inactive', takeover: '{mode: Immediate}' })}`,
    );
    await waitForChatbot(ns2, 'b', isState('Inactive'), 'B Inactive in ns2');
    await kubectl(['patch', 'chatbot', 'b', '-n', ns2, '--type=merge', '-p', '{"spec":{"state":"Active"}}']);
    await waitForChatbot(ns2, 'b', isState('Active'), 'B Active in ns2');
    const a = await waitForChatbot(ns1, 'a', isState('Preempted'), 'A Preempted in ns1');
    expect(a.status?.activation?.preemptedBy).toBe(`${ns2}/b`);
    expect((await lease(ns1, '+385911234575')).spec?.holderIdentity).toBe(`${ns2}/b`);
    await eventually(async () =>
      (await kubectl(['get', 'sender', 'team-a', '-n', ns1, '-o', 'jsonpath={.status.holder.namespace}'])) ===
      ns2
        ? true
        : undefined,
    );
    await waitForSenderCondition(ns2, 'team-b', { type: 'Accepted', status: 'True', reason: 'Granted' });
  });

  it.each([
    { how: 'racing workers of one operator', processes: 1 },
    { how: 'two operators with leader election off', processes: 2 },
  ])(
    '50 rounds of bots activated at the same moment converge to the claim order ($how)',
    async ({ processes }) => {
      const ns = await newNamespace('race');
      // The operators' clock runs 5 minutes ahead of the API server's: each round's moment (a
      // minute after the round starts) is after every bot's creation, and already past for them.
      const clock = new OffsetClock(5 * MIN);
      const ops: Manager[] = [];
      for (let i = 0; i < processes; i++) ops.push(await run(ns, { workers: 4, identity: `op-${i}`, clock }));
      let decidedByName = 0;
      for (let round = 0; round < 50; round++) {
        const moment = rfc3339(Math.floor((Date.now() + MIN) / 1000) * 1000);
        const address = `+38591${String(1000000 + round).slice(1)}`;
        const sd = `sender-${round}`;
        const n = 2 + (round % 2);
        const names = Array.from(
          { length: n },
          (_, i) => `r${round}-${String.fromCharCode(97 + ((i * 7 + round) % 26))}`,
        );
        const docs = [
          sender(sd, address),
          ...names.map((name) =>
            bot(name, { sender: sd, annotations: { 'chatbots.dev/reactivate': moment } }),
          ),
        ];
        await apply(ns, docs.join('---\n'));
        const bots = await Promise.all(names.map((name) => getChatbot(ns, name)));
        // The claim order by the rule users read (DESIGN.md), written out here: a bot created
        // wanting Active claims at its creationTimestamp, and the reactivate annotation is a new
        // moment only when it is later than that. Claims order by moment, then creationTimestamp,
        // then namespace/name; the greatest holds the sender.
        const claims = bots.map((b) => {
          const created = new Date(b.metadata.creationTimestamp as string).getTime();
          return { key: `${ns}/${b.metadata.name}`, moment: Math.max(created, Date.parse(moment)), created };
        });
        const greater = (x: (typeof claims)[number], y: (typeof claims)[number]) =>
          x.moment !== y.moment
            ? x.moment > y.moment
            : x.created !== y.created
              ? x.created > y.created
              : x.key > y.key;
        const expected = claims.reduce((best, c) => (greater(c, best) ? c : best)).key;
        // The same moment really: every bot of the round claims at the annotation's instant.
        expect(new Set(claims.map((c) => c.moment)), `round ${round}`).toEqual(new Set([Date.parse(moment)]));
        if (new Set(claims.map((c) => c.created)).size === 1) decidedByName++;
        const settled = await eventually(
          async () => {
            const l = await lease(ns, address).catch(() => undefined);
            const states = await Promise.all(
              names.map(async (name) => (await getChatbot(ns, name)).status?.state),
            );
            const active = states.filter((s) => s === 'Active').length;
            const others = states.filter((s) => s === 'Preempted' || s === 'Draining').length;
            return l?.spec?.holderIdentity === expected && active === 1 && others === n - 1 ? l : undefined;
          },
          { what: `round ${round}: ${expected} holds ${sd}`, timeoutMs: 15_000 },
        );
        const holderState = (await getChatbot(ns, expected.split('/')[1]!)).status?.state;
        expect(holderState, `round ${round}`).toBe('Active');
        // The operator ordered the same claims: each bot's recorded moment is the round's.
        for (const name of names) {
          expect((await getChatbot(ns, name)).status?.activation?.moment, `round ${round} ${name}`).toBe(
            moment,
          );
        }
        if (round % 10 === 9) {
          // No later flip: every operator reconciles every bot of the round again, and the
          // holder stays.
          const states = await reconciledAfresh(ops, ns, names);
          for (const name of names) {
            const want =
              `${ns}/${name}` === expected ? 'Active' : expect.stringMatching(/^(Preempted|Draining)$/);
            expect(states.get(name), `round ${round} ${name}`).toEqual(ops.map(() => want));
          }
          const again = await lease(ns, address);
          expect(again.spec?.holderIdentity).toBe(expected);
          expect(again.spec?.leaseTransitions).toBe(settled.spec?.leaseTransitions);
        }
      }
      // Ties all the way down happened: in some rounds the bots shared their creation second too,
      // and the name decided.
      expect(decidedByName).toBeGreaterThan(0);
    },
    240_000,
  );

  it('redeploy: a new ControllerRevision serves, the old one drains for the grace period; rollback works', async () => {
    const ns = await newNamespace('redeploy');
    const clock = clockNow();
    await run(ns, { clock });
    await apply(
      ns,
      `${sender('acme-whatsapp', '+385911234569')}---\n${bot('support', { redeploy: '{gracePeriod: 5m}', greeting: 'v1' })}`,
    );
    const v1 = await waitForChatbot(
      ns,
      'support',
      (cb) => cb.status?.state === 'Active' && !!cb.status.revision,
    );
    const rev1 = v1.status!.revision!;

    await apply(ns, bot('support', { redeploy: '{gracePeriod: 5m}', greeting: 'v2' }));
    const deployedAt = clock.now();
    const v2 = await waitForChatbot(
      ns,
      'support',
      (cb) => !!cb.status?.revision && cb.status.revision !== rev1,
    );
    const rev2 = v2.status!.revision!;
    expect(v2.status?.state).toBe('Active');
    expect(v2.status?.draining).toEqual([
      expect.objectContaining({
        revision: rev1,
        reason: 'Redeploy',
        until: new Date(deployedAt.getTime() + 5 * MIN).toISOString().replace(/\.\d+Z$/, 'Z'),
      }),
    ]);
    const apps = kubeConfig().makeApiClient(AppsV1Api);
    const revs = await apps.listNamespacedControllerRevision({ namespace: ns });
    const byName = new Map(revs.items.map((r) => [r.metadata?.name, r]));
    expect(byName.get(rev2)?.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Chatbot',
      name: 'support',
    });
    const data = byName.get(rev2)?.data as { definition: { dialogs: { elements: { text?: string }[] }[] } };
    expect(data.definition.dialogs[0]!.elements[0]!.text).toBe('v2');
    expect(byName.get(rev2)?.revision).toBeGreaterThan(byName.get(rev1)?.revision ?? 0);
    await waitForEvent(ns, 'support', 'Redeployed');

    clock.advance(5 * MIN);
    await waitForChatbot(
      ns,
      'support',
      (cb) => cb.status?.draining === undefined,
      'drain ended at the deadline',
    );
    await waitForEvent(ns, 'support', 'DrainEnded');

    // Rollback: the old definition maps to the old revision again.
    await apply(ns, bot('support', { redeploy: '{gracePeriod: 5m}', greeting: 'v1' }));
    const back = await waitForChatbot(
      ns,
      'support',
      (cb) => cb.status?.revision === rev1,
      'rolled back to rev1',
    );
    expect(back.status?.draining).toEqual([expect.objectContaining({ revision: rev2, reason: 'Redeploy' })]);
  });

  it('a drain ends early when the runtime reports no open sessions on the draining revision', async () => {
    const ns = await newNamespace('redeploy');
    const clock = clockNow();
    await run(ns, { clock });
    await apply(
      ns,
      `${sender('acme-whatsapp', '+385911234574')}---\n${bot('support', { redeploy: '{gracePeriod: 1h}', greeting: 'v1' })}`,
    );
    const v1 = await waitForChatbot(
      ns,
      'support',
      (cb) => cb.status?.state === 'Active' && !!cb.status.revision,
    );
    await apply(ns, bot('support', { redeploy: '{gracePeriod: 1h}', greeting: 'v2' }));
    const v2 = await waitForChatbot(
      ns,
      'support',
      (cb) => (cb.status?.draining?.length ?? 0) > 0,
      'old revision draining',
    );
    const rev1 = v1.status!.revision!;
    // What the runtime writes: open sessions per revision, counted after the drain began.
    const sessions = {
      open: 2,
      draining: 0,
      byRevision: { [rev1]: 0, [v2.status!.revision!]: 2 },
      observedAt: clock.now().toISOString(),
    };
    await kubectl([
      'patch',
      'chatbot',
      'support',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { sessions } }),
    ]);
    const done = await waitForChatbot(
      ns,
      'support',
      (cb) => cb.status?.draining === undefined,
      'drain ended early',
    );
    expect(done.status?.sessions?.byRevision?.[rev1]).toBe(0);
    const ended = await waitForEvent(ns, 'support', 'DrainEnded');
    expect(ended.note).toContain('no open sessions');
  });

  it('an invalid change keeps the last valid revision serving and says why', async () => {
    const ns = await newNamespace('redeploy');
    await run(ns);
    await apply(ns, `${sender('acme-whatsapp', '+385911234570')}---\n${bot('support')}`);
    const ok = await waitForChatbot(ns, 'support', isState('Active'));
    const broken = bot('support').replace('startDialog: welcome', 'startDialog: nowhere');
    await apply(ns, broken);
    const cb = await waitForChatbot(
      ns,
      'support',
      (c) =>
        c.status?.observedGeneration === c.metadata.generation && (c.status?.validation?.errors ?? 0) > 0,
    );
    expect(cb.status?.state).toBe('Active');
    expect(cb.status?.revision).toBe(ok.status?.revision);
    expect(cb.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False' });
    expect(cb.status?.conditions?.find((c) => c.type === 'Validated')?.message).toContain(
      'spec.definition.startDialog',
    );
  });

  it('the drain of a displaced bot ends at the same deadline after an operator restart', async () => {
    const ns = await newNamespace('claim');
    const clock = clockNow();
    const first = await run(ns, { clock });
    await apply(ns, `${sender('acme-whatsapp', '+385911234571')}---\n${bot('a')}`);
    await waitForChatbot(ns, 'a', isState('Active'));
    await apply(ns, bot('b', { state: 'Inactive', takeover: '{gracePeriod: 20m}' }));
    await waitForChatbot(ns, 'b', isState('Inactive'));
    await kubectl(['patch', 'chatbot', 'b', '-n', ns, '--type=merge', '-p', '{"spec":{"state":"Active"}}']);
    const draining = await waitForChatbot(ns, 'a', isState('Draining'));
    const until = draining.status!.draining![0]!.until;

    await first.stop();
    managers.splice(managers.indexOf(first), 1);
    clock.advance(10 * MIN);
    const second = await run(ns, { clock });
    // The new operator has looked at A (every reconcile of it began after the restart and the
    // advance) and it is still draining towards the deadline the first one set.
    await waitForDecision(second, ns, 'a');
    const still = await getChatbot(ns, 'a');
    expect(still.status?.state).toBe('Draining');
    expect(still.status?.draining?.[0]?.until).toBe(until);
    clock.advance(new Date(until));
    await waitForChatbot(ns, 'a', isState('Preempted'), 'Preempted at the original deadline');
  });

  it('deleting the holder releases the sender; deleting a Sender leaves its bots ChannelSenderUndefined', async () => {
    const ns = await newNamespace('claim');
    await run(ns);
    await apply(
      ns,
      `${sender('acme-whatsapp', '+385911234572')}---\n${bot('a')}---\n${sender('other', '+385911234573')}---\n${bot('c', { sender: 'other' })}`,
    );
    await waitForChatbot(ns, 'a', isState('Active'));
    await waitForChatbot(ns, 'c', isState('Active'));
    await kubectl(['delete', 'chatbot', 'a', '-n', ns, '--wait=true', '--timeout=20s']);
    const released = await eventually(async () => {
      const l = await lease(ns, '+385911234572');
      return l.spec?.holderIdentity ? undefined : l;
    });
    expect(released.spec?.holderIdentity).toBeUndefined();

    await kubectl(['delete', 'sender', 'other', '-n', ns]);
    const c = await waitForChatbot(ns, 'c', isState('Invalid'), 'c Invalid without its Sender');
    expect(c.status?.validation?.issues?.map((i) => i.code)).toContain('ChannelSenderUndefined');
    const l = await eventually(async () => {
      const x = await lease(ns, '+385911234573');
      return x.spec?.holderIdentity ? undefined : x;
    });
    expect(l.spec?.holderIdentity).toBeUndefined();
    await waitForEvent(ns, 'c', 'Deactivated');
    expect(await eventReasons(ns, 'c')).toContain('Deactivated');
  });

  it('a holder deleted while the operator is down lets go at its next start; the same name again is a new holder', async () => {
    const ns = await newNamespace('claim');
    const first = await run(ns);
    await apply(
      ns,
      `${sender('acme-whatsapp', '+385911234574')}---\n${bot('a')}---\n${sender('second', '+385911234575')}---\n${bot('b', { sender: 'second' })}`,
    );
    await waitForChatbot(ns, 'a', isState('Active'));
    const oldB = await waitForChatbot(ns, 'b', isState('Active'));
    const before = await lease(ns, '+385911234575');
    expect(before.metadata?.annotations?.['chatbots.dev/holder-uid']).toBe(oldB.metadata.uid);
    await first.stop();
    managers.splice(managers.indexOf(first), 1);

    // No finalizer: deleting does not wait for the operator.
    await kubectl(['delete', 'chatbot', 'a', 'b', '-n', ns, '--wait=true', '--timeout=10s']);
    // b comes back under the same name (a new object) before the operator does.
    await apply(ns, bot('b', { sender: 'second' }));
    expect((await lease(ns, '+385911234574')).spec?.holderIdentity).toBe(`${ns}/a`);

    await run(ns);
    const released = await eventually(
      async () => {
        const l = await lease(ns, '+385911234574');
        return l.spec?.holderIdentity ? undefined : l;
      },
      { what: 'the deleted holder’s sender released' },
    );
    expect(released.metadata?.annotations?.['chatbots.dev/holder-uid']).toBeUndefined();
    const newB = await waitForChatbot(ns, 'b', isState('Active'), 'the new b Active');
    const after = await eventually(
      async () => {
        const l = await lease(ns, '+385911234575');
        return l.metadata?.annotations?.['chatbots.dev/holder-uid'] === newB.metadata.uid ? l : undefined;
      },
      { what: 'the new b holding its sender' },
    );
    expect(after.spec?.holderIdentity).toBe(`${ns}/b`);
    expect(new Date(String(after.spec?.acquireTime)).getTime()).toBeGreaterThan(
      new Date(String(before.spec?.acquireTime)).getTime(),
    );
    expect(newB.status?.activation?.moment).toBe(newB.metadata.creationTimestamp);
  });
});
