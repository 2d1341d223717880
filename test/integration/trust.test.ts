// Tenants who cannot hurt each other, and a runtime nobody can turn against the others: the
// operator and the runtime as processes (node src/.../main.ts), a real control plane, a real
// redis-server with a password, the fake Graph API. Tried as an attacker with the `edit` role in one
// namespace would, and as Meta's webhooks and the internet reach the runtime.
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Chatbot } from '../../src/api/schema.ts';
import { FIXTURES, loadFixture } from '../fixtures/whatsapp/index.ts';
import { apply, eventually, kubeconfigPath, kubectl, newNamespace } from '../support/cluster.ts';
import { type FakeGraph, startFakeGraph } from '../support/fake-graph.ts';
import { httpBotObject, largestIntents } from '../support/http-bot.ts';
import { getChatbot, waitForChatbot, waitForSenderCondition } from '../support/operator.ts';
import {
  httpGet,
  killAllOperators,
  type LogLine,
  metricSum,
  type OperatorProcess,
  scrapeMetrics,
  spawnOperator,
  spawnRuntime,
} from '../support/process.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import { say, seen } from '../support/runtime.ts';
import {
  DISPLAY_NUMBER,
  metaJson,
  PHONE_NUMBER_ID,
  postWebhook,
  sign,
  wamid,
  webhook,
} from '../support/whatsapp.ts';

const ADDRESS = `+${DISPLAY_NUMBER}`;
const CUSTOMER = '16505551234';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async (ctx) => {
  await killAllOperators({ dump: ctx.task.result?.state === 'fail' });
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Processes {
  operator: OperatorProcess;
  runtime: OperatorProcess;
  port: number;
  healthPort: number;
  graph: FakeGraph;
}

/** The operator and the runtime as processes, watching these namespaces (the first holds the Leases). */
async function processes(
  namespaces: string[],
  opts: { tokens?: Record<string, string>; runtimeArgs?: string[]; env?: Record<string, string> } = {},
): Promise<Processes> {
  const graph = await startFakeGraph({ tokens: opts.tokens ?? {} });
  cleanups.push(() => graph.close());
  const common = [
    '--kubeconfig',
    kubeconfigPath(),
    '--namespaces',
    namespaces.join(','),
    '--pod-namespace',
    namespaces[0]!,
  ];
  const operator = spawnOperator([...common, '--health-port', '0', '--leader-elect', 'false'], {
    name: 'operator',
  });
  const runtime = spawnRuntime(
    [
      ...common,
      '--port',
      '0',
      '--health-port',
      '0',
      '--whatsapp-api-url',
      graph.url,
      ...(opts.runtimeArgs ?? []),
    ],
    { name: 'runtime', ...(opts.env ? { env: opts.env } : {}) },
  );
  const serving = await runtime.waitForLog('runtime serving', 30_000);
  await operator.waitForLog('caches synced', 30_000);
  return { operator, runtime, port: serving.port as number, healthPort: serving.healthPort as number, graph };
}

async function whatsappSecret(
  ns: string,
  name: string,
  s: { token: string; appSecret: string; phoneNumberId?: string },
) {
  await kubectl([
    'create',
    'secret',
    'generic',
    name,
    '-n',
    ns,
    `--from-literal=accessToken=${s.token}`,
    `--from-literal=appSecret=${s.appSecret}`,
    '--from-literal=verifyToken=verify',
    `--from-literal=phoneNumberId=${s.phoneNumberId ?? PHONE_NUMBER_ID}`,
  ]);
}

const waSender = (name: string, extra = '') => `apiVersion: chatbots.dev/v1alpha1
kind: Sender
metadata: {name: ${name}}
spec: {channel: WhatsApp, address: "${ADDRESS}", credentialsSecretRef: {name: ${name}}${extra}}
`;

const greeter = (name: string, sender: string, greeting: string) => `apiVersion: chatbots.dev/v1alpha1
kind: Chatbot
metadata: {name: ${name}}
spec:
  channel: WhatsApp
  senderRef: {name: ${sender}}
  state: Active
  definition:
    startDialog: welcome
    fallbackDialog: welcome
    dialogs:
    - name: welcome
      elements: [{text: "${greeting}"}]
`;

/** The texts the fake Graph API received for an end user, with the token each came with. */
const received = (graph: FakeGraph, to: string) =>
  graph
    .accepted()
    .filter((r) => r.to === `+${to}`)
    .map((r) => `${(r.body as { text?: { body: string } }).text?.body} (${r.headers.authorization})`);

const errorsLogged = (p: OperatorProcess): LogLine[] => p.logs.filter((l) => l.level >= 50);

describe('one owner per number: tenant B cannot hijack tenant A’s WhatsApp number', () => {
  it('B’s copy of A’s Sender is refused naming A, B’s bot never becomes Active, A’s customers keep talking to A; with a grant from A, B takes over per the seed’s rules', async () => {
    const a = await newNamespace('bank');
    const b = await newNamespace('shop');
    const p = await processes([a, b], { tokens: { [PHONE_NUMBER_ID]: 'token-of-a' } });
    await whatsappSecret(a, 'wa', { token: 'token-of-a', appSecret: 'secret-of-a' });
    await apply(a, `${waSender('wa')}---\n${greeter('support', 'wa', 'Hello from A')}`);
    await waitForChatbot(a, 'support', (c) => c.status?.state === 'Active', 'A Active');
    // Past A's second (creationTimestamps have whole seconds; a tie is ordered by namespace/name).
    await new Promise((r) => setTimeout(r, 1100));
    // B (edit role in its namespace): a Sender with A's number, its own Secret, an Active bot later.
    await whatsappSecret(b, 'wa', { token: 'token-of-b', appSecret: 'secret-of-b' });
    await apply(b, `${waSender('wa')}---\n${greeter('hijack', 'wa', 'Hello from B')}`);
    const stalled = await waitForChatbot(
      b,
      'hijack',
      (c) =>
        c.status?.conditions?.some((x) => x.type === 'Stalled' && x.reason === 'AddressOwnedElsewhere') ??
        false,
      'B stalled: its Sender is refused',
    );
    expect(stalled.status?.state).not.toBe('Active');
    expect(stalled.status?.conditions?.find((c) => c.type === 'Stalled')?.message).toContain(
      `belongs to namespace ${a}`,
    );
    await waitForSenderCondition(b, 'wa', {
      type: 'Accepted',
      status: 'False',
      reason: 'AddressOwnedElsewhere',
    });

    // Meta's webhook for A's number, signed with A's app secret: A's bot answers with A's token.
    const hi = metaJson(webhook([{ from: CUSTOMER, text: 'hi', id: wamid() }]));
    expect(await postWebhook(p.port, hi, sign(hi, 'secret-of-a'))).toBe(200);
    await eventually(() => (received(p.graph, CUSTOMER).length > 0 ? true : undefined), {
      what: 'A’s reply',
    });
    // A webhook signed with B's app secret is not one of an accepted Sender's: refused, not parsed.
    const forged = metaJson(webhook([{ from: CUSTOMER, text: 'hi again', id: wamid() }]));
    expect(await postWebhook(p.port, forged, sign(forged, 'secret-of-b'))).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(received(p.graph, CUSTOMER)).toEqual(['Hello from A (Bearer token-of-a)']);
    expect(p.graph.rejected()).toEqual([]);

    // A grants B (and shares the number's credentials with it): B's later claim takes over
    // gracefully; a new customer talks to B, through B's own Sender.
    await kubectl(['delete', 'secret', 'wa', '-n', b]);
    await whatsappSecret(b, 'wa', { token: 'token-of-a', appSecret: 'secret-of-a' });
    await apply(a, waSender('wa', `, sharedWith: [${b}]`));
    await waitForChatbot(b, 'hijack', (c) => c.status?.state === 'Active', 'B Active once granted');
    await waitForChatbot(
      a,
      'support',
      (c) => c.status?.state === 'Draining',
      'A draining (graceful takeover)',
    );
    const newcomer = '16505550000';
    await eventually(
      async () => {
        // The runtime's caches follow the Lease a moment later: until then the newcomer is A's.
        if (received(p.graph, newcomer).length === 0) {
          const raw = metaJson(webhook([{ from: newcomer, text: 'hello', id: wamid() }]));
          await postWebhook(p.port, raw, sign(raw, 'secret-of-a'));
        }
        return received(p.graph, newcomer).at(-1)?.startsWith('Hello from B') ? true : undefined;
      },
      { what: 'the newcomer answered by B', timeoutMs: 30_000, intervalMs: 1000 },
    );
    // The open conversation of A's customer keeps talking to A during the grace period.
    const more = metaJson(webhook([{ from: CUSTOMER, text: 'more', id: wamid() }]));
    expect(await postWebhook(p.port, more, sign(more, 'secret-of-a'))).toBe(200);
    await eventually(() => (received(p.graph, CUSTOMER).length === 2 ? true : undefined), {
      what: 'A again',
    });
    expect(received(p.graph, CUSTOMER).at(-1)).toBe('Hello from A (Bearer token-of-a)');
    expect(errorsLogged(p.runtime)).toEqual([]);
    expect(errorsLogged(p.operator)).toEqual([]);
  });
});

describe('Meta’s whole webhook vocabulary', () => {
  it('a signed payload of every field and message type is 200; a user’s own messages are answered, notices silent; nothing logged at error level', async () => {
    const ns = await newNamespace('vocab');
    const p = await processes([ns], {
      tokens: { [PHONE_NUMBER_ID]: 'token' },
      // One end user sends them all at once: the per-user rate limit is not what this test is about.
      runtimeArgs: ['--user-rate', '1000/1000'],
    });
    await whatsappSecret(ns, 'wa', { token: 'token', appSecret: 'app-secret' });
    await apply(ns, `${waSender('wa')}---\n${greeter('bot', 'wa', 'Got it')}`);
    await waitForChatbot(ns, 'bot', (c) => c.status?.state === 'Active', 'Active');
    await eventually(async () => {
      const raw = metaJson(webhook([], { statuses: [] }));
      return (await postWebhook(p.port, raw, sign(raw, 'app-secret'))) === 200 ? true : undefined;
    });
    const now = String(Math.floor(Date.now() / 1000));
    let speaking = 0;
    for (const f of FIXTURES) {
      const payload = structuredClone(loadFixture(f.file)) as {
        entry: { changes: { value: { messages?: { id?: string; timestamp?: string }[] } }[] }[];
      };
      // Meta's examples are from 2025: sent now, with ids of their own (so none is a duplicate).
      for (const e of payload.entry)
        for (const c of e.changes)
          for (const m of c.value.messages ?? []) {
            m.id = wamid();
            m.timestamp = now;
          }
      const raw = metaJson(payload);
      expect(await postWebhook(p.port, raw, sign(raw, 'app-secret')), f.file).toBe(200);
      if (f.reachesEngine) speaking++;
    }
    // The last word: once it is answered, everything before it (same end user, in order) is done.
    const last = metaJson(webhook([{ from: CUSTOMER, text: 'last', id: wamid() }]));
    expect(await postWebhook(p.port, last, sign(last, 'app-secret'))).toBe(200);
    const answered = FIXTURES.filter((f) => f.reachesEngine).length + 1;
    await eventually(() => (p.graph.accepted().length >= answered ? true : undefined), {
      what: `${answered} replies`,
      timeoutMs: 30_000,
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(p.graph.accepted()).toHaveLength(answered);
    expect(speaking).toBeGreaterThan(10);
    // Counted by field and type: a reaction, a business-account field.
    const metrics = await scrapeMetrics(p.healthPort);
    expect(metrics).toMatch(
      /chatbot_runtime_whatsapp_webhook_items_total\{field="messages",type="reaction"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /chatbot_runtime_whatsapp_webhook_items_total\{field="account_update",type="notification"\} [1-9]/,
    );
    expect(errorsLogged(p.runtime)).toEqual([]);
    expect(p.graph.rejected()).toEqual([]);
  });
});

/** One command on a plain TCP connection, as any Pod could send it; the first reply line. */
function rawRedis(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`));
    socket.setEncoding('utf8');
    socket.once('data', (d: string) => {
      socket.destroy();
      resolve(d.split('\r\n')[0]!);
    });
    socket.once('error', reject);
  });
}

/** A bot routing by 200 intents of 200 short phrases (about 0.6 MB of definition). */
function bigIntentBot(name: string, sender: string): string {
  return JSON.stringify(
    httpBotObject(name, sender, {
      startDialog: 'welcome',
      dialogs: [
        {
          name: 'welcome',
          elements: [
            {
              route: {
                intents: [
                  { intent: 'topic_1', goTo: 'one' },
                  { intent: 'topic_2', goTo: 'two' },
                ],
                otherwise: 'none',
              },
            },
          ],
        },
        { name: 'one', elements: [{ text: 'Topic one.' }] },
        { name: 'two', elements: [{ text: 'Topic two.' }] },
        { name: 'none', elements: [{ text: 'No topic.' }] },
      ],
      intents: largestIntents(),
    }),
  );
}

/** userInput saves a 4096-character answer; 60 texts of 819 `{{a}}` each would render 201 MB. */
function amplificationBot(name: string, sender: string): string {
  const big = '{{a}}'.repeat(819);
  return JSON.stringify(
    httpBotObject(name, sender, {
      startDialog: 'welcome',
      dialogs: [
        {
          name: 'welcome',
          elements: [
            { text: 'Say something long.' },
            { userInput: { saveAs: 'a' } },
            ...Array.from({ length: 60 }, () => ({ text: big })),
          ],
        },
      ],
    }),
  );
}

describe('bounded work per message, and intent training that never blocks the runtime', () => {
  let redis: RedisServer | undefined;
  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  it('the amplification bot answers 10 replies of at most 4096 characters; a 200x200-intent bot trains while /healthz answers and no lock is lost; Redis refuses strangers and holds no number in clear', async () => {
    redis = await startRedis({ password: 'redis-password-for-the-test' });
    const ns = await newNamespace('bounded');
    const p = await processes([ns], {
      runtimeArgs: ['--session-store', 'redis', '--redis-url', redis.url, '--log-level', 'debug'],
      env: { SESSION_KEY: 'a-session-key-for-the-trust-test' },
    });
    await apply(
      ns,
      `apiVersion: chatbots.dev/v1alpha1
kind: Sender
metadata: {name: web}
spec: {channel: Http, address: bounded-web}
---
apiVersion: chatbots.dev/v1alpha1
kind: Sender
metadata: {name: ai}
spec: {channel: Http, address: bounded-ai}
`,
    );
    await kubectl(['create', '-n', ns, '-f', '-'], amplificationBot('echo', 'web'));
    await waitForChatbot(ns, 'echo', (c) => c.status?.state === 'Active', 'echo Active');
    expect((await say(p.port, 'bounded-web', { from: 'mallory', text: 'hi' })).replies).toHaveLength(1);
    const flood = await say(p.port, 'bounded-web', { from: 'mallory', text: 'a'.repeat(4096) });
    expect(flood.status).toBe(200);
    expect(flood.replies).toHaveLength(10);
    for (const r of flood.replies) {
      const text = 'text' in r ? r.text : '';
      expect(text.length).toBeLessThanOrEqual(4096);
      expect(text.endsWith('…')).toBe(true);
    }

    // The 200x200 bot: /healthz polled all along, from before it is applied until it is trained.
    const before = await scrapeMetrics(p.healthPort); // resets the event-loop delay window
    expect(before).toContain('chatbot_runtime_nodejs_eventloop_lag_p99_seconds');
    const health: number[] = [];
    let failures = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const t = performance.now();
        const ok = await httpGet(p.healthPort, '/healthz').then(
          (r) => r.status === 200,
          () => false,
        );
        health.push(performance.now() - t);
        if (!ok) failures++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await kubectl(['create', '-n', ns, '-f', '-'], bigIntentBot('topics', 'ai'));
    const bot: Chatbot = await waitForChatbot(
      ns,
      'topics',
      (c) => c.status?.state === 'Active',
      'topics Active',
      60_000,
    );
    expect(bot.status?.validation?.errors).toBe(0);
    // A message while the matcher trains waits for it (its lock renewed meanwhile), then routes by intent.
    const asked = await say(p.port, 'bounded-ai', { from: 'ana', text: 'w1 p7 q3' });
    expect(seen(asked)).toEqual(['Topic one.']);
    const trained = await eventually(
      async () => {
        const m = await scrapeMetrics(p.healthPort);
        return /chatbot_runtime_intent_trainings_total\{result="ok"\} [1-9]/.test(m) ? m : undefined;
      },
      { what: 'the matcher trained', timeoutMs: 120_000, intervalMs: 250 },
    );
    polling = false;
    await poller;
    const p99 = metricSum(trained, 'chatbot_runtime_nodejs_eventloop_lag_p99_seconds')!;
    const seconds = metricSum(trained, 'chatbot_runtime_intent_training_seconds_sum')!;
    health.sort((x, y) => x - y);
    console.log(
      `200x200 intents: trained in the worker in ${seconds.toFixed(1)} s; event-loop delay p99 ${(p99 * 1000).toFixed(1)} ms; ` +
        `/healthz ${health.length} answers, max ${health.at(-1)!.toFixed(0)} ms, p99 ${health[Math.floor(health.length * 0.99)]!.toFixed(0)} ms`,
    );
    // Training took seconds, on the worker: the event loop was never held for anything like that
    // (the strict figures, p99 <= 50 ms and /healthz within 100 ms, are measured by `make bench`).
    expect(failures).toBe(0);
    expect(health.at(-1)!).toBeLessThan(Math.max(2000, (seconds * 1000) / 2));
    expect(p99 * 1000).toBeLessThan(Math.max(250, (seconds * 1000) / 4));
    expect(p.runtime.logs.filter((l) => JSON.stringify(l).includes('SessionLockLost'))).toEqual([]);
    expect(errorsLogged(p.runtime)).toEqual([]);

    // Redis: a client without the password is refused; no key holds an end user's id in clear.
    expect(await rawRedis(redis.port, 'KEYS *')).toMatch(/^-NOAUTH Authentication required/);
    expect(await rawRedis(redis.port, 'FLUSHALL')).toMatch(/^-NOAUTH/);
    const admin = new Redis(redis.url);
    const keys = await admin.keys('*');
    const members = (
      await Promise.all(keys.filter((k) => k.includes(':i:')).map((k) => admin.zrange(k, 0, -1)))
    ).flat();
    await admin.quit();
    expect(keys.length).toBeGreaterThan(0);
    for (const k of [...keys, ...members]) {
      for (const secret of ['mallory', 'ana', 'bounded-web', 'bounded-ai']) expect(k).not.toContain(secret);
    }
  });

  it('an end user who floods is slowed (429 with Retry-After), the others are not', async () => {
    const ns = await newNamespace('flood');
    const p = await processes([ns], { runtimeArgs: ['--user-rate', '5/1'] });
    await apply(
      ns,
      `apiVersion: chatbots.dev/v1alpha1
kind: Sender
metadata: {name: web}
spec: {channel: Http, address: flood-web}
---
${greeter('bot', 'web', 'Hi').replace('channel: WhatsApp', 'channel: Http')}`,
    );
    await waitForChatbot(ns, 'bot', (c) => c.status?.state === 'Active', 'Active');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await say(p.port, 'flood-web', { from: 'flooder', text: `${i}` })).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${p.port}/channels/http/flood-web`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: 'flooder', text: 'again' }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const other = await say(p.port, 'flood-web', { from: 'calm', text: 'hello' });
    expect(other.status).toBe(200);
    expect(seen(other)).toEqual(['Hi']);
    expect((await getChatbot(ns, 'bot')).status?.state).toBe('Active');
  });
});
