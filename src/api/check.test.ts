import { describe, expect, it } from 'vitest';
import { exampleChatbot, exampleSender } from '../core/validation/fixtures.ts';
import { applyDefaults, checkSchema, pointerToPath, toJson } from './check.ts';
import { chatbotSpecRules, durationRule, scheduleRules, senderSpecRules } from './rules.ts';

// biome-ignore lint/suspicious/noExplicitAny: specs of any shape
type Any = any;
const spec = (): Any => exampleChatbot().spec;
const brief = (issues: { code: string; path: string; message: string }[]) =>
  issues.map(({ code, path, message }) => ({ code, path, message }));

describe('pointerToPath', () => {
  it.each([
    ['', 'spec'],
    ['/channel', 'spec.channel'],
    ['/definition/dialogs/2/elements/0', 'spec.definition.dialogs[2].elements[0]'],
    [
      '/definition/dialogs/2/elements/0/buttons/items/1/caption',
      'spec.definition.dialogs[2].elements[0].buttons.items[1].caption',
    ],
    ['/a~1b/c~0d', 'spec["a/b"]["c~d"]'],
    ['/labels/app.kubernetes.io~1name', 'spec.labels["app.kubernetes.io/name"]'],
  ])('%j -> %s', (pointer, path) => {
    expect(pointerToPath(pointer)).toBe(path);
  });
});

describe('checkSchema', () => {
  it('accepts the example Chatbot and Sender', () => {
    expect(checkSchema('Chatbot', spec())).toEqual([]);
    expect(checkSchema('Sender', exampleSender().spec)).toEqual([]);
  });

  it.each<{
    name: string;
    mutate: (s: Any) => void;
    issues: { code: string; path: string; message: string }[];
  }>([
    {
      name: 'a missing required field, at the field',
      mutate: (s) => delete s.definition.dialogs[2].name,
      issues: [
        { code: 'SchemaViolation', path: 'spec.definition.dialogs[2].name', message: 'name is required' },
      ],
    },
    {
      name: 'a wrong type',
      mutate: (s) => {
        s.definition.dialogs[0].elements[1].buttons.items[1].caption = 7;
      },
      issues: [
        {
          code: 'SchemaViolation',
          path: 'spec.definition.dialogs[0].elements[1].buttons.items[1].caption',
          message: 'must be of type string',
        },
      ],
    },
    {
      name: 'a value outside the enum',
      mutate: (s) => {
        s.takeover.mode = 'Gentle';
      },
      issues: [
        {
          code: 'SchemaViolation',
          path: 'spec.takeover.mode',
          message: 'must be one of Graceful, Immediate',
        },
      ],
    },
    {
      name: 'an element with two steps',
      mutate: (s) => {
        s.definition.dialogs[1].elements[0].goTo = 'human';
      },
      issues: [
        {
          code: 'SchemaViolation',
          path: 'spec.definition.dialogs[1].elements[0]',
          message:
            'an element must have exactly one of text, buttons, userInput, route, goTo, toAgent, closeSession',
        },
      ],
    },
    {
      name: 'a wall time in the wrong format',
      mutate: (s) => {
        s.schedule.activateAt = '2026-12-01 09:00';
      },
      issues: [
        {
          code: 'SchemaViolation',
          path: 'spec.schedule.activateAt',
          message: 'must match the pattern ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?$',
        },
      ],
    },
    {
      name: 'revisionHistoryLimit above the maximum',
      mutate: (s) => {
        s.revisionHistoryLimit = 101;
      },
      issues: [{ code: 'SchemaViolation', path: 'spec.revisionHistoryLimit', message: 'must be <= 100' }],
    },
    {
      name: 'an unknown field, checked the way the API server prunes it',
      mutate: (s) => {
        s.definition.dialogs[3].elements[0] = { toagent: {} };
      },
      issues: [
        {
          code: 'UnknownField',
          path: 'spec.definition.dialogs[3].elements[0].toagent',
          message: 'unknown field "toagent"',
        },
        {
          code: 'SchemaViolation',
          path: 'spec.definition.dialogs[3].elements[0]',
          message:
            'an element must have exactly one of text, buttons, userInput, route, goTo, toAgent, closeSession',
        },
      ],
    },
  ])('reports $name', ({ mutate, issues }) => {
    const s = spec();
    mutate(s);
    expect(brief(checkSchema('Chatbot', s))).toEqual(issues);
  });

  const cel = (rule: { code: string; message: string }, path: string) => [
    { code: rule.code, path, message: rule.message },
  ];

  it.each<{
    name: string;
    mutate: (s: Any) => void;
    issues: { code: string; path: string; message: string }[];
  }>([
    {
      name: 'ScheduleTimeZoneMissing at spec.schedule.timeZone',
      mutate: (s) => delete s.schedule.timeZone,
      issues: cel(scheduleRules[0]!, 'spec.schedule.timeZone'),
    },
    {
      name: 'ScheduleDeactivateBeforeActivate at spec.schedule.deactivateAt (seconds optional)',
      mutate: (s) => {
        s.schedule.activateAt = '2026-12-01T09:00:30';
        s.schedule.deactivateAt = '2026-12-01T09:00';
      },
      issues: cel(scheduleRules[1]!, 'spec.schedule.deactivateAt'),
    },
    {
      name: 'DeactivationWithoutActivation at spec.schedule.deactivateAt',
      mutate: (s) => {
        delete s.schedule.activateAt;
        s.schedule.windows = [];
      },
      issues: cel(chatbotSpecRules[0]!, 'spec.schedule.deactivateAt'),
    },
    ...(['takeover', 'redeploy', 'deactivation'] as const).map((f) => ({
      name: `InvalidDuration at spec.${f}.gracePeriod`,
      mutate: (s: Any) => {
        s[f].gracePeriod = '10 min';
      },
      issues: cel(durationRule, `spec.${f}.gracePeriod`),
    })),
    {
      name: 'InvalidDuration at spec.sessionTimeout',
      mutate: (s) => {
        s.sessionTimeout = '-5m';
      },
      issues: cel(durationRule, 'spec.sessionTimeout'),
    },
  ])('runs the CEL twin: $name', ({ mutate, issues }) => {
    const s = spec();
    mutate(s);
    expect(brief(checkSchema('Chatbot', s))).toEqual(issues);
  });

  it('accepts a deactivation on an active bot without activation (the CEL rule allows it)', () => {
    const s = spec();
    s.state = 'Active';
    delete s.schedule.activateAt;
    delete s.schedule.windows;
    expect(checkSchema('Chatbot', s)).toEqual([]);
  });

  it.each([
    [
      { channel: 'WhatsApp', address: '+385 91 123 4567', credentialsSecretRef: { name: 'x' } },
      cel(senderSpecRules[1]!, 'spec.address'),
    ],
    [
      { channel: 'WhatsApp', address: '+385911234567' },
      cel(senderSpecRules[2]!, 'spec.credentialsSecretRef'),
    ],
    [{ channel: 'Http', address: 'web', credentialsSecretRef: { name: 'x' } }, []],
    [{ channel: 'Http', address: 'anything' }, []],
    [
      { channel: 'Viber', address: '+385911234567', test: true },
      cel(senderSpecRules[0]!, 'spec.verifiedNumber'),
    ],
    [
      { channel: 'Viber', address: '+385911234567', test: true, verifiedNumber: '+385917654321' },
      [] as { code: string; path: string; message: string }[],
    ],
  ])('runs the Sender CEL twins on %j', (s, issues) => {
    expect(brief(checkSchema('Sender', s))).toEqual(issues);
  });

  it('reports a missing spec', () => {
    expect(brief(checkSchema('Chatbot', undefined))).toEqual([
      { code: 'SchemaViolation', path: 'spec', message: 'spec is required' },
    ]);
  });

  it('gives every issue severity Error and a hint', () => {
    const s = spec();
    s.state = 'Paused';
    s.sessionTimeout = 'soon';
    for (const issue of checkSchema('Chatbot', s)) {
      expect(issue.severity).toBe('Error');
      expect(issue.hint).toMatch(/^[A-Z].*\.$/);
    }
  });

  it('does not modify its input', () => {
    const s = spec();
    s.definition.dialogs[0].extra = 1;
    const before = structuredClone(s);
    checkSchema('Chatbot', s);
    expect(s).toEqual(before);
  });
});

describe('applyDefaults', () => {
  it('fills in what the API server stores for a minimal Chatbot', () => {
    expect(applyDefaults('Chatbot', { channel: 'WhatsApp', senderRef: { name: 'a' } })).toEqual({
      channel: 'WhatsApp',
      senderRef: { name: 'a' },
      state: 'Inactive',
      takeover: { mode: 'Graceful', gracePeriod: '15m' },
      redeploy: { gracePeriod: '10m' },
      deactivation: { gracePeriod: '0s' },
      sessionTimeout: '30m',
      revisionHistoryLimit: 5,
    });
  });

  it('keeps what is set and fills the rest of a partly set object', () => {
    const out = applyDefaults('Chatbot', {
      state: 'Active',
      takeover: { mode: 'Immediate' },
      sessionTimeout: '5m',
    });
    expect(out).toMatchObject({
      state: 'Active',
      takeover: { mode: 'Immediate', gracePeriod: '15m' },
      sessionTimeout: '5m',
    });
  });

  it('defaults a Sender to test: false', () => {
    expect(applyDefaults('Sender', { channel: 'SMS', address: '+385911234567' })).toEqual({
      channel: 'SMS',
      address: '+385911234567',
      test: false,
    });
  });

  it('returns a copy and leaves non-objects alone', () => {
    const input = { channel: 'WhatsApp' };
    const out = applyDefaults('Chatbot', input);
    expect(out).not.toBe(input);
    expect(input).toEqual({ channel: 'WhatsApp' });
    expect(applyDefaults('Chatbot', 'x')).toBe('x');
    expect(applyDefaults('Chatbot', null)).toBe(null);
  });
});

describe('toJson', () => {
  it('makes plain JSON of anything', () => {
    const cyclic: Any = { a: 1 };
    cyclic.self = cyclic;
    const holey = [1];
    holey[2] = 3;
    expect(toJson({ f: () => 1, n: Number.NaN, d: new Date(0), arr: holey, cyclic, u: undefined })).toEqual({
      n: null,
      d: '1970-01-01T00:00:00.000Z',
      arr: [1, null, 3],
      cyclic: { a: 1, self: null },
    });
  });

  it('keeps a __proto__ key as data', () => {
    const out = toJson(JSON.parse('{"__proto__": {"polluted": true}}')) as Any;
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(({} as Any).polluted).toBeUndefined();
  });
});
