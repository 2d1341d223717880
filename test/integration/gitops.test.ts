// GitOps tools read our statuses as they are. Each case makes a real status (the real control
// plane, the operator in-process, a fake clock where time matters), reads the object back as
// `kubectl get -o json` prints it, and runs both readers on it: kstatus (src/core/gitops, the rules
// Flux applies) and the Argo CD health checks of deploy/gitops/ (Lua, run as Argo CD runs them).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Chatbot } from '../../src/api/schema.ts';
import { type KStatusResult, kstatusOf } from '../../src/core/gitops/kstatus.ts';
import { FakeClock } from '../../src/kube/clock.ts';
import { apply, eventually, kubectl, newNamespace } from '../support/cluster.ts';
import { type ArgoHealth, argoHealthOf, GITOPS_DIR, healthScript } from '../support/gitops-lua.ts';
import { botYaml, senderYaml } from '../support/manifests.ts';
import { clockNow, operatorsPerTest, waitForChatbot } from '../support/operator.ts';

const MIN = 60_000;
const rfc3339 = (t: number | Date) => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
const isState = (s: string) => (cb: Chatbot) => cb.status?.state === s;

interface Reading {
  obj: { kind: string; metadata: { generation?: number }; status?: Record<string, unknown> };
  kstatus: KStatusResult;
  argo: ArgoHealth;
}

/** The object as `kubectl get -o json` returns it, read by kstatus and by the Argo CD health check. */
async function read(ns: string, kind: 'chatbot' | 'sender', name: string): Promise<Reading> {
  const obj = JSON.parse(await kubectl(['get', kind, name, '-n', ns, '-o', 'json'])) as Reading['obj'];
  return { obj, kstatus: kstatusOf(obj), argo: argoHealthOf(obj) };
}

/** Both readers' verdicts, for one expect() that shows them side by side. */
const verdicts = (r: Reading) => ({ kstatus: r.kstatus.status, argo: r.argo.status });

describe('GitOps health of real statuses (kstatus for Flux, Lua for Argo CD)', () => {
  const { managers, run } = operatorsPerTest();

  it('Active, Inactive, Draining (graceful takeover) and then Preempted; the Sender held and available', async () => {
    const ns = await newNamespace('gitops');
    const clock = clockNow();
    await run(ns, { clock });
    await apply(
      ns,
      `${senderYaml('acme-whatsapp', '+385911230001')}---\n${senderYaml('spare', '+385911230002')}`,
    );
    await apply(ns, botYaml('a'));
    await waitForChatbot(ns, 'a', isState('Active'), 'A Active');

    const active = await read(ns, 'chatbot', 'a');
    expect(verdicts(active)).toEqual({ kstatus: 'Current', argo: 'Healthy' });
    expect(active.argo.message).toBe(`Active and serving (revision ${active.obj.status?.revision})`);

    // A Sender held by an active bot, and one no bot holds: both serve as declared.
    const held = await eventually(
      async () => {
        const r = await read(ns, 'sender', 'acme-whatsapp');
        return r.obj.status?.holder ? r : undefined;
      },
      { what: 'Sender acme-whatsapp held' },
    );
    expect(verdicts(held)).toEqual({ kstatus: 'Current', argo: 'Healthy' });
    expect(held.argo.message).toBe(`Held by chatbot ${ns}/a`);
    const spare = await eventually(
      async () => {
        const r = await read(ns, 'sender', 'spare');
        return r.obj.status?.conditions ? r : undefined;
      },
      { what: 'Sender spare with a status' },
    );
    expect(verdicts(spare)).toEqual({ kstatus: 'Current', argo: 'Healthy' });
    expect(spare.argo.message).toBe('No active chatbot holds this sender');

    await apply(ns, botYaml('b', { state: 'Inactive', takeover: '{mode: Graceful, gracePeriod: 10m}' }));
    await waitForChatbot(ns, 'b', isState('Inactive'), 'B Inactive');
    const inactive = await read(ns, 'chatbot', 'b');
    expect(verdicts(inactive)).toEqual({ kstatus: 'Current', argo: 'Suspended' });
    expect(inactive.argo.message).toBe('Inactive');

    const takeoverAt = clock.now();
    await kubectl(['patch', 'chatbot', 'b', '-n', ns, '--type=merge', '-p', '{"spec":{"state":"Active"}}']);
    await waitForChatbot(ns, 'b', isState('Active'), 'B Active');
    await waitForChatbot(ns, 'a', isState('Draining'), 'A Draining');
    const until = rfc3339(takeoverAt.getTime() + 10 * MIN);
    const draining = await read(ns, 'chatbot', 'a');
    expect(verdicts(draining)).toEqual({ kstatus: 'InProgress', argo: 'Progressing' });
    expect(draining.kstatus.conditions).toEqual([
      expect.objectContaining({ type: 'Reconciling', reason: 'Draining' }),
    ]);
    expect(draining.kstatus.message).toBe(`${active.obj.status?.revision} until ${until} (TakenOver)`);
    expect(draining.argo.message).toBe(`Draining: ${active.obj.status?.revision} until ${until} (TakenOver)`);
    expect(verdicts(await read(ns, 'chatbot', 'b'))).toEqual({ kstatus: 'Current', argo: 'Healthy' });

    // At the deadline A is Preempted: it stays so until its own next activation moment.
    clock.advance(10 * MIN);
    await waitForChatbot(ns, 'a', isState('Preempted'), 'A Preempted at the deadline');
    const preempted = await read(ns, 'chatbot', 'a');
    // kstatus: Stalled=True (it waits for a person or its own next activation moment): Failed.
    // Argo CD: declared Active, not serving, and no progress without a user: Degraded.
    expect(verdicts(preempted)).toEqual({ kstatus: 'Failed', argo: 'Degraded' });
    expect(preempted.kstatus.conditions).toEqual([
      expect.objectContaining({ type: 'Stalled', reason: 'Preempted' }),
    ]);
    expect(preempted.argo.message).toBe(
      `Preempted: Sender held by ${ns}/b; set the annotation chatbots.dev/reactivate to claim it again`,
    );
  });

  it('Preempted at once by an Immediate takeover', async () => {
    const ns = await newNamespace('gitops');
    await run(ns, { clock: clockNow() });
    await apply(ns, `${senderYaml('acme-whatsapp', '+385911230003')}---\n${botYaml('a')}`);
    await waitForChatbot(ns, 'a', isState('Active'), 'A Active');
    await apply(ns, botYaml('b', { state: 'Inactive', takeover: '{mode: Immediate}' }));
    await waitForChatbot(ns, 'b', isState('Inactive'), 'B Inactive');
    await kubectl(['patch', 'chatbot', 'b', '-n', ns, '--type=merge', '-p', '{"spec":{"state":"Active"}}']);
    await waitForChatbot(ns, 'a', isState('Preempted'), 'A Preempted');
    const preempted = await read(ns, 'chatbot', 'a');
    expect(verdicts(preempted)).toEqual({ kstatus: 'Failed', argo: 'Degraded' });
    expect(preempted.obj.status?.draining).toBeUndefined();
    expect(preempted.argo.message).toContain(`Sender held by ${ns}/b`);
    expect(verdicts(await read(ns, 'chatbot', 'b'))).toEqual({ kstatus: 'Current', argo: 'Healthy' });
  });

  it('Scheduled: Current and Suspended until its activation, then Active and Healthy', async () => {
    const ns = await newNamespace('gitops');
    const clock = new FakeClock('2026-11-25T10:00:00Z');
    await run(ns, { clock });
    const schedule = `  schedule:
    timeZone: Europe/Zagreb
    activateAt: "2026-12-01T09:00"
    deactivateAt: "2026-12-24T18:00"`;
    await apply(
      ns,
      `${senderYaml('acme-whatsapp', '+385911230004')}---\n${botYaml('xmas', { state: 'Inactive', schedule })}`,
    );
    await waitForChatbot(ns, 'xmas', isState('Scheduled'), 'Scheduled');
    const scheduled = await read(ns, 'chatbot', 'xmas');
    expect(verdicts(scheduled)).toEqual({ kstatus: 'Current', argo: 'Suspended' });
    expect(scheduled.argo.message).toBe('Scheduled; next: Activate at 2026-12-01T08:00:00Z');

    clock.advance('2026-12-01T08:00:00Z');
    await waitForChatbot(ns, 'xmas', isState('Active'), 'Active at activateAt');
    const active = await read(ns, 'chatbot', 'xmas');
    expect(verdicts(active)).toEqual({ kstatus: 'Current', argo: 'Healthy' });
    expect(active.argo.message).toContain('; next: Deactivate at 2026-12-24T17:00:00Z');
  });

  it('Invalid (an empty button caption): Failed and Degraded; an invalid edit to an active bot too', async () => {
    const ns = await newNamespace('gitops');
    await run(ns);
    await apply(ns, `${senderYaml('acme-whatsapp', '+385911230005')}---\n${botYaml('bad', { caption: '' })}`);
    await waitForChatbot(ns, 'bad', isState('Invalid'), 'Invalid');
    const invalid = await read(ns, 'chatbot', 'bad');
    expect(verdicts(invalid)).toEqual({ kstatus: 'Failed', argo: 'Degraded' });
    expect(invalid.kstatus.conditions).toEqual([
      expect.objectContaining({ type: 'Stalled', reason: 'ValidationFailed' }),
    ]);
    const first =
      'spec.definition.dialogs[0].elements[1].buttons.items[0].caption: Button caption must not be empty';
    expect(invalid.kstatus.message).toContain(first);
    expect(invalid.argo.message).toMatch(/^Fix the manifest: /);
    expect(invalid.argo.message).toContain(first);

    // An active bot given an invalid edit keeps serving its last valid revision, and says so.
    await apply(ns, botYaml('live'));
    const live = await waitForChatbot(ns, 'live', isState('Active'), 'live Active');
    await apply(ns, botYaml('live', { caption: '' }));
    await waitForChatbot(
      ns,
      'live',
      (cb) => cb.status?.observedGeneration === 2 && cb.status?.state !== undefined,
      'the invalid edit observed',
    );
    const serving = await read(ns, 'chatbot', 'live');
    expect(serving.obj.status?.state).toBe('Active');
    expect(verdicts(serving)).toEqual({ kstatus: 'Failed', argo: 'Degraded' });
    expect(serving.argo.message).toContain(first);
    expect(serving.argo.message).toContain(
      `(the last valid revision ${live.status?.revision} keeps serving)`,
    );
  });

  it('a spec change the operator has not observed yet: InProgress and Progressing; a bot with no status yet', async () => {
    const ns = await newNamespace('gitops');
    const op = await run(ns);
    await apply(
      ns,
      `${senderYaml('acme-whatsapp', '+385911230006')}---\n${botYaml('lag', { state: 'Inactive' })}`,
    );
    await waitForChatbot(ns, 'lag', isState('Inactive'), 'Inactive');
    expect(verdicts(await read(ns, 'chatbot', 'lag'))).toEqual({ kstatus: 'Current', argo: 'Suspended' });

    // The operator stops (an upgrade, a crash): the status it wrote stays; the spec moves on.
    await op.stop();
    managers.splice(managers.indexOf(op), 1);
    await kubectl(['patch', 'chatbot', 'lag', '-n', ns, '--type=merge', '-p', '{"spec":{"state":"Active"}}']);
    const behind = await read(ns, 'chatbot', 'lag');
    expect(behind.obj.metadata.generation).toBe(2);
    expect(behind.obj.status?.observedGeneration).toBe(1);
    expect(verdicts(behind)).toEqual({ kstatus: 'InProgress', argo: 'Progressing' });
    expect(behind.kstatus.message).toBe('Chatbot generation is 2, but latest observed generation is 1');
    expect(behind.kstatus.conditions).toEqual([
      expect.objectContaining({ type: 'Reconciling', reason: 'LatestGenerationNotObserved' }),
    ]);
    expect(behind.argo.message).toBe(
      'Waiting for the operator: generation 2 is not observed yet (observed 1)',
    );

    // A bot applied while no operator runs has no status at all. kstatus cannot tell it from a
    // resource without conditions and calls it Current; the Argo CD check waits for the operator.
    await apply(ns, botYaml('fresh', { state: 'Inactive' }));
    const fresh = await read(ns, 'chatbot', 'fresh');
    expect(fresh.obj.status).toBeUndefined();
    expect(verdicts(fresh)).toEqual({ kstatus: 'Current', argo: 'Progressing' });
    expect(fresh.kstatus.message).toBe('Resource is current');

    // The operator is back: it catches up with both.
    await run(ns);
    await waitForChatbot(
      ns,
      'lag',
      (cb) => cb.status?.observedGeneration === 2 && isState('Active')(cb),
      'lag Active',
    );
    expect(verdicts(await read(ns, 'chatbot', 'lag'))).toEqual({ kstatus: 'Current', argo: 'Healthy' });
  });

  it('the argocd-cm snippet merges into an existing argocd-cm with the documented kubectl patch', async () => {
    const ns = await newNamespace('gitops');
    await kubectl([
      'create',
      'configmap',
      'argocd-cm',
      '-n',
      ns,
      '--from-literal=url=https://argocd.example',
    ]);
    const file = join(GITOPS_DIR, 'argocd-health.yaml');
    await kubectl(['patch', 'configmap', 'argocd-cm', '-n', ns, '--type', 'merge', '--patch-file', file]);
    const cm = JSON.parse(await kubectl(['get', 'configmap', 'argocd-cm', '-n', ns, '-o', 'json'])) as {
      data: Record<string, string>;
    };
    expect(cm.data).toEqual({
      url: 'https://argocd.example',
      'resource.customizations.health.chatbots.dev_Chatbot': healthScript.Chatbot,
      'resource.customizations.health.chatbots.dev_Sender': healthScript.Sender,
    });
  });
});
