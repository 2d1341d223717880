// The Chatbot and Sender API as the real kube-apiserver serves it from crds/: every CEL rule of
// src/api/rules.ts rejects its bad case with its message, defaults are applied by the server, and
// kubectl prints the columns and knows the short names.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { chatbotSpecRules, durationRule, scheduleRules, senderSpecRules } from '../../src/api/rules.ts';
import { kubectl, newNamespace } from '../support/cluster.ts';

const API_VERSION = 'chatbots.dev/v1alpha1';

const chatbot = (name: string, spec: Record<string, unknown>) =>
  stringify({ apiVersion: API_VERSION, kind: 'Chatbot', metadata: { name }, spec });
const sender = (name: string, spec: Record<string, unknown>) =>
  stringify({ apiVersion: API_VERSION, kind: 'Sender', metadata: { name }, spec });

const BOT = { channel: 'WhatsApp', senderRef: { name: 'acme-whatsapp' } };
/** The credentials Secret a WhatsApp Sender must name (CredentialsMissing). */
const WA = { name: 'acme-whatsapp' };

interface RuleCase {
  /** The manifest the rule rejects, and where the API server reports it. */
  bad: string;
  field: string;
  /** Manifests the rule lets through. */
  good: string[];
}

// One entry per CEL rule (by its offline code): a rule added to rules.ts without a case here
// fails the completeness test below.
const CASES: Record<string, RuleCase> = {
  [scheduleRules[0]!.code]: {
    bad: chatbot('no-time-zone', { ...BOT, schedule: { activateAt: '2026-12-01T09:00' } }),
    field: 'spec.schedule.timeZone',
    good: [
      chatbot('time-zone', {
        ...BOT,
        schedule: { timeZone: 'Europe/Zagreb', activateAt: '2026-12-01T09:00' },
      }),
    ],
  },
  [scheduleRules[1]!.code]: {
    bad: chatbot('deactivate-first', {
      ...BOT,
      schedule: {
        timeZone: 'Europe/Zagreb',
        activateAt: '2026-12-24T18:00',
        deactivateAt: '2026-12-01T09:00',
      },
    }),
    field: 'spec.schedule.deactivateAt',
    good: [
      chatbot('deactivate-later', {
        ...BOT,
        schedule: {
          timeZone: 'Europe/Zagreb',
          activateAt: '2026-12-01T09:00',
          deactivateAt: '2026-12-24T18:00',
        },
      }),
      // seconds are optional: 09:00 and 09:00:30 compare in time order
      chatbot('deactivate-seconds-later', {
        ...BOT,
        schedule: {
          timeZone: 'Europe/Zagreb',
          activateAt: '2026-12-01T09:00',
          deactivateAt: '2026-12-01T09:00:30',
        },
      }),
    ],
  },
  [chatbotSpecRules[0]!.code]: {
    bad: chatbot('deactivate-only', {
      ...BOT,
      state: 'Inactive',
      schedule: { timeZone: 'Europe/Zagreb', deactivateAt: '2026-12-24T18:00' },
    }),
    field: 'spec.schedule.deactivateAt',
    good: [
      // an active chatbot may schedule only its deactivation
      chatbot('active-deactivate-only', {
        ...BOT,
        state: 'Active',
        schedule: { timeZone: 'Europe/Zagreb', deactivateAt: '2026-12-24T18:00' },
      }),
      chatbot('inactive-both', {
        ...BOT,
        schedule: {
          timeZone: 'Europe/Zagreb',
          activateAt: '2026-12-01T09:00',
          deactivateAt: '2026-12-24T18:00',
        },
      }),
      chatbot('inactive-windows', {
        ...BOT,
        schedule: {
          timeZone: 'Europe/Zagreb',
          deactivateAt: '2026-12-24T18:00',
          windows: [{ activate: '0 8 * * 1-5', deactivate: '0 18 * * 1-5' }],
        },
      }),
    ],
  },
  [durationRule.code]: {
    bad: chatbot('bad-grace', { ...BOT, takeover: { mode: 'Graceful', gracePeriod: '15 minutes' } }),
    field: 'spec.takeover.gracePeriod',
    good: [
      chatbot('good-grace', {
        ...BOT,
        takeover: { mode: 'Graceful', gracePeriod: '1h30m' },
        redeploy: { gracePeriod: '90s' },
        deactivation: { gracePeriod: '0s' },
        sessionTimeout: '2.5h',
      }),
    ],
  },
  [senderSpecRules[0]!.code]: {
    bad: sender('test-unverified', {
      channel: 'WhatsApp',
      address: '+385911234567',
      credentialsSecretRef: WA,
      test: true,
    }),
    field: 'spec.verifiedNumber',
    good: [
      sender('test-verified', {
        channel: 'WhatsApp',
        address: '+385911234567',
        credentialsSecretRef: WA,
        test: true,
        verifiedNumber: '+385981112233',
      }),
    ],
  },
  [senderSpecRules[1]!.code]: {
    bad: sender('national-number', {
      channel: 'WhatsApp',
      address: '091 123 4567',
      credentialsSecretRef: WA,
    }),
    field: 'spec.address',
    good: [
      sender('e164', { channel: 'WhatsApp', address: '+385911234567', credentialsSecretRef: WA }),
      sender('sms-e164', { channel: 'SMS', address: '+385911234567' }),
      // any id on channels that are not phone numbers
      sender('http-id', { channel: 'Http', address: 'acme-web-widget' }),
    ],
  },
  [senderSpecRules[2]!.code]: {
    bad: sender('no-credentials', { channel: 'WhatsApp', address: '+385911234567' }),
    field: 'spec.credentialsSecretRef',
    good: [
      sender('with-credentials', { channel: 'WhatsApp', address: '+385911234567', credentialsSecretRef: WA }),
      // other channels may go without (an Http Sender without one is open: a warning, not an error)
      sender('sms-without', { channel: 'SMS', address: '+385911234567' }),
      sender('http-without', { channel: 'Http', address: 'acme-web-widget' }),
    ],
  },
};

const RULES = [...scheduleRules, ...chatbotSpecRules, durationRule, ...senderSpecRules];

async function rejection(manifest: string, ns: string): Promise<string> {
  return kubectl(['apply', '-n', ns, '-f', '-'], manifest).then(
    () => {
      throw new Error(`the API server accepted:\n${manifest}`);
    },
    (err: Error) => err.message,
  );
}

describe('CEL rules (crds/ from src/api/rules.ts)', () => {
  it('has a case for every rule', () => {
    expect(Object.keys(CASES).sort()).toEqual(RULES.map((r) => r.code).sort());
  });

  it.each(RULES.map((r) => [r.code, r] as const))(
    '%s: rejects the bad case with its message',
    async (code, rule) => {
      const c = CASES[code]!;
      const ns = await newNamespace('api');
      const err = await rejection(c.bad, ns);
      expect(err).toContain(c.field);
      expect(err).toContain(rule.message);
      const kind = c.bad.includes('kind: Sender') ? 'senders' : 'chatbots';
      expect(await kubectl(['get', kind, '-n', ns, '-o', 'name'])).toBe('');
    },
  );

  it.each(RULES.map((r) => [r.code] as const))('%s: accepts the good cases', async (code) => {
    const ns = await newNamespace('api');
    const c = CASES[code]!;
    for (const manifest of c.good) {
      await kubectl(['apply', '-n', ns, '-f', '-'], manifest);
    }
    const names = (await kubectl(['get', 'chatbots,senders', '-n', ns, '-o', 'name'])).trim().split('\n');
    expect(names).toHaveLength(c.good.length);
  });
});

describe('defaults applied by the API server', () => {
  it('fills in state, takeover, grace periods, session timeout and revision history', async () => {
    const ns = await newNamespace('api');
    await kubectl(['apply', '-n', ns, '-f', '-'], chatbot('bare', BOT));
    const spec = JSON.parse(await kubectl(['get', 'chatbot', 'bare', '-n', ns, '-o', 'json'])).spec;
    expect(spec).toEqual({
      ...BOT,
      state: 'Inactive',
      takeover: { mode: 'Graceful', gracePeriod: '15m' },
      redeploy: { gracePeriod: '10m' },
      deactivation: { gracePeriod: '0s' },
      sessionTimeout: '30m',
      revisionHistoryLimit: 5,
    });
  });

  it('keeps values that are set and defaults the rest of the same object', async () => {
    const ns = await newNamespace('api');
    await kubectl(
      ['apply', '-n', ns, '-f', '-'],
      chatbot('partial', { ...BOT, state: 'Active', takeover: { mode: 'Immediate' }, sessionTimeout: '5m' }),
    );
    const spec = JSON.parse(await kubectl(['get', 'chatbot', 'partial', '-n', ns, '-o', 'json'])).spec;
    expect(spec).toMatchObject({
      state: 'Active',
      takeover: { mode: 'Immediate', gracePeriod: '15m' },
      sessionTimeout: '5m',
    });
  });

  it('makes a sender a production sender unless test is set', async () => {
    const ns = await newNamespace('api');
    await kubectl(
      ['apply', '-n', ns, '-f', '-'],
      sender('acme-whatsapp', { channel: 'WhatsApp', address: '+385911234567', credentialsSecretRef: WA }),
    );
    const spec = JSON.parse(await kubectl(['get', 'sender', 'acme-whatsapp', '-n', ns, '-o', 'json'])).spec;
    expect(spec).toEqual({
      channel: 'WhatsApp',
      address: '+385911234567',
      credentialsSecretRef: WA,
      test: false,
    });
  });
});

describe('kubectl get', () => {
  async function botWithStatus(ns: string) {
    await kubectl(
      ['apply', '-n', ns, '-f', '-'],
      sender('acme-whatsapp', { channel: 'WhatsApp', address: '+385911234567', credentialsSecretRef: WA }) +
        '---\n' +
        chatbot('acme-support', {
          ...BOT,
          schedule: { timeZone: 'Europe/Zagreb', activateAt: '2026-12-01T09:00' },
        }),
    );
    // What the operator would write: the columns read the status.
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const status = {
      state: 'Scheduled',
      validation: { errors: 0, warnings: 2, summary: '0/2' },
      schedule: {
        nextAction: 'Activate',
        nextAt: '2026-12-01T08:00:00Z',
        next: 'Activate 2026-12-01T08:00:00Z',
      },
      revision: 'acme-support-7c9f8d',
      sessions: { open: 3, draining: 0, observedAt: now },
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'Scheduled',
          message: 'activates at 2026-12-01T08:00:00Z',
          lastTransitionTime: now,
        },
      ],
    };
    await kubectl([
      'patch',
      'chatbot',
      'acme-support',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status }),
    ]);
  }

  it('prints NAME CHANNEL SENDER STATE VALID NEXT AGE for chatbots', async () => {
    const ns = await newNamespace('api');
    await botWithStatus(ns);
    const out = await kubectl(['get', 'chatbots', '-n', ns]);
    const [header, row] = out.trim().split('\n');
    expect(header!.split(/\s+/)).toEqual(['NAME', 'CHANNEL', 'SENDER', 'STATE', 'VALID', 'NEXT', 'AGE']);
    expect(row).toMatch(
      /^acme-support\s+WhatsApp\s+acme-whatsapp\s+Scheduled\s+0\/2\s+Activate 2026-12-01T08:00:00Z\s+\d+s$/,
    );
  });

  it('adds READY, REVISION, SESSIONS and MESSAGE with -o wide', async () => {
    const ns = await newNamespace('api');
    await botWithStatus(ns);
    const out = await kubectl(['get', 'chatbots', '-n', ns, '-o', 'wide']);
    const [header, row] = out.trim().split('\n');
    expect(header!.split(/\s+/)).toEqual([
      'NAME',
      'CHANNEL',
      'SENDER',
      'STATE',
      'VALID',
      'NEXT',
      'AGE',
      'READY',
      'REVISION',
      'SESSIONS',
      'MESSAGE',
    ]);
    expect(row).toMatch(/\s+False\s+acme-support-7c9f8d\s+3\s+activates at 2026-12-01T08:00:00Z$/);
  });

  it('knows the short names cb and sdr and the category chatbot-operator', async () => {
    const ns = await newNamespace('api');
    await botWithStatus(ns);
    expect(await kubectl(['get', 'cb', '-n', ns, '-o', 'name'])).toBe('chatbot.chatbots.dev/acme-support\n');
    expect(await kubectl(['get', 'sdr', '-n', ns, '-o', 'name'])).toBe('sender.chatbots.dev/acme-whatsapp\n');
    const all = (await kubectl(['get', 'chatbot-operator', '-n', ns, '-o', 'name']))
      .trim()
      .split('\n')
      .sort();
    expect(all).toEqual(['chatbot.chatbots.dev/acme-support', 'sender.chatbots.dev/acme-whatsapp']);
  });

  it('prints the columns of senders', async () => {
    const ns = await newNamespace('api');
    await botWithStatus(ns);
    const out = await kubectl(['get', 'sdr', '-n', ns]);
    expect(out).toMatch(/^NAME\s+CHANNEL\s+ADDRESS\s+TEST\s+HOLDER\s+AGE\n/);
    expect(out).toMatch(/acme-whatsapp\s+WhatsApp\s+\+385911234567\s+false\s+\d+s/);
  });
});
