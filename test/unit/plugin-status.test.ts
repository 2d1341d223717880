// What `status` and `revisions` print, from fixture objects: the state and why, validation issues at
// their paths, the sender's holder, drains and the next action in local time and UTC, entry points,
// sessions; revisions with the serving and draining ones; which revision a rollback picks.
import type { V1ControllerRevision } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Chatbot, Sender } from '../../src/api/schema.ts';
import { formatRevisionRows, revisionRows, rollbackTarget } from '../../src/cli/plugin/commands/revisions.ts';
import { formatStatus } from '../../src/cli/plugin/format-status.ts';
import { revisionName } from '../../src/core/lifecycle/revisions.ts';

const NOW = new Date('2026-12-01T09:00:00Z');
const ZONE = 'Europe/Zagreb';

const definition = { startDialog: 'welcome', dialogs: [{ name: 'welcome', elements: [{ text: 'Hi' }] }] };
const oldDefinition = {
  startDialog: 'welcome',
  dialogs: [{ name: 'welcome', elements: [{ text: 'Hello' }] }],
};
const REV2 = revisionName('support', definition);
const REV1 = revisionName('support', oldDefinition);

const chatbot: Chatbot = {
  apiVersion: 'chatbots.dev/v1alpha1',
  kind: 'Chatbot',
  metadata: { name: 'support', namespace: 'acme', generation: 4, uid: 'u1' },
  spec: {
    channel: 'WhatsApp',
    senderRef: { name: 'acme-whatsapp' },
    state: 'Active',
    schedule: { timeZone: ZONE, deactivateAt: '2026-12-24T18:00' },
    definition,
  },
  status: {
    observedGeneration: 4,
    state: 'Active',
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Active',
        message: 'Active on sender acme-whatsapp',
        lastTransitionTime: '2026-12-01T08:00:00Z',
      },
    ],
    validation: {
      errors: 0,
      warnings: 1,
      issues: [
        {
          severity: 'Warning',
          code: 'TooFewTrainingPhrases',
          path: 'spec.definition.intents[0].trainingPhrases',
          message: 'Intent orders has 2 training phrases',
        },
      ],
    },
    revision: REV2,
    draining: [
      { revision: REV1, since: '2026-12-01T08:50:00Z', until: '2026-12-01T09:15:00Z', reason: 'Redeploy' },
    ],
    schedule: { nextAction: 'Deactivate', nextAt: '2026-12-24T17:00:00Z' },
    entryPoints: {
      whatsapp: {
        link: 'https://wa.me/385911234567?text=Hi',
        shareable: true,
        qr: {
          png: 'https://bots.example/entry/acme/support/qr.png',
          svg: 'https://bots.example/entry/acme/support/qr.svg',
        },
      },
    },
    sessions: {
      open: 12,
      draining: 3,
      byRevision: { [REV2]: 12, [REV1]: 3 },
      observedAt: '2026-12-01T08:59:55Z',
    },
  },
};

const sender: Sender = {
  apiVersion: 'chatbots.dev/v1alpha1',
  kind: 'Sender',
  metadata: { name: 'acme-whatsapp', namespace: 'acme' },
  spec: { channel: 'WhatsApp', address: '+385911234567' },
  status: { holder: { namespace: 'acme', name: 'support', since: '2026-12-01T08:00:00Z' } },
};

describe('status', () => {
  it('reads as a summary, every time in local time and UTC', () => {
    expect(formatStatus({ chatbot, sender, now: NOW, zone: ZONE })).toBe(
      `Chatbot:       acme/support
Channel:       WhatsApp
Spec state:    Active
State:         Active
Why:           Ready=True Active: Active on sender acme-whatsapp
Validation:    valid (0 errors, 1 warning)
  warning  spec.definition.intents[0].trainingPhrases: Intent orders has 2 training phrases (TooFewTrainingPhrases)
Sender:        acme-whatsapp (WhatsApp +385911234567)
  held by:     acme/support (this chatbot) since 2026-12-01 09:00:00 Europe/Zagreb (2026-12-01T08:00:00Z), 1h ago
Revision:      ${REV2} (serves new conversations)
Draining:      ${REV1} (Redeploy) until 2026-12-01 10:15:00 Europe/Zagreb (2026-12-01T09:15:00Z), in 15m
Schedule:      deactivateAt 2026-12-24T18:00 (Europe/Zagreb)
Next:          Deactivate at 2026-12-24 18:00:00 Europe/Zagreb (2026-12-24T17:00:00Z), in 23d 8h
Entry points:
  whatsapp:    https://wa.me/385911234567?text=Hi
               shareable
               QR: https://bots.example/entry/acme/support/qr.png https://bots.example/entry/acme/support/qr.svg
Sessions:      12 open, 3 draining (${REV2}: 12, ${REV1}: 3)
               counted 2026-12-01 09:59:55 Europe/Zagreb (2026-12-01T08:59:55Z), 5s ago
Times:         in Europe/Zagreb and UTC; now 2026-12-01 10:00:00 Europe/Zagreb (2026-12-01T09:00:00Z)
`,
    );
  });

  it('an invalid, preempted or not yet reconciled bot says why; a missing or test sender too', () => {
    const invalid: Chatbot = {
      ...chatbot,
      metadata: { ...chatbot.metadata, generation: 5 },
      status: {
        observedGeneration: 4,
        state: 'Invalid',
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'ValidationFailed',
            message:
              '1 error; first: spec.definition.dialogs[0].elements[1].buttons.items[0].caption: Button caption must not be empty',
            lastTransitionTime: '2026-12-01T08:00:00Z',
          },
        ],
        validation: {
          errors: 1,
          warnings: 0,
          issues: [
            {
              severity: 'Error',
              code: 'ButtonCaptionEmpty',
              path: 'spec.definition.dialogs[0].elements[1].buttons.items[0].caption',
              message: 'Button caption must not be empty',
            },
          ],
          omitted: 2,
        },
      },
    };
    const out = formatStatus({ chatbot: invalid, sender: undefined, now: NOW, zone: ZONE });
    expect(out).toContain('State:         Invalid\n');
    expect(out).toContain(
      'Why:           Ready=False ValidationFailed: 1 error; first: spec.definition.dialogs[0].elements[1].buttons.items[0].caption: Button caption must not be empty\n',
    );
    expect(out).toContain('the spec is at 5: the operator has not caught up yet');
    expect(out).toContain('Validation:    invalid (1 error, 0 warnings)\n');
    expect(out).toContain(
      '  error    spec.definition.dialogs[0].elements[1].buttons.items[0].caption: Button caption must not be empty (ButtonCaptionEmpty)\n',
    );
    expect(out).toContain('  ... and 2 more issues\n');
    expect(out).toContain('Sender:        acme-whatsapp (not found in namespace acme)\n');
    expect(out).toContain('Entry points:  none (they appear once the chatbot is Active)\n');

    const testSender: Sender = {
      ...sender,
      spec: { ...sender.spec, test: true, verifiedNumber: '+385981111111' },
      status: { holder: { namespace: 'other', name: 'promo', since: '2026-12-01T08:30:00Z' } },
    };
    const preempted = formatStatus({
      chatbot: { ...chatbot, status: { state: 'Preempted' } },
      sender: testSender,
      now: NOW,
      zone: 'UTC',
    });
    expect(preempted).toContain(
      'Sender:        acme-whatsapp (WhatsApp +385911234567, test sender: only +385981111111)\n',
    );
    expect(preempted).toContain('  held by:     other/promo since 2026-12-01T08:30:00Z, 30m ago\n');
    expect(preempted).toContain('Sessions:      not reported (no runtime has counted them)\n');
    expect(
      formatStatus({ chatbot: { ...chatbot, status: undefined }, sender, now: NOW, zone: ZONE }),
    ).toContain('State:         unknown (no status yet: is the operator running?)\n');
  });
});

const rev = (name: string, revision: number, created: string, def = definition): V1ControllerRevision => ({
  metadata: { name, creationTimestamp: new Date(created), ownerReferences: [] },
  revision,
  data: { definition: def },
});

describe('revisions and rollback', () => {
  const list = [rev(REV1, 1, '2026-12-01T08:00:00Z', oldDefinition), rev(REV2, 2, '2026-12-01T08:50:00Z')];

  it('lists number, name, created, and which serves or drains until when', () => {
    expect(formatRevisionRows(revisionRows(chatbot, list, NOW, ZONE))).toBe(
      `REVISION  ${'NAME'.padEnd(REV1.length)}  ${'CREATED'.padEnd(56)}  STATUS
1         ${REV1}  2026-12-01 09:00:00 Europe/Zagreb (2026-12-01T08:00:00Z)  draining until 2026-12-01 10:15:00 Europe/Zagreb (2026-12-01T09:15:00Z), in 15m (Redeploy)
2         ${REV2}  2026-12-01 09:50:00 Europe/Zagreb (2026-12-01T08:50:00Z)  serving
`,
    );
  });

  it('rollback picks the newest revision other than the one in spec, or --to by number or name', () => {
    expect(rollbackTarget(chatbot, list, undefined).metadata?.name).toBe(REV1);
    // After a rollback to 1, "the previous one" is 2 again: rollback undoes a rollback.
    const rolledBack = { ...chatbot, spec: { ...chatbot.spec, definition: oldDefinition } };
    expect(rollbackTarget(rolledBack, list, undefined).metadata?.name).toBe(REV2);
    expect(rollbackTarget(chatbot, list, '1').metadata?.name).toBe(REV1);
    expect(rollbackTarget(chatbot, list, REV2).metadata?.name).toBe(REV2);
    expect(() => rollbackTarget(chatbot, list, '7')).toThrow(
      `chatbot support has no revision 7 (revisions: 1 (${REV1}), 2 (${REV2}))`,
    );
    expect(() => rollbackTarget(chatbot, [list[1]!], undefined)).toThrow(
      `chatbot support has no earlier revision to roll back to (revisions: 2 (${REV2}))`,
    );
  });
});
