// The fake Graph API itself: it answers like Meta, refuses what Meta's docs refuse, and plays
// scripted failures.
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGraph, startFakeGraph } from '../support/fake-graph.ts';

const PNID = '106540352242922';
const TOKEN = 'EAAG-test-token';
const USER = '+16505551234';

let fake: FakeGraph;
beforeEach(async () => {
  fake = await startFakeGraph({ tokens: { [PNID]: TOKEN } });
});
afterEach(async () => {
  await fake.close();
});

interface Answer {
  messaging_product?: string;
  contacts?: unknown;
  messages?: { id: string }[];
  error?: { code?: number };
  success?: boolean;
}

async function post(body: unknown, opts: { token?: string | null; pnid?: string; url?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? TOKEN}`;
  const res = await request(opts.url ?? `${fake.url}/${opts.pnid ?? PNID}/messages`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, json: (await res.body.json()) as Answer };
}

const text = (body: string, to: string = USER) => ({
  messaging_product: 'whatsapp',
  recipient_type: 'individual',
  to,
  type: 'text',
  text: { preview_url: false, body },
});
const buttons = (titles: string[], bodyText = 'Pick') => ({
  messaging_product: 'whatsapp',
  to: USER,
  type: 'interactive',
  interactive: {
    type: 'button',
    body: { text: bodyText },
    action: { buttons: titles.map((t, i) => ({ type: 'reply', reply: { id: `id${i}`, title: t } })) },
  },
});
const cta = (display_text: string, url: string) => ({
  messaging_product: 'whatsapp',
  to: USER,
  type: 'interactive',
  interactive: {
    type: 'cta_url',
    body: { text: 'Tap below' },
    action: { name: 'cta_url', parameters: { display_text, url } },
  },
});
const list = (rows: { id: string; title: string }[], button = 'Options') => ({
  messaging_product: 'whatsapp',
  to: USER,
  type: 'interactive',
  interactive: {
    type: 'list',
    body: { text: 'Pick' },
    action: { button, sections: [{ title: 'All', rows }] },
  },
});

describe('the fake Graph API', () => {
  it('accepts a valid text like Meta and records the request with its Bearer token', async () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v\d+\.\d+$/);
    const { status, json } = await post(text('Hello'));
    expect(status).toBe(200);
    expect(json.messaging_product).toBe('whatsapp');
    expect(json.contacts).toEqual([{ input: USER, wa_id: '16505551234' }]);
    expect(json.messages![0]!.id).toMatch(/^wamid\.[A-Za-z0-9+/=]+$/);
    const [r] = fake.requests;
    expect(r!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(r!.phoneNumberId).toBe(PNID);
    expect(JSON.parse(r!.raw)).toEqual(text('Hello'));
    expect(r!.messageId).toBe(json.messages![0]!.id);
    expect(fake.messagesTo('16505551234')).toEqual([text('Hello')]);
    expect(fake.rejected()).toEqual([]);
  });

  it('a BSUID recipient is answered with user_id', async () => {
    const body = {
      messaging_product: 'whatsapp',
      recipient: 'US.13491208655302741918',
      type: 'text',
      text: { body: 'x' },
    };
    const { status, json } = await post(body);
    expect(status).toBe(200);
    expect(json.contacts).toEqual([{ input: 'US.13491208655302741918', user_id: 'US.13491208655302741918' }]);
    expect(fake.messagesTo('US.13491208655302741918')).toHaveLength(1);
  });

  it('answers mark-as-read with success', async () => {
    const { status, json } = await post({
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: 'wamid.X',
    });
    expect(status).toBe(200);
    expect(json).toEqual({ success: true });
    expect(fake.accepted()).toEqual([]);
  });

  it.each([
    ['no token', null, 'no bearer token'],
    ['a wrong token', 'nope', 'wrong bearer token'],
  ])('refuses %s with OAuthException 190 and HTTP 401', async (_, token, reason) => {
    const { status, json } = await post(text('Hello'), { token });
    expect(status).toBe(401);
    expect(json.error).toMatchObject({ code: 190, type: 'OAuthException' });
    expect(fake.rejected().map((r) => r.rejectedBecause)).toEqual([reason]);
  });

  it('refuses a token of another number', async () => {
    const { status } = await post(text('Hello'), { pnid: '999' });
    expect(status).toBe(401);
  });

  const long = (n: number) => 'x'.repeat(n);
  it.each<[string, unknown, number]>([
    ['not JSON', '{', 100],
    ['no messaging_product', { ...text('x'), messaging_product: undefined }, 100],
    ['no recipient', { ...text('x'), to: undefined }, 100],
    ['to without +', text('x', '16505551234'), 100],
    ['an unknown field', { ...text('x'), foo: 1 }, 100],
    ['an empty text', text(''), 100],
    ['a text over 4096', text(long(4097)), 100],
    ['an unknown type', { ...text('x'), type: 'sticker' }, 131051],
    ['no buttons', buttons([]), 100],
    ['4 buttons', buttons(['a', 'b', 'c', 'd']), 100],
    ['a title over 20', buttons([long(21)]), 100],
    ['repeated titles', buttons(['a', 'a']), 100],
    ['a button body over 1024', buttons(['a'], long(1025)), 100],
    ['display_text over 20', cta(long(21), 'https://example.com'), 100],
    ['a cta url that is not http(s)', cta('Go', 'tel:+1'), 100],
    ['11 rows', list(Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `R${i}` }))), 100],
    ['a row id over 200', list([{ id: long(201), title: 'a' }]), 100],
    ['a row title over 24', list([{ id: 'a', title: long(25) }]), 100],
    ['a list button over 20', list([{ id: 'a', title: 'a' }], long(21)), 100],
  ])('refuses %s (code %#)', async (_, body, code) => {
    const { status, json } = await post(body as object);
    expect(status).toBe(400);
    expect(json.error).toMatchObject({ code, type: 'OAuthException' });
    expect(fake.rejected()).toHaveLength(1);
    expect(fake.accepted()).toHaveLength(0);
  });

  it('accepts the limits themselves', async () => {
    for (const body of [
      text('😀'.repeat(4096)),
      buttons([long(20), 'b', 'c'], long(1024)),
      cta(long(20), 'https://example.com/x'),
      list(Array.from({ length: 10 }, (_, i) => ({ id: `${i}${long(190)}`, title: long(23) + i }))),
    ]) {
      expect((await post(body)).status).toBe(200);
    }
    expect(fake.rejected()).toEqual([]);
  });

  it('plays failNext in order: Meta error shape, 429 for 130429, 400 otherwise, own status when given', async () => {
    fake.failNext(PNID, [130429, { code: 131000, status: 500 }, 131056]);
    const a = await post(text('1'));
    expect(a.status).toBe(429);
    expect(a.json.error).toMatchObject({
      message: '(#130429) Rate limit hit',
      type: 'OAuthException',
      code: 130429,
      error_data: { messaging_product: 'whatsapp', details: expect.any(String) },
      fbtrace_id: expect.any(String),
    });
    expect((await post(text('2'))).status).toBe(500);
    expect((await post(text('3'))).json.error?.code).toBe(131056);
    expect((await post(text('4'))).status).toBe(200);
    expect(fake.requests.map((r) => r.failedWith)).toEqual([130429, 131000, 131056, undefined]);
    expect(fake.rejected()).toEqual([]);
  });

  it('plays failFor only for that recipient, `times` times', async () => {
    fake.failFor('16505551234', 131047, 1);
    expect((await post(text('x', '+49 170 1234567'))).status).toBe(200);
    const first = await post(text('x'));
    expect(first.status).toBe(400);
    expect(first.json.error?.code).toBe(131047);
    expect((await post(text('x'))).status).toBe(200);
  });

  it('a disconnect drops the connection', async () => {
    fake.failNext(PNID, ['disconnect']);
    await expect(post(text('x'))).rejects.toThrow();
    expect(fake.requests[0]!.failedWith).toBe('disconnect');
  });

  it('waitFor resolves on a later request and times out otherwise', async () => {
    const waiting = fake.waitFor((r) => r.to === USER);
    await post(text('x'));
    await expect(waiting).resolves.toMatchObject({ status: 200 });
    await expect(fake.waitFor((r) => r.to === '+1', 50)).rejects.toThrow(/no matching request/);
  });

  it('refuses another version or route', async () => {
    const { status } = await post(text('x'), {
      url: `${fake.url.replace(/v[\d.]+$/, 'v1.0')}/${PNID}/messages`,
    });
    expect(status).toBe(400);
    expect(fake.rejected()[0]!.rejectedBecause).toMatch(/no such route/);
  });
});
