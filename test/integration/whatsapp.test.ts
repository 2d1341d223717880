// The WhatsApp channel end to end: webhooks in Meta's exact format, signed as Meta signs them,
// into the runtime; replies out to a local fake of the Graph API that checks every payload
// against Meta's documented shape and limits. Real control plane, operator and runtime.

import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/kube/clock.ts';
import type { Manager } from '../../src/operator/manager.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { createSessionStore } from '../../src/runtime/sessions/index.ts';
import type { SessionStore } from '../../src/runtime/sessions/store.ts';
import { apply, kubectl, newNamespace } from '../support/cluster.ts';
import { type FakeGraph, startFakeGraph } from '../support/fake-graph.ts';
import { httpBotYaml } from '../support/http-bot.ts';
import { startOperator, waitForChatbot, waitForEvent } from '../support/operator.ts';
import { metricSum, scrapeMetrics } from '../support/process.ts';
import { startRedis } from '../support/redis.ts';
import { startRuntime } from '../support/runtime.ts';
import {
  DISPLAY_NUMBER,
  type InboundSpec,
  metaJson,
  PHONE_NUMBER_ID,
  postWebhook,
  sign,
  wamid,
  webhook,
} from '../support/whatsapp.ts';

// jsqr is CommonJS with a default export: ESM sees the module object, its default is the function.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ??
  jsQRModule) as unknown as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;

const TOKEN = 'EAAG-test-access-token';
const APP_SECRET = 'app-secret-4f1c';
const VERIFY = 'verify-me-7d2a';
const SHEENA = '16505551234';
/** Shared by the runtimes of one Redis, as SESSION_KEY is across replicas. */
const SESSION_KEY = 'whatsapp-test-session-key';
const PABLO = '16505550000';
const ADDRESS = `+${DISPLAY_NUMBER}`;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const senderYaml = (o: { test?: boolean; verifiedNumber?: string } = {}) => `apiVersion: chatbots.dev/v1alpha1
kind: Sender
metadata: {name: acme-wa}
spec:
  channel: WhatsApp
  address: "${ADDRESS}"
  credentialsSecretRef: {name: acme-wa}${o.test ? `\n  test: true\n  verifiedNumber: "${o.verifiedNumber}"` : ''}
`;

interface Env {
  ns: string;
  rt: Runtime;
  graph: FakeGraph;
  store: SessionStore;
  manager: Manager;
  /** Signs and posts a webhook with these messages; resolves with the HTTP status. */
  send(messages: InboundSpec[]): Promise<number>;
  metric(name: string, labels?: string): Promise<number>;
}

async function setup(
  opts: {
    clock?: FakeClock;
    test?: boolean;
    verifiedNumber?: string;
    bots?: string[];
    redisUrl?: string;
  } = {},
) {
  const ns = await newNamespace('wa');
  const graph = await startFakeGraph({ tokens: { [PHONE_NUMBER_ID]: TOKEN } });
  cleanups.push(() => graph.close());
  const clock = opts.clock;
  const store = opts.redisUrl
    ? createSessionStore('redis', { redisUrl: opts.redisUrl })
    : createSessionStore('memory', clock ? { clock: () => clock.now().getTime() } : {});
  const rt = await startRuntime(ns, {
    store,
    sessionKey: SESSION_KEY,
    whatsappApiUrl: graph.url,
    whatsappRetry: { throughput: [50, 50, 50], pair: [50, 50], transient: [50, 50] },
    ...(clock ? { clock } : {}),
  });
  cleanups.push(() => rt.stop());
  const manager = await startOperator(ns, {
    publicUrl: `http://127.0.0.1:${rt.port}`,
    ...(clock ? { clock } : {}),
  });
  cleanups.push(() => manager.stop());
  await kubectl([
    'create',
    'secret',
    'generic',
    'acme-wa',
    '-n',
    ns,
    `--from-literal=accessToken=${TOKEN}`,
    `--from-literal=appSecret=${APP_SECRET}`,
    `--from-literal=verifyToken=${VERIFY}`,
    `--from-literal=phoneNumberId=${PHONE_NUMBER_ID}`,
  ]);
  const bots = opts.bots ?? [httpBotYaml('support', { sender: 'acme-wa', channel: 'WhatsApp' })];
  await apply(ns, [senderYaml(opts), ...bots].join('---\n'));
  const env: Env = {
    ns,
    rt,
    graph,
    store,
    manager,
    send: (messages) => {
      const raw = metaJson(webhook(messages));
      return postWebhook(rt.port, raw, sign(raw, APP_SECRET));
    },
    metric: async (name, labels) => {
      const text = await scrapeMetrics(rt.healthPort!);
      if (!labels) return metricSum(text, name) ?? 0;
      const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
      return line ? Number(line.split(' ').pop()) : 0;
    },
  };
  return env;
}

const activeBot = (ns: string, name = 'support') =>
  waitForChatbot(
    ns,
    name,
    (c) => c.status?.state === 'Active' && Boolean(c.status.revision),
    `${name} Active`,
  );

/** What an end user sees of the messages sent to them: text bodies, and interactive bodies with their buttons. */
function shown(graph: FakeGraph, to: string): string[] {
  return graph.messagesTo(to).map((m) => {
    const b = m as { type: string; text?: { body: string }; interactive?: Record<string, any> };
    if (b.type === 'text') return b.text!.body;
    const i = b.interactive!;
    if (i.type === 'button')
      return `${i.body.text} [${i.action.buttons.map((x: any) => x.reply.title).join(' | ')}]`;
    if (i.type === 'cta_url')
      return `${i.body.text} -> ${i.action.parameters.display_text}: ${i.action.parameters.url}`;
    return JSON.stringify(i);
  });
}

const WELCOME = (name: string) => [
  `Welcome to Acme, ${name}!`,
  'How can we help? [Orders]',
  'How can we help? -> Website: https://acme.example',
];

/** Waits until the end user has been sent n messages. */
const sentTo = (graph: FakeGraph, to: string, n: number) =>
  expect.poll(() => graph.messagesTo(to).length, { timeout: 20_000 }).toBe(n);

describe('WhatsApp webhooks in, Graph API out', () => {
  it('answers the verification handshake with the challenge, and a wrong token with 403', async () => {
    const { ns, rt } = await setup();
    await activeBot(ns);
    const ok = await fetch(
      `http://127.0.0.1:${rt.port}/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${VERIFY}`,
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await ok.text()).toBe('1158201444');
    const wrong = await fetch(
      `http://127.0.0.1:${rt.port}/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=nope`,
    );
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).not.toContain('1158201444');
  });

  it('holds a conversation: text in, reply buttons out, button_reply in, text out', async () => {
    const { ns, graph, send } = await setup();
    await activeBot(ns);
    expect(await send([{ from: SHEENA, text: 'hi', name: 'Sheena Nelson' }])).toBe(200);
    await sentTo(graph, SHEENA, 3);
    expect(shown(graph, SHEENA)).toEqual(WELCOME('Sheena Nelson'));
    const buttons = graph.messagesTo(SHEENA)[1] as {
      interactive: { action: { buttons: { reply: { id: string } }[] } };
    };
    const orders = buttons.interactive.action.buttons[0]!.reply;
    expect(await send([{ from: SHEENA, buttonReply: { id: orders.id, title: 'Orders' } }])).toBe(200);
    await sentTo(graph, SHEENA, 4);
    expect(shown(graph, SHEENA)[3]).toBe('Ask me about your order.');
    for (const r of graph.accepted()) {
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.path).toBe(`/${graph.version}/${PHONE_NUMBER_ID}/messages`);
      expect(r.to).toBe(`+${SHEENA}`);
    }
    expect(graph.rejected()).toEqual([]);
  });

  it('refuses forged, missing and wrong-secret signatures and a body changed after signing: 401, nothing sent, no session', async () => {
    const { ns, rt, graph, store, metric } = await setup();
    await activeBot(ns);
    const raw = metaJson(webhook([{ from: SHEENA, text: 'hi' }]));
    const forged = `sha256=${'ab'.repeat(32)}`;
    const tampered = raw.replace('"hi"', '"ho"');
    for (const [what, body, signature] of [
      ['forged', raw, forged],
      ['missing', raw, undefined],
      ['wrong app secret', raw, sign(raw, 'another-apps-secret')],
      ['changed after signing', tampered, sign(raw, APP_SECRET)],
      ['not even hex', raw, 'sha256=zz'],
    ] as const) {
      expect(await postWebhook(rt.port, body, signature), what).toBe(401);
    }
    expect(await metric('chatbot_runtime_whatsapp_webhooks_rejected_total')).toBe(5);
    expect(graph.requests).toEqual([]);
    expect((await store.counts(0)).size).toBe(0); // no session at all
  });

  it('answers a webhook delivered 3 times exactly once; a batch of 2 users both; statuses with no reply; non-ASCII text', async () => {
    const { ns, rt, graph, send, metric } = await setup();
    await activeBot(ns);
    // A retry: the same bytes three times.
    const raw = metaJson(webhook([{ from: SHEENA, text: 'hi', id: wamid() }]));
    for (let i = 0; i < 3; i++) expect(await postWebhook(rt.port, raw, sign(raw, APP_SECRET))).toBe(200);
    await expect
      .poll(() => metric('chatbot_runtime_replies_dropped_total', 'channel="whatsapp",reason="Duplicate"'), {
        timeout: 20_000,
      })
      .toBe(2);
    await sentTo(graph, SHEENA, 3);
    await rt.whatsappSender.idle();
    expect(graph.messagesTo(SHEENA)).toHaveLength(3);

    // One batch, two end users.
    expect(
      await send([
        { from: PABLO, text: 'hi', name: 'Pablo Morales' },
        { from: '447700900123', text: 'hello', name: 'Ann' },
      ]),
    ).toBe(200);
    await sentTo(graph, PABLO, 3);
    await sentTo(graph, '447700900123', 3);
    expect(shown(graph, PABLO)[0]).toBe('Welcome to Acme, Pablo Morales!');

    // Delivery statuses: accepted, no reply.
    const before = graph.requests.length;
    const statuses = metaJson(
      webhook([], {
        statuses: [{ id: wamid(), status: 'delivered', timestamp: '1750030073', recipient_id: SHEENA }],
      }),
    );
    expect(await postWebhook(rt.port, statuses, sign(statuses, APP_SECRET))).toBe(200);
    await expect
      .poll(
        () =>
          metric('chatbot_runtime_whatsapp_webhook_items_total', 'field="messages",type="status.delivered"'),
        {
          timeout: 20_000,
        },
      )
      .toBe(1);
    expect(graph.requests.length).toBe(before);

    // Non-ASCII: Meta signs the escaped form; the runtime verifies the raw bytes.
    const unicode = metaJson(webhook([{ from: '38591000111', text: 'Čestitke! äöå 👋', name: 'Željka' }]));
    expect(unicode).toContain('\\u010cestitke! \\u00e4\\u00f6\\u00e5 \\ud83d\\udc4b');
    expect(await postWebhook(rt.port, unicode, sign(unicode, APP_SECRET))).toBe(200);
    await sentTo(graph, '38591000111', 3);
    expect(shown(graph, '38591000111')[0]).toBe('Welcome to Acme, Željka!');
    expect(graph.rejected()).toEqual([]);
  });

  it('other message types get the fallback; an interactive without type and an old message get nothing', async () => {
    const { ns, rt, graph, send, metric } = await setup();
    await activeBot(ns);
    await send([{ from: SHEENA, text: 'hi' }]);
    await sentTo(graph, SHEENA, 3);
    await send([
      { from: SHEENA, other: { type: 'image', body: { id: '1479537139650973', mime_type: 'image/jpeg' } } },
    ]);
    await sentTo(graph, SHEENA, 4);
    expect(shown(graph, SHEENA)[3]).toBe('Sorry, I did not get that.');
    await send([{ from: SHEENA, interactiveWithoutType: true }]);
    await send([{ from: PABLO, text: 'hi', timestamp: Math.floor(Date.now() / 1000) - 2 * 86_400 }]);
    await expect
      .poll(() => metric('chatbot_runtime_replies_dropped_total', 'channel="whatsapp",reason="TooOld"'), {
        timeout: 20_000,
      })
      .toBe(1);
    // An interactive without a type (a user resending one) is counted, and never reaches the bot.
    await expect
      .poll(
        () => metric('chatbot_runtime_whatsapp_webhook_items_total', 'field="messages",type="interactive"'),
        {
          timeout: 20_000,
        },
      )
      .toBe(1);
    await rt.whatsappSender.idle();
    expect(graph.messagesTo(SHEENA)).toHaveLength(4);
    expect(graph.messagesTo(PABLO)).toEqual([]);
  });

  it('Graph API errors: 130429 twice then success arrives once; 131047 is not retried and does not block the next reply', async () => {
    const { ns, rt, graph, send, metric } = await setup();
    await activeBot(ns);
    graph.failNext(PHONE_NUMBER_ID, [130429, 130429]);
    await send([{ from: SHEENA, text: 'hi' }]);
    await sentTo(graph, SHEENA, 3);
    await rt.whatsappSender.idle();
    expect(shown(graph, SHEENA)).toEqual(WELCOME('Sheena Nelson'));
    expect(await metric('chatbot_runtime_whatsapp_send_results_total', 'code="130429",final="false"')).toBe(
      2,
    );

    graph.failFor(PABLO, 131047, 1);
    await send([{ from: PABLO, text: 'hi' }]);
    await expect
      .poll(() => metric('chatbot_runtime_whatsapp_send_results_total', 'code="131047",final="true"'), {
        timeout: 20_000,
      })
      .toBe(1);
    await rt.whatsappSender.idle();
    // The failed message was tried once, not retried; the rest of the welcome still went out.
    const attemptsForPablo = graph.requests.filter((r) => r.to === `+${PABLO}`);
    expect(attemptsForPablo.map((r) => r.failedWith ?? 'ok')).toEqual([131047, 'ok', 'ok']);
    expect(shown(graph, PABLO)).toEqual(WELCOME('Sheena Nelson').slice(1));
    // The next message of Pablo's is answered as usual.
    await send([{ from: PABLO, buttonReply: { id: 'b:1:0:welcome', title: 'Orders' } }]);
    await sentTo(graph, PABLO, 3);
    expect(shown(graph, PABLO)[2]).toBe('Ask me about your order.');
    expect(graph.rejected()).toEqual([]);
  });

  it('serves the QR code of the bot’s link; status names its URLs', async () => {
    const { ns, rt } = await setup();
    const bot = await waitForChatbot(
      ns,
      'support',
      (c) => Boolean(c.status?.entryPoints?.whatsapp?.qr),
      'QR URLs',
    );
    const ep = bot.status!.entryPoints!.whatsapp!;
    expect(ep.link).toBe(`https://wa.me/${DISPLAY_NUMBER}`);
    expect(ep.shareable).toBe(true);
    expect(ep.qr).toEqual({
      png: `http://127.0.0.1:${rt.port}/entry/${ns}/support/qr.png`,
      svg: `http://127.0.0.1:${rt.port}/entry/${ns}/support/qr.svg`,
    });
    const png = await fetch(ep.qr!.png);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    const image = PNG.sync.read(Buffer.from(await png.arrayBuffer()));
    const decoded = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
    expect(decoded?.data).toBe(ep.link);
    const svg = await fetch(ep.qr!.svg);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const text = await svg.text();
    expect(text).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*viewBox="[\d .]+"/);
    expect(text.trim().endsWith('</svg>')).toBe(true);
    expect(text).toContain('<path');
    // Strangers learn nothing: no such bot and an inactive bot are the same 404.
    const none = await fetch(`http://127.0.0.1:${rt.port}/entry/${ns}/nobody/qr.png`);
    expect(none.status).toBe(404);
    const noneBody = await none.text();
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
    await waitForChatbot(ns, 'support', (c) => c.status?.state === 'Inactive', 'Inactive');
    // (the runtime's cache follows the status a moment later)
    await expect.poll(async () => (await fetch(ep.qr!.png)).status, { timeout: 20_000 }).toBe(404);
    expect(await (await fetch(ep.qr!.png)).text()).toBe(noneBody);
  });

  it('a test sender answers only its verified number; a stranger gets nothing', async () => {
    const { ns, rt, graph, send, metric } = await setup({ test: true, verifiedNumber: `+${SHEENA}` });
    const bot = await activeBot(ns);
    expect(bot.status?.entryPoints?.whatsapp?.shareable).toBe(false);
    await send([{ from: SHEENA, text: 'hi' }]);
    await send([{ from: PABLO, text: 'hi' }]);
    await sentTo(graph, SHEENA, 3);
    await expect
      .poll(
        () =>
          metric('chatbot_runtime_replies_dropped_total', 'channel="whatsapp",reason="NotVerifiedNumber"'),
        { timeout: 20_000 },
      )
      .toBe(1);
    await rt.whatsappSender.idle();
    expect(graph.requests.filter((r) => r.to === `+${PABLO}`)).toEqual([]);
  });

  it('graceful takeover through webhooks: Sheena stays on A until the deadline, Pablo starts on B, then Sheena reaches B', async () => {
    const clock = new FakeClock(new Date());
    const { ns, graph, send } = await setup({
      clock,
      bots: [httpBotYaml('a', { sender: 'acme-wa', channel: 'WhatsApp', greeting: 'A here' })],
    });
    await activeBot(ns, 'a');
    await send([{ from: SHEENA, text: 'hi', timestamp: Math.floor(clock.now().getTime() / 1000) }]);
    await sentTo(graph, SHEENA, 3);
    expect(shown(graph, SHEENA)[0]).toBe('A here, Sheena Nelson!');
    clock.advance(60_000);
    await apply(
      ns,
      httpBotYaml('b', {
        sender: 'acme-wa',
        channel: 'WhatsApp',
        greeting: 'B here',
        takeover: '{mode: Graceful, gracePeriod: 10m}',
      }),
    );
    await activeBot(ns, 'b');
    await waitForChatbot(ns, 'a', (c) => c.status?.state === 'Draining', 'A Draining');
    const ts = () => Math.floor(clock.now().getTime() / 1000);
    await send([{ from: SHEENA, text: 'Orders', timestamp: ts() }]);
    await sentTo(graph, SHEENA, 4);
    expect(shown(graph, SHEENA)[3]).toBe('Ask me about your order.');
    await send([{ from: PABLO, text: 'hi', name: 'Pablo Morales', timestamp: ts() }]);
    await sentTo(graph, PABLO, 3);
    expect(shown(graph, PABLO)[0]).toBe('B here, Pablo Morales!');
    clock.advance(10 * 60_000 + 1000);
    await waitForEvent(ns, 'a', 'DrainEnded');
    await send([{ from: SHEENA, text: 'where is my order', timestamp: ts() }]);
    await sentTo(graph, SHEENA, 7);
    expect(shown(graph, SHEENA)[4]).toBe('B here, Sheena Nelson!');
    expect(graph.rejected()).toEqual([]);
  });

  it('with the Redis store, a message handled once is not answered again after a runtime restart', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const env = await setup({ redisUrl: redis.url });
    await activeBot(env.ns);
    const raw = metaJson(webhook([{ from: SHEENA, text: 'hi', id: wamid() }]));
    expect(await postWebhook(env.rt.port, raw, sign(raw, APP_SECRET))).toBe(200);
    await sentTo(env.graph, SHEENA, 3);
    await env.rt.stop(); // stop() is idempotent: the cleanup calling it again is harmless
    // A new runtime process on the same Redis gets Meta's retry of the same webhook.
    const rt2 = await startRuntime(env.ns, {
      store: createSessionStore('redis', { redisUrl: redis.url }),
      sessionKey: SESSION_KEY,
      whatsappApiUrl: env.graph.url,
    });
    cleanups.push(() => rt2.stop());
    expect(await postWebhook(rt2.port, raw, sign(raw, APP_SECRET))).toBe(200);
    const dupes = async () =>
      (await scrapeMetrics(rt2.healthPort!))
        .split('\n')
        .find((l) =>
          l.startsWith('chatbot_runtime_replies_dropped_total{channel="whatsapp",reason="Duplicate"}'),
        );
    await expect.poll(dupes, { timeout: 20_000 }).toMatch(/ 1$/);
    await rt2.whatsappSender.idle();
    expect(env.graph.messagesTo(SHEENA)).toHaveLength(3);
  });
});
