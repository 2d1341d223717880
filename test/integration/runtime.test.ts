// The runtime end to end, as end users feel it: real control plane, the operator deciding, the
// runtime answering through the Http channel; a fake clock shared by both where grace periods
// matter. Every assertion is what an end user sees (the replies, which bot answered) or what
// kubectl shows.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/kube/clock.ts';
import type { Manager } from '../../src/operator/manager.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { apply, kubectl, newNamespace } from '../support/cluster.ts';
import { httpBotYaml, httpSenderYaml } from '../support/http-bot.ts';
import { startOperator, waitForChatbot, waitForEvent } from '../support/operator.ts';
import { metricSum, scrapeMetrics } from '../support/process.ts';
import { buttonIdOf, type HttpAnswer, say, seen, startRuntime } from '../support/runtime.ts';

const managers: Manager[] = [];
const runtimes: Runtime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
  await Promise.all(managers.splice(0).map((m) => m.stop()));
});

/**
 * A namespace with the operator and the runtime. `trusted`: the Http Sender has a token and every
 * message comes from a trusted backend with it (the answers then name the chatbot and revision);
 * otherwise the Sender is open and end users talk as a chat widget does, with conversation tokens.
 */
async function setup(opts: { clock?: FakeClock; trusted?: boolean } = {}) {
  const ns = await newNamespace('rt');
  const clock = opts.clock;
  managers.push(await startOperator(ns, clock ? { clock } : {}));
  const rt = await startRuntime(ns, clock ? { clock } : {});
  runtimes.push(rt);
  if (opts.trusted) {
    await kubectl(['create', 'secret', 'generic', 'web-token', '-n', ns, '--from-literal=token=s3cret']);
  }
  const auth: Record<string, string> = opts.trusted ? { authorization: 'Bearer s3cret' } : {};
  const talk = (from: string, body: { text?: string; button?: string; name?: string }) =>
    say(rt.port, 'acme-web', { from, ...body }, auth);
  const sender = httpSenderYaml('web', 'acme-web', opts.trusted ? 'web-token' : undefined);
  return { ns, rt, talk, sender };
}

const welcome = (name: string, greeting = 'Welcome to Acme') => [
  `${greeting}, ${name}!`,
  'How can we help? [Orders | Website]',
];

const activeOn = (ns: string, name: string) =>
  waitForChatbot(
    ns,
    name,
    (c) => c.status?.state === 'Active' && Boolean(c.status.revision),
    `${name} Active`,
  );

describe('a conversation through the Http channel', () => {
  it('buttons, intent, keyword, userInput with templating, toAgent, closeSession; then it starts over', async () => {
    const { ns, talk } = await setup();
    await apply(ns, `${httpSenderYaml('web', 'acme-web')}---\n${httpBotYaml('support', { sender: 'web' })}`);
    const bot = await activeOn(ns, 'support');

    // Ana: a reply button, free text routed by intent, userInput then templated text, toAgent.
    const hi = await talk('ana', { text: 'hi', name: 'Ana' });
    expect(hi.status).toBe(200);
    expect(seen(hi)).toEqual(welcome('Ana'));
    expect(hi.sessionClosed).toBe(false);
    // An open Sender's callers are strangers: the answer names no namespace, bot or revision.
    expect(hi.chatbot).toBeUndefined();
    expect(hi.revision).toBeUndefined();
    expect(bot.status?.revision).toBeDefined();
    expect(hi.conversationToken).toMatch(/^[\w-]{20,}$/);
    const website = hi.replies[1];
    expect(website && 'buttons' in website && website.buttons.items[1]).toMatchObject({
      caption: 'Website',
      url: 'https://acme.example',
    });
    expect(seen(await talk('ana', { button: buttonIdOf(hi, 'Orders') }))).toEqual([
      'Ask me about your order.',
    ]);
    expect(seen(await talk('ana', { text: 'where is my order?' }))).toEqual(['What is your order number?']);
    const order = await talk('ana', { text: 'A-1042' });
    expect(seen(order)).toEqual([
      'Order A-1042 is on its way.',
      'Anything else? [Talk to someone | No, thanks]',
    ]);
    expect(seen(await talk('ana', { button: 'talk to someone' }))).toEqual(['Connecting you to an agent.']);
    // Handed off: the bot no longer answers Ana.
    const silent = await talk('ana', { text: 'hello?' });
    expect(silent.status).toBe(200);
    expect(silent.replies).toEqual([]);

    // Bo: a keyword route, closeSession; the next message starts over.
    await talk('bo', { text: 'hi', name: 'Bo' });
    await talk('bo', { button: 'orders' });
    const bye = await talk('bo', { text: 'ok bye' });
    expect(seen(bye)).toEqual(['Goodbye!']);
    expect(bye.sessionClosed).toBe(true);
    expect(seen(await talk('bo', { text: 'hi again', name: 'Bo' }))).toEqual(welcome('Bo'));

    // Cy: a keyword to a human, and the fallback for what nothing matches.
    await talk('cy', { text: 'hi', name: 'Cy' });
    await talk('cy', { button: 'Orders' });
    expect(seen(await talk('cy', { text: 'qwerty zxcv' }))).toEqual(['Sorry, I did not get that.']);
  });

  it('an open Sender: nobody continues another visitor’s conversation by guessing `from`', async () => {
    const { ns, rt, talk } = await setup();
    await apply(ns, `${httpSenderYaml('web', 'acme-web')}---\n${httpBotYaml('support', { sender: 'web' })}`);
    await activeOn(ns, 'support');
    const hi = await talk('ana', { text: 'hi', name: 'Ana' });
    const first = hi.conversationToken!;
    // A stranger sends as "ana" without her token, or with a made-up one: 401, nothing answered.
    for (const token of [null, 'not-her-token']) {
      const forged = await say(rt.port, 'acme-web', { from: 'ana', button: 'Orders' }, {}, token);
      expect(forged.status).toBe(401);
      expect(forged.replies).toEqual([]);
      expect(forged.conversationToken).toBeUndefined();
    }
    // Ana's conversation did not move: she goes on exactly where she was.
    expect(seen(await talk('ana', { button: buttonIdOf(hi, 'Orders') }))).toEqual([
      'Ask me about your order.',
    ]);
    const bye = await talk('ana', { text: 'ok bye' });
    expect(bye.sessionClosed).toBe(true);
    // A new conversation needs no token; the old one does not continue it.
    const again = await say(rt.port, 'acme-web', { from: 'ana', text: 'hi', name: 'Ana' }, {}, null);
    expect(seen(again)).toEqual(welcome('Ana'));
    expect(again.conversationToken).not.toBe(first);
    const stale = await say(rt.port, 'acme-web', { from: 'ana', button: 'Orders' }, {}, first);
    expect(stale.status).toBe(401);
    expect(
      (await say(rt.port, 'acme-web', { from: 'ana', button: 'Orders' }, {}, again.conversationToken)).status,
    ).toBe(200);
  });

  it('refuses a bad request with the field named, and a wrong token and an unknown address alike with 401', async () => {
    const { ns, rt, talk } = await setup();
    await kubectl(['create', 'secret', 'generic', 'web-token', '-n', ns, '--from-literal=token=s3cret']);
    await apply(
      ns,
      `${httpSenderYaml('web', 'acme-web', 'web-token')}---\n${httpBotYaml('support', { sender: 'web' })}`,
    );
    await activeOn(ns, 'support');
    const noToken = await talk('ana', { text: 'hi' });
    expect(noToken.status).toBe(401);
    expect(noToken.replies).toEqual([]);
    const wrong = await say(
      rt.port,
      'acme-web',
      { from: 'ana', text: 'hi' },
      { authorization: 'Bearer nope' },
    );
    expect(wrong.status).toBe(401);
    const right = await say(
      rt.port,
      'acme-web',
      { from: 'ana', text: 'hi', name: 'Ana' },
      { authorization: 'Bearer s3cret' },
    );
    expect(right.status).toBe(200);
    expect(seen(right)).toEqual(welcome('Ana'));
    const bad = await fetch(`http://127.0.0.1:${rt.port}/channels/http/acme-web`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer s3cret' },
      body: JSON.stringify({ text: 'no from' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/from/);
    const notJson = await fetch(`http://127.0.0.1:${rt.port}/channels/http/acme-web`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"from": ',
    });
    expect(notJson.status).toBe(400);
    // A stranger cannot tell an unknown address from a refused token.
    const unknown = await say(rt.port, 'nobody-here', { from: 'ana', text: 'hi' });
    expect(unknown.status).toBe(401);
    expect(unknown.error).toBe(wrong.error);
    // A trusted backend's answer names the bot and its revision.
    expect(right.chatbot).toBe(`${ns}/support`);
    // Still serving after all that.
    expect(
      (await say(rt.port, 'acme-web', { from: 'bo', text: 'hi' }, { authorization: 'Bearer s3cret' })).status,
    ).toBe(200);
  });

  it('status.sessions follows the open sessions, down to 0', async () => {
    const { ns, talk } = await setup();
    await apply(ns, `${httpSenderYaml('web', 'acme-web')}---\n${httpBotYaml('support', { sender: 'web' })}`);
    const bot = await activeOn(ns, 'support');
    await talk('bo', { text: 'hi', name: 'Bo' });
    const one = await waitForChatbot(ns, 'support', (c) => c.status?.sessions?.open === 1, 'sessions.open 1');
    expect(one.status?.sessions?.byRevision).toEqual({ [bot.status?.revision ?? '']: 1 });
    await talk('bo', { button: 'Orders' });
    expect(seen(await talk('bo', { text: 'bye' }))).toEqual(['Goodbye!']);
    const none = await waitForChatbot(
      ns,
      'support',
      (c) => c.status?.sessions?.open === 0,
      'sessions.open 0',
    );
    expect(none.status?.sessions).toMatchObject({ open: 0, draining: 0 });
    expect(none.status?.sessions?.byRevision ?? {}).toEqual({});
  });

  it('no active bot on a sender: no reply, counted', async () => {
    const { ns, rt, talk } = await setup();
    await apply(
      ns,
      `${httpSenderYaml('web', 'acme-web')}---\n${httpBotYaml('support', { sender: 'web', state: 'Inactive' })}`,
    );
    await waitForChatbot(ns, 'support', (c) => c.status?.state === 'Inactive', 'Inactive');
    const a = await talk('ana', { text: 'hi' });
    expect(a.status).toBe(200);
    expect(a.replies).toEqual([]);
    expect(a.chatbot).toBeUndefined();
    const metrics = await scrapeMetrics(rt.healthPort!);
    expect(metrics).toMatch(
      /^chatbot_runtime_replies_dropped_total\{channel="http",reason="NoActiveChatbot"\} 1$/m,
    );
    expect(metrics).not.toContain('ana');
  });
});

describe('grace periods felt by real sessions', () => {
  const T0 = '2026-12-01T10:00:00Z';

  /** Ana talks to A; then B takes the sender with the given takeover. */
  async function takeover(mode: 'Graceful' | 'Immediate') {
    const clock = new FakeClock(T0);
    const env = await setup({ clock, trusted: true });
    const { ns, talk, sender } = env;
    await apply(ns, `${sender}---\n${httpBotYaml('a', { sender: 'web', greeting: 'A here' })}`);
    const a = await activeOn(ns, 'a');
    const hi = await talk('ana', { text: 'hi', name: 'Ana' });
    expect(seen(hi)).toEqual(welcome('Ana', 'A here'));
    clock.advance(60_000);
    await apply(
      ns,
      httpBotYaml('b', { sender: 'web', greeting: 'B here', takeover: `{mode: ${mode}, gracePeriod: 10m}` }),
    );
    const b = await activeOn(ns, 'b');
    return { ...env, clock, a, b, hi };
  }

  it('graceful takeover: Ana keeps talking to A until the deadline, Bo starts on B; then Ana reaches B', async () => {
    const { ns, clock, talk, a, b, hi } = await takeover('Graceful');
    const drain = await waitForChatbot(ns, 'a', (c) => c.status?.state === 'Draining', 'A Draining');
    expect(drain.status?.draining?.[0]).toMatchObject({ revision: a.status?.revision, reason: 'TakenOver' });

    const more = await talk('ana', { button: buttonIdOf(hi, 'Orders') });
    expect(seen(more)).toEqual(['Ask me about your order.']);
    expect(more).toMatchObject({ chatbot: `${ns}/a`, revision: a.status?.revision });
    const bo = await talk('bo', { text: 'hi', name: 'Bo' });
    expect(seen(bo)).toEqual(welcome('Bo', 'B here'));
    expect(bo).toMatchObject({ chatbot: `${ns}/b`, revision: b.status?.revision });

    // One second before the deadline Ana is still on A.
    clock.advance(10 * 60_000 - 2000);
    const still = await talk('ana', { text: 'where is my order' });
    expect(still.chatbot).toBe(`${ns}/a`);
    expect(seen(still)).toEqual(['What is your order number?']);

    // At the deadline her session is closed; her next message reaches B.
    clock.advance(3000);
    await waitForEvent(ns, 'a', 'DrainEnded');
    const after = await talk('ana', { text: 'A-1', name: 'Ana' });
    expect(after.chatbot).toBe(`${ns}/b`);
    expect(seen(after)).toEqual(welcome('Ana', 'B here'));
  });

  it('immediate takeover: Ana’s next message reaches B at once', async () => {
    const { ns, talk } = await takeover('Immediate');
    await waitForChatbot(ns, 'a', (c) => c.status?.state === 'Preempted', 'A Preempted');
    const next = await talk('ana', { button: 'Orders', name: 'Ana' });
    expect(next.chatbot).toBe(`${ns}/b`);
    expect(seen(next)).toEqual(welcome('Ana', 'B here'));
  });

  it('a drain ends early when the last session on it closes', async () => {
    const { ns, talk, hi } = await takeover('Graceful');
    await waitForChatbot(ns, 'a', (c) => c.status?.state === 'Draining', 'A Draining');
    await talk('ana', { button: buttonIdOf(hi, 'Orders') });
    const bye = await talk('ana', { text: 'bye' });
    expect(seen(bye)).toEqual(['Goodbye!']);
    expect(bye.chatbot).toBe(`${ns}/a`);
    // The runtime reports 0 open sessions on A's revision; the operator ends the drain before
    // its deadline (the fake clock has not moved).
    const ended = await waitForEvent(ns, 'a', 'DrainEnded');
    expect(ended.note).toMatch(/no open sessions/);
    const a = await waitForChatbot(ns, 'a', (c) => c.status?.state !== 'Draining', 'A no longer Draining');
    expect(a.status?.draining ?? []).toEqual([]);
    expect(a.status?.sessions?.byRevision?.[a.status.revision ?? '']).toBe(0);
  });

  it('redeploy: Ana keeps the old revision’s dialog until the deadline, Bo gets the new one', async () => {
    const clock = new FakeClock(T0);
    const { ns, talk, sender } = await setup({ clock, trusted: true });
    await apply(
      ns,
      `${sender}---\n${httpBotYaml('a', { sender: 'web', greeting: 'Version one', redeploy: '{gracePeriod: 10m}' })}`,
    );
    const v1 = await activeOn(ns, 'a');
    const hi = await talk('ana', { text: 'hi', name: 'Ana' });
    expect(seen(hi)).toEqual(welcome('Ana', 'Version one'));
    await apply(
      ns,
      httpBotYaml('a', { sender: 'web', greeting: 'Version two', redeploy: '{gracePeriod: 10m}' }),
    );
    const v2 = await waitForChatbot(
      ns,
      'a',
      (c) => c.status?.revision !== v1.status?.revision && (c.status?.draining?.length ?? 0) > 0,
      'redeployed',
    );
    const old = await talk('ana', { button: buttonIdOf(hi, 'Orders') });
    expect(old.revision).toBe(v1.status?.revision);
    expect(seen(old)).toEqual(['Ask me about your order.']);
    const bo = await talk('bo', { text: 'hi', name: 'Bo' });
    expect(bo.revision).toBe(v2.status?.revision);
    expect(seen(bo)).toEqual(welcome('Bo', 'Version two'));
    clock.advance(10 * 60_000 + 1000);
    await waitForEvent(ns, 'a', 'DrainEnded');
    const after = await talk('ana', { text: 'where is my order', name: 'Ana' });
    expect(after.revision).toBe(v2.status?.revision);
    expect(seen(after)).toEqual(welcome('Ana', 'Version two'));
  });

  it('a deactivated bot with a grace period answers its open sessions until the deadline, and no new ones', async () => {
    const clock = new FakeClock(T0);
    const { ns, rt, talk } = await setup({ clock });
    await apply(
      ns,
      `${httpSenderYaml('web', 'acme-web')}---\n${httpBotYaml('a', { sender: 'web', deactivation: '{gracePeriod: 10m}' })}`,
    );
    await activeOn(ns, 'a');
    const hi = await talk('ana', { text: 'hi', name: 'Ana' });
    await apply(
      ns,
      httpBotYaml('a', { sender: 'web', state: 'Inactive', deactivation: '{gracePeriod: 10m}' }),
    );
    await waitForChatbot(ns, 'a', (c) => c.status?.state === 'Draining', 'A Draining');
    const ana = await talk('ana', { button: buttonIdOf(hi, 'Orders') });
    expect(seen(ana)).toEqual(['Ask me about your order.']);
    const bo = await talk('bo', { text: 'hi' });
    expect(bo.replies).toEqual([]);
    clock.advance(10 * 60_000 + 1000);
    await waitForEvent(ns, 'a', 'DrainEnded');
    const late: HttpAnswer = await talk('ana', { text: 'where is my order' });
    expect(late.replies).toEqual([]);
    expect(late.chatbot).toBeUndefined();
    const metrics = await scrapeMetrics(rt.healthPort!);
    expect(metricSum(metrics, 'chatbot_runtime_replies_dropped_total')).toBeGreaterThanOrEqual(2);
  });
});
