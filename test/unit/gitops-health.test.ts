// The GitOps mapping, held against statuses the operator's own pure decision writes (decide() for
// a Chatbot, decideSender() for a Sender, over the lifecycle fixtures): for each state, what kstatus
// (Flux) and the Argo CD health check (deploy/gitops/*.lua) say. test/integration/gitops.test.ts
// does the same on objects read back from a real API server.
import { describe, expect, it } from 'vitest';
import type { Chatbot, ChatbotSpec, ChatbotStatus, Sender } from '../../src/api/schema.ts';
import { kstatusOf } from '../../src/core/gitops/kstatus.ts';
import {
  at,
  BUTTON_CAPTION,
  claimBy,
  DEFINITION_2,
  edited,
  NEW_BOT,
  newWorld,
  ONCE,
  REV,
  reconcile,
  senderOf,
  takenOverBy,
  type World,
} from '../../src/core/lifecycle/fixtures.ts';
import { decideSender } from '../../src/core/lifecycle/sender.ts';
import { argoHealthOf } from '../support/gitops-lua.ts';

/** The object as the API server would return it: JSON, with the status the decision wrote. */
const asServed = (bot: Chatbot | Sender, status: unknown) =>
  JSON.parse(JSON.stringify({ ...bot, status })) as Chatbot & { kind: string };

function verdict(o: { kind?: string }) {
  const k = kstatusOf(o);
  const a = argoHealthOf(o);
  return { kstatus: k.status, argo: a.status, kmessage: k.message, message: a.message };
}

/** A bot created Active, serving REV and holding its sender since 09:00:05. */
function serving(spec: Partial<ChatbotSpec> = {}): World {
  const world = newWorld({ spec: { state: 'Active', ...spec } });
  reconcile(world, at('2026-03-01T09:00:05Z'), []);
  return world;
}

const TAKEN_AT = '2026-03-02T10:00:01Z';

describe('Chatbot: every state the decision writes, as kstatus and Argo CD read it', () => {
  it.each<{
    name: string;
    world: () => { world: World; status: ChatbotStatus };
    state: string;
    kstatus: string;
    argo: string;
    message: RegExp;
  }>([
    {
      name: 'Active',
      world: () => {
        const world = serving();
        return { world, status: world.bot.status! };
      },
      state: 'Active',
      kstatus: 'Current',
      argo: 'Healthy',
      message: new RegExp(`^Active and serving \\(revision ${REV}\\)$`),
    },
    {
      name: 'Active right after a redeploy (the previous revision drains): still serving as declared',
      world: () => {
        const world = serving({ redeploy: { gracePeriod: '10m' } });
        edited(world, { definition: DEFINITION_2 });
        const plan = reconcile(world, at('2026-03-02T10:00:00Z'), []);
        expect(plan.status.draining).toEqual([expect.objectContaining({ reason: 'Redeploy' })]);
        return { world, status: plan.status };
      },
      state: 'Active',
      kstatus: 'Current',
      argo: 'Healthy',
      message: /^Active and serving \(revision /,
    },
    {
      name: 'Inactive',
      world: () => {
        const world = newWorld();
        return { world, status: reconcile(world, at('2026-03-01T09:00:05Z'), []).status };
      },
      state: 'Inactive',
      kstatus: 'Current',
      argo: 'Suspended',
      message: /^Inactive$/,
    },
    {
      name: 'Scheduled (waiting for its activation)',
      world: () => {
        const world = newWorld({ spec: { schedule: ONCE } });
        return { world, status: reconcile(world, at('2026-11-25T10:00:00Z'), []).status };
      },
      state: 'Scheduled',
      kstatus: 'Current',
      argo: 'Suspended',
      message: /^Scheduled; next: Activate at 2026-12-01T08:00:00Z$/,
    },
    {
      name: 'Draining after a graceful takeover',
      world: () => {
        const world = serving();
        takenOverBy(world, {
          claim: claimBy(NEW_BOT, '2026-03-02T10:00:00Z'),
          acquireTime: TAKEN_AT,
          takeover: { mode: 'Graceful', gracePeriod: '10m' },
        });
        return { world, status: reconcile(world, at('2026-03-02T10:00:03Z'), []).status };
      },
      state: 'Draining',
      kstatus: 'InProgress',
      argo: 'Progressing',
      message: new RegExp(`^Draining: ${REV} until 2026-03-02T10:10:01Z \\(TakenOver\\)$`),
    },
    {
      name: 'Draining after a deactivation with a grace period',
      world: () => {
        const world = serving({ deactivation: { gracePeriod: '5m' } });
        edited(world, { state: 'Inactive' });
        return { world, status: reconcile(world, at('2026-03-02T10:00:00Z'), []).status };
      },
      state: 'Draining',
      kstatus: 'InProgress',
      argo: 'Progressing',
      message: new RegExp(`^Draining: ${REV} until 2026-03-02T10:05:00Z \\(Deactivated\\)$`),
    },
    {
      name: 'Preempted by an immediate takeover (kstatus: Stalled=True, it waits for a person, is Failed)',
      world: () => {
        const world = serving();
        takenOverBy(world, {
          claim: claimBy(NEW_BOT, '2026-03-02T10:00:00Z'),
          acquireTime: TAKEN_AT,
          takeover: { mode: 'Immediate' },
        });
        return { world, status: reconcile(world, at('2026-03-02T10:00:03Z'), []).status };
      },
      state: 'Preempted',
      kstatus: 'Failed',
      argo: 'Degraded',
      message: new RegExp(
        `^Preempted: Sender held by ${NEW_BOT}; set the annotation chatbots.dev/reactivate`,
      ),
    },
    {
      name: 'Invalid',
      world: () => {
        const world = newWorld({ spec: { state: 'Active' } });
        return { world, status: reconcile(world, at('2026-03-01T09:00:05Z'), [BUTTON_CAPTION]).status };
      },
      state: 'Invalid',
      kstatus: 'Failed',
      argo: 'Degraded',
      message:
        /^Fix the manifest: 1 error; first: spec\.definition\.dialogs\[0\]\.elements\[1\]\.buttons\.items\[1\]\.caption: Button caption is empty$/,
    },
    {
      name: 'Active with an invalid edit: the last valid revision keeps serving, the manifest needs a fix',
      world: () => {
        const world = serving();
        edited(world, { definition: DEFINITION_2 });
        return { world, status: reconcile(world, at('2026-03-02T10:00:00Z'), [BUTTON_CAPTION]).status };
      },
      state: 'Active',
      kstatus: 'Failed',
      argo: 'Degraded',
      message: new RegExp(`Button caption is empty \\(the last valid revision ${REV} keeps serving\\)$`),
    },
    {
      name: 'Draining and invalid: in progress first (Reconciling comes before Stalled), the fix named',
      world: () => {
        const world = serving({ deactivation: { gracePeriod: '5m' } });
        edited(world, { state: 'Inactive', definition: DEFINITION_2 });
        return { world, status: reconcile(world, at('2026-03-02T10:00:00Z'), [BUTTON_CAPTION]).status };
      },
      state: 'Draining',
      kstatus: 'InProgress',
      argo: 'Progressing',
      message: /^Draining: .* until 2026-03-02T10:05:00Z \(Deactivated\); then: Fix the manifest: /,
    },
  ])('$name: $kstatus / $argo', ({ world: make, state, kstatus, argo, message }) => {
    const { world, status } = make();
    expect(status.state).toBe(state);
    const v = verdict(asServed(world.bot, status));
    expect({ kstatus: v.kstatus, argo: v.argo }).toEqual({ kstatus, argo });
    expect(v.message).toMatch(message);
  });

  it('a spec change not yet observed: InProgress / Progressing, whatever the last status said', () => {
    const world = serving();
    edited(world, { definition: DEFINITION_2 }); // generation 2; the status is still generation 1's
    const v = verdict(asServed(world.bot, world.bot.status));
    expect(v).toEqual({
      kstatus: 'InProgress',
      argo: 'Progressing',
      kmessage: 'Chatbot generation is 2, but latest observed generation is 1',
      message: 'Waiting for the operator: generation 2 is not observed yet (observed 1)',
    });
  });

  it('no status yet: kstatus says Current (it cannot know better), the Argo CD check waits', () => {
    const bot = newWorld().bot;
    const v = verdict(asServed(bot, undefined));
    expect([v.kstatus, v.argo]).toEqual(['Current', 'Progressing']);
    expect(v.message).toBe("Waiting for the operator to report the chatbot's status");
  });
});

describe('Sender: as kstatus and Argo CD read it', () => {
  const lease = (holder?: string) => ({
    name: 'sender-whatsapp-385911234567',
    transitions: 1,
    ...(holder ? { holder, acquireTime: at('2026-03-01T09:00:05Z') } : {}),
  });
  const now = at('2026-03-01T09:00:10Z');

  it.each([
    {
      name: 'held by an active chatbot',
      holder: 'acme/support-bot',
      message: 'Held by chatbot acme/support-bot',
    },
    { name: 'available', holder: undefined, message: 'No active chatbot holds this sender' },
  ])('$name: Current / Healthy', ({ holder, message }) => {
    const sender = senderOf();
    const { status } = decideSender({ sender, lease: lease(holder) }, now);
    expect(verdict(asServed(sender, status))).toEqual({
      kstatus: 'Current',
      argo: 'Healthy',
      kmessage: 'Resource is Ready',
      message,
    });
  });

  it('invalid (the API server rejects such a Sender, so only the pure decision makes one): Failed / Degraded', () => {
    // A test sender without its verifiedNumber: the CRD's own CEL rule, checked here by decideSender.
    const sender = senderOf({ test: true });
    const { status } = decideSender({ sender }, now);
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ValidationFailed',
    });
    const v = verdict(asServed(sender, status));
    // kstatus: Stalled=True (the manifest must be fixed) is Failed.
    expect([v.kstatus, v.argo]).toEqual(['Failed', 'Degraded']);
    expect(v.message).toMatch(/^Invalid: 1 error; first: spec/);
  });

  it('generation not yet observed, and no status yet: Progressing', () => {
    const sender = senderOf();
    const { status } = decideSender({ sender }, now);
    const bumped = { ...sender, metadata: { ...sender.metadata, generation: 2 } };
    expect(verdict(asServed(bumped, status))).toMatchObject({ kstatus: 'InProgress', argo: 'Progressing' });
    expect(verdict(asServed(sender, undefined))).toMatchObject({ kstatus: 'Current', argo: 'Progressing' });
  });
});
