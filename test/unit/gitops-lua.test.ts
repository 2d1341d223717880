// The Argo CD health checks of deploy/gitops/ as files: the argocd-cm snippet carries the .lua
// files verbatim under Argo CD's keys; the scripts keep to what Argo CD's sandbox runs (Lua 5.1,
// base and table libraries only); and their answers on statuses no state in
// gitops-health.test.ts reaches (unknown states, missing fields, a Stalled Sender).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GITOPS_DIR, healthScript, runHealthLua } from '../support/gitops-lua.ts';

const chatbot = (status: unknown, generation = 1) => ({
  apiVersion: 'chatbots.dev/v1alpha1',
  kind: 'Chatbot',
  metadata: { name: 'support-bot', namespace: 'acme', generation },
  spec: {},
  ...(status === undefined ? {} : { status }),
});
const sender = (status: unknown, generation = 1) => ({
  apiVersion: 'chatbots.dev/v1alpha1',
  kind: 'Sender',
  metadata: { name: 'acme-whatsapp', namespace: 'acme', generation },
  spec: {},
  ...(status === undefined ? {} : { status }),
});
const c = (type: string, status: string, reason = 'R', message = '') => ({ type, status, reason, message });

describe('deploy/gitops/argocd-health.yaml', () => {
  const cm = parse(readFileSync(join(GITOPS_DIR, 'argocd-health.yaml'), 'utf8')) as {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
    data: Record<string, string>;
  };

  it('is an argocd-cm ConfigMap with one health key per kind (resource.customizations.health.<group>_<kind>)', () => {
    expect([cm.apiVersion, cm.kind, cm.metadata.name]).toEqual(['v1', 'ConfigMap', 'argocd-cm']);
    expect(cm.metadata.namespace).toBeUndefined(); // patched into wherever Argo CD runs
    expect(Object.keys(cm.data).sort()).toEqual([
      'resource.customizations.health.chatbots.dev_Chatbot',
      'resource.customizations.health.chatbots.dev_Sender',
    ]);
  });

  it('carries health-chatbot.lua and health-sender.lua verbatim (paste them again, indented 4, after a change)', () => {
    expect(cm.data['resource.customizations.health.chatbots.dev_Chatbot']).toBe(healthScript.Chatbot);
    expect(cm.data['resource.customizations.health.chatbots.dev_Sender']).toBe(healthScript.Sender);
  });
});

/** The code of a script without its comments and string literals. */
function code(lua: string): string {
  return lua
    .replace(/--\[(=*)\[[\s\S]*?\]\1\]/g, '')
    .replace(/--[^\n]*/g, '')
    .replace(/"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, '""');
}

describe.each(['Chatbot', 'Sender'] as const)('health-%s.lua keeps to Argo CD’s sandbox', (kind) => {
  const src = code(healthScript[kind]);

  it.each([
    {
      what: 'the string library (not opened by Argo CD for argocd-cm scripts)',
      re: /\bstring\s*\./,
      bad: 'local n = string.len(x)',
    },
    { what: 'the math library (not opened)', re: /\bmath\s*\./, bad: 'local n = math.max(1, 2)' },
    { what: 'the os library (only a "safe" subset)', re: /\bos\s*\./, bad: 'local t = os.time()' },
    { what: 'io, debug, coroutine, utf8', re: /\b(io|debug|coroutine|utf8)\s*\./, bad: 'io.write("x")' },
    {
      what: 'method calls (on strings they need the string library)',
      re: /[\w)\]"]\s*:\s*[A-Za-z_]\w*\s*[("{]/,
      bad: 'if c.message:find("x") then end',
    },
    { what: 'goto and labels (Lua 5.2+)', re: /\bgoto\b|::/, bad: 'goto done ::done::' },
    {
      what: 'integer division and bitwise operators (Lua 5.3+)',
      re: /\/\/|[&|]|~(?!=)|<<|>>/,
      bad: 'local h = n // 2',
    },
    {
      what: 'table.unpack, table.move, load with a mode (Lua 5.2+)',
      re: /\btable\.(unpack|move)\b|\bload\s*\(/,
      bad: 'local a, b = table.unpack(t)',
    },
  ])('no $what', ({ re, bad }) => {
    expect(src).not.toMatch(re);
    expect(code(bad)).toMatch(re); // the check is not blind
    expect(code(`-- ${bad}\nlocal s = "${bad.replaceAll('"', "'")}"`)).not.toMatch(re); // nor fooled by text
  });

  it('returns its table at the top level (Argo CD reads the chunk’s return value)', () => {
    expect(src.trimEnd()).toMatch(/return hs$/);
  });
});

describe('the harness runs scripts as strictly as Argo CD', () => {
  it('has no string library: a script that needs it fails', () => {
    expect(() => runHealthLua('return {status = string.upper("healthy")}', {})).toThrow(/string/);
    expect(() => runHealthLua('local s = "x"; return {status = s:upper()}', {})).toThrow(
      /index a string value/,
    );
  });
  it('turns a status outside the six codes into Unknown, and a non-table result into an error', () => {
    expect(runHealthLua('return {status = "Fine"}', {})).toEqual({
      status: 'Unknown',
      message: 'Lua returned an invalid health status',
    });
    expect(() => runHealthLua('return "Healthy"', {})).toThrow(/table/);
  });
  it('stops a script that never ends', () => {
    expect(() => runHealthLua('while true do end', {})).toThrow(/budget/);
  });
  it('passes JSON as Argo CD does: integers print as integers, null is nil, lists count from 1', () => {
    expect(
      runHealthLua(
        'return {status = "Healthy", message = tostring(obj.n) .. " " .. tostring(obj.z) .. " " .. obj.l[1]}',
        {
          n: 3,
          z: null,
          l: ['a'],
        },
      ),
    ).toEqual({ status: 'Healthy', message: '3 nil a' });
  });
});

describe('health-chatbot.lua on statuses the states do not cover', () => {
  const run = (o: unknown) => runHealthLua(healthScript.Chatbot, o);

  it.each([
    {
      name: 'no status',
      status: undefined,
      want: ['Progressing', "Waiting for the operator to report the chatbot's status"],
    },
    {
      name: 'a status without observedGeneration',
      status: { state: 'Active' },
      want: ['Progressing', "Waiting for the operator to report the chatbot's status"],
    },
    {
      name: 'observed, no conditions, state Active',
      status: { observedGeneration: 1, state: 'Active' },
      want: ['Healthy', 'Active and serving'],
    },
    {
      name: 'Invalid without conditions: the Validated message or a default',
      status: { observedGeneration: 1, state: 'Invalid' },
      want: ['Degraded', 'The manifest has errors'],
    },
    {
      name: 'Stalled=True with an empty message',
      status: {
        observedGeneration: 1,
        state: 'Invalid',
        conditions: [c('Stalled', 'True'), c('Validated', 'False', 'ValidationFailed', '2 errors')],
      },
      want: ['Degraded', '2 errors'],
    },
    {
      name: 'Draining without a Reconciling condition',
      status: { observedGeneration: 1, state: 'Draining' },
      want: ['Progressing', 'Draining: open sessions are finishing'],
    },
    {
      name: 'Reconciling=True in a state that does not drain (a future reason): Progressing',
      status: {
        observedGeneration: 1,
        state: 'Active',
        conditions: [c('Reconciling', 'True', 'Other', 'busy')],
      },
      want: ['Progressing', 'Reconciling: busy'],
    },
    {
      name: 'an unknown state with Ready=True',
      status: {
        observedGeneration: 1,
        state: 'Hibernating',
        conditions: [c('Ready', 'True', 'R', 'asleep')],
      },
      want: ['Healthy', 'asleep'],
    },
    {
      name: 'an unknown state with Ready=False',
      status: {
        observedGeneration: 1,
        state: 'Hibernating',
        conditions: [c('Ready', 'False', 'R', 'stuck')],
      },
      want: ['Degraded', 'stuck'],
    },
    {
      name: 'an unknown state without Ready',
      status: { observedGeneration: 1, state: 'Hibernating' },
      want: ['Progressing', 'state Hibernating'],
    },
    {
      name: 'no state at all',
      status: { observedGeneration: 1, conditions: [] },
      want: ['Progressing', 'state nil'],
    },
    {
      name: 'Inactive with a schedule edge coming',
      status: {
        observedGeneration: 1,
        state: 'Inactive',
        schedule: { nextAction: 'Deactivate', nextAt: '2026-12-24T17:00:00Z' },
      },
      want: ['Suspended', 'Inactive; next: Deactivate at 2026-12-24T17:00:00Z'],
    },
    {
      name: 'Scheduled without status.schedule',
      status: { observedGeneration: 1, state: 'Scheduled' },
      want: ['Suspended', 'Scheduled'],
    },
  ])('$name', ({ status, want }) => {
    const h = run(chatbot(status));
    expect([h.status, h.message]).toEqual(want);
  });

  it('an object without metadata.generation skips the generation check', () => {
    const h = run({ kind: 'Chatbot', metadata: {}, status: { observedGeneration: 4, state: 'Inactive' } });
    expect(h.status).toBe('Suspended');
  });
});

describe('health-sender.lua on statuses the decision does not write', () => {
  const run = (o: unknown) => runHealthLua(healthScript.Sender, o);

  it.each([
    {
      name: 'no status',
      status: undefined,
      want: ['Progressing', "Waiting for the operator to report the sender's status"],
    },
    {
      name: 'no Ready condition',
      status: { observedGeneration: 1, conditions: [] },
      want: ['Progressing', "Waiting for the operator to report the sender's status"],
    },
    {
      name: 'Ready=Unknown',
      status: { conditions: [c('Ready', 'Unknown', 'R', 'checking')] },
      want: ['Progressing', 'checking'],
    },
    {
      name: 'Ready=False for another reason',
      status: { conditions: [c('Ready', 'False', 'Other', 'nope')] },
      want: ['Progressing', 'nope'],
    },
    {
      name: 'invalid, as the operator writes it (Ready=False and Stalled=True): the validation message',
      status: {
        conditions: [
          c('Ready', 'False', 'ValidationFailed', 'bad'),
          c('Stalled', 'True', 'ValidationFailed', 'Fix it'),
        ],
      },
      want: ['Degraded', 'Invalid: bad'],
    },
    {
      name: 'Stalled=True for another reason',
      status: { conditions: [c('Ready', 'False', 'Other', 'nope'), c('Stalled', 'True', 'Other', 'Fix it')] },
      want: ['Degraded', 'Fix it'],
    },
    {
      name: 'Ready=True without a message',
      status: { conditions: [c('Ready', 'True', 'Available')] },
      want: ['Healthy', 'Ready'],
    },
  ])('$name', ({ status, want }) => {
    const h = run(sender(status));
    expect([h.status, h.message]).toEqual(want);
  });
});
