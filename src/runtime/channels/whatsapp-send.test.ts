// The WhatsApp sender against the fake Graph API (a real local HTTP server, not a mock); backoff
// waits run on a FakeClock that the tests advance.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeGraph, startFakeGraph } from '../../../test/support/fake-graph.ts';
import type { Reply } from '../../core/dialog/types.ts';
import { FakeClock } from '../../kube/clock.ts';
import { fingerprint } from '../../telemetry/redact.ts';
import {
  MAX_MESSAGES_PER_SEND,
  retryClassOf,
  type WhatsAppSender as Sender,
  WhatsAppSender,
} from './whatsapp-send.ts';

const PNID = '106540352242922';
const TOKEN = 'EAAG-secret-token';
const ALICE = '16505551234';
const BOB = '4917012345678';

let fake: FakeGraph;
let clock: FakeClock;
let sender: Sender;
let results: [string, boolean][];
let logLines: string[];

beforeEach(async () => {
  fake = await startFakeGraph({ tokens: { [PNID]: TOKEN } });
  clock = new FakeClock('2026-05-01T12:00:00Z');
  results = [];
  logLines = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  sender = new WhatsAppSender({
    apiUrl: fake.url,
    clock,
    logger,
    onResult: (code, final) => void results.push([code, final]),
  });
});

afterEach(async () => {
  await sender.close();
  await fake.close();
});

const target = (to: string) => ({ phoneNumberId: PNID, accessToken: TOKEN, to });
const text = (t: string): Reply => ({ text: t });
const bodies = (to: string) => fake.messagesTo(to).map((m) => (m.text as { body: string }).body);

/** Waits (real time, short) until the sender has armed n timers on the fake clock. */
async function timersArmed(n: number): Promise<void> {
  await vi.waitFor(() => expect(clock.timers).toBe(n));
}

describe('WhatsAppSender', () => {
  it('sends at most MAX_MESSAGES_PER_SEND Graph API messages for one inbound message', async () => {
    // 10 replies of 16 URL buttons each would be 170 messages.
    const urls = Array.from({ length: 16 }, (_, i) => ({
      id: `u${i}`,
      caption: `Link ${i}`,
      url: `https://a.example/${i}`,
    }));
    const replies: Reply[] = Array.from({ length: 10 }, () => ({
      buttons: { message: 'Pick', items: urls },
    }));
    await sender.send(target(ALICE), replies);
    expect(fake.messagesTo(ALICE)).toHaveLength(MAX_MESSAGES_PER_SEND);
    expect(results.filter(([c]) => c === 'over_message_limit')).toEqual([['over_message_limit', true]]);
    expect(fake.rejected()).toEqual([]);
  });

  it('posts the reply with the Bearer token and JSON, and returns the wamid', async () => {
    const out = await sender.send(target(ALICE), [text('Hello there')]);
    expect(out).toEqual([
      { ok: true, code: 'ok', attempts: 1, messageIds: [expect.stringMatching(/^wamid\./)] },
    ]);
    const [r] = fake.requests;
    expect(r!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(r!.headers['content-type']).toBe('application/json');
    expect(r!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: `+${ALICE}`,
      type: 'text',
      text: { preview_url: false, body: 'Hello there' },
    });
    expect(out[0]!.messageIds).toEqual([r!.messageId]);
    expect(results).toEqual([['ok', true]]);
    expect(fake.rejected()).toEqual([]);
  });

  it('sends a mixed buttons reply as reply buttons, then one cta_url per URL button; all valid', async () => {
    const reply: Reply = {
      buttons: {
        message: 'What next?',
        items: [
          { id: 'b:0:0:main', caption: 'Shop', url: 'https://shop.example.com/' },
          { id: 'b:0:1:main', caption: 'Talk to us' },
          { id: 'b:0:2:main', caption: 'Done' },
        ],
      },
    };
    const [out] = await sender.send(target(ALICE), [reply]);
    expect(out).toMatchObject({ ok: true, attempts: 2 });
    expect(out!.messageIds).toHaveLength(2);
    expect(fake.messagesTo(ALICE).map((m) => (m.interactive as { type: string }).type)).toEqual([
      'button',
      'cta_url',
    ]);
    expect(fake.rejected()).toEqual([]);
  });

  it('130429 twice, then success: sent once, two retries counted, after 1 s and 2 s', async () => {
    fake.failNext(PNID, [130429, 130429]);
    const done = sender.send(target(ALICE), [text('Hi')]);
    await timersArmed(1);
    expect(results).toEqual([['130429', false]]);
    clock.advance(999);
    expect(fake.requests).toHaveLength(1);
    clock.advance(1);
    await timersArmed(1);
    expect(fake.requests).toHaveLength(2);
    clock.advance(2000);
    const out = await done;
    expect(out).toEqual([{ ok: true, code: 'ok', attempts: 3, messageIds: [expect.any(String)] }]);
    expect(bodies(ALICE)).toEqual(['Hi']);
    expect(results).toEqual([
      ['130429', false],
      ['130429', false],
      ['ok', true],
    ]);
    expect(fake.rejected()).toEqual([]);
  });

  it('130429 holds the other end users of the same business number too', async () => {
    fake.failNext(PNID, [130429]);
    const a = sender.send(target(ALICE), [text('to Alice')]);
    await timersArmed(1);
    const b = sender.send(target(BOB), [text('to Bob')]);
    await timersArmed(2);
    expect(fake.requests).toHaveLength(1);
    clock.advance(1000);
    expect((await a)[0]!.ok).toBe(true);
    expect((await b)[0]!.ok).toBe(true);
    expect(bodies(BOB)).toEqual(['to Bob']);
  });

  it('131047: not retried, counted as final, and the next reply of that user still goes out', async () => {
    fake.failFor(ALICE, 131047, 1);
    const first = sender.send(target(ALICE), [text('one')]);
    const second = sender.send(target(ALICE), [text('two')]);
    expect(await first).toEqual([{ ok: false, code: '131047', attempts: 1, messageIds: [] }]);
    expect(await second).toMatchObject([{ ok: true, code: 'ok', attempts: 1 }]);
    expect(clock.timers).toBe(0);
    expect(results).toEqual([
      ['131047', true],
      ['ok', true],
    ]);
    expect(bodies(ALICE)).toEqual(['two']);
  });

  it('131056 delays only that end user (4^X s); another user is served meanwhile', async () => {
    fake.failFor(ALICE, 131056, 2);
    const a = sender.send(target(ALICE), [text('for Alice')]);
    await timersArmed(1);
    expect(await sender.send(target(BOB), [text('for Bob')])).toMatchObject([{ ok: true }]);
    expect(bodies(BOB)).toEqual(['for Bob']);
    expect(bodies(ALICE)).toEqual([]);
    clock.advance(1000);
    await timersArmed(1);
    expect(fake.requests.filter((r) => r.failedWith === 131056)).toHaveLength(2);
    clock.advance(3999);
    expect(fake.requests).toHaveLength(3);
    clock.advance(1);
    expect(await a).toMatchObject([{ ok: true, attempts: 3 }]);
    expect(bodies(ALICE)).toEqual(['for Alice']);
    expect(results).toEqual([
      ['131056', false],
      ['ok', true],
      ['131056', false],
      ['ok', true],
    ]);
  });

  it('network errors: 3 retries (1 s, 2 s, 4 s), then a final failure', async () => {
    await fake.close();
    const done = sender.send(target(ALICE), [text('lost')]);
    for (const wait of [1000, 2000, 4000]) {
      await timersArmed(1);
      clock.advance(wait);
    }
    expect(await done).toEqual([{ ok: false, code: 'network', attempts: 4, messageIds: [] }]);
    expect(results).toEqual([
      ['network', false],
      ['network', false],
      ['network', false],
      ['network', true],
    ]);
  });

  it('a dropped connection is retried, then succeeds', async () => {
    fake.failNext(PNID, ['disconnect']);
    const done = sender.send(target(ALICE), [text('again')]);
    await timersArmed(1);
    clock.advance(1000);
    expect(await done).toMatchObject([{ ok: true, attempts: 2 }]);
    expect(bodies(ALICE)).toEqual(['again']);
  });

  it('131000 forever: bounded retries, then final', async () => {
    fake.failFor(ALICE, 131000);
    const done = sender.send(target(ALICE), [text('x')]);
    for (const wait of [1000, 2000, 4000]) {
      await timersArmed(1);
      clock.advance(wait);
    }
    expect(await done).toMatchObject([{ ok: false, code: '131000', attempts: 4 }]);
    expect(results.at(-1)).toEqual(['131000', true]);
  });

  it("keeps one user's replies in order across calls, even when one waits for a retry", async () => {
    fake.failFor(ALICE, 131056, 1);
    const first = sender.send(target(ALICE), [text('1'), text('2'), text('3')]);
    const second = sender.send(target(ALICE), [text('4'), text('5')]);
    await timersArmed(1);
    clock.advance(1000);
    await Promise.all([first, second]);
    await sender.idle();
    expect(bodies(ALICE)).toEqual(['1', '2', '3', '4', '5']);
    expect(sender.pending).toBe(0);
  });

  it('a reply that fails for good part-way stops there; the next reply goes out', async () => {
    fake.failFor(ALICE, 131026, 1);
    const reply: Reply = {
      buttons: {
        message: 'Links',
        items: [
          { id: 'u', caption: 'Site', url: 'https://example.com/' },
          { id: 'r', caption: 'OK' },
        ],
      },
    };
    const out = await sender.send(target(ALICE), [reply, text('after')]);
    expect(out).toMatchObject([
      { ok: false, code: '131026', attempts: 1, messageIds: [] },
      { ok: true, code: 'ok' },
    ]);
    expect(bodies(ALICE)).toEqual(['after']);
  });

  it('a reply whose recipient is not a number or BSUID fails without a request', async () => {
    expect(await sender.send(target('alice'), [text('x')])).toEqual([
      { ok: false, code: 'invalid_recipient', attempts: 0, messageIds: [] },
    ]);
    expect(fake.requests).toEqual([]);
    expect(results).toEqual([['invalid_recipient', true]]);
  });

  it('sends to a BSUID with `recipient`', async () => {
    expect(await sender.send(target('US.13491208655302741918'), [text('hi')])).toMatchObject([{ ok: true }]);
    expect(fake.requests[0]!.body).toMatchObject({ recipient: 'US.13491208655302741918' });
    expect(fake.rejected()).toEqual([]);
  });

  it('an empty text is not sent', async () => {
    expect(await sender.send(target(ALICE), [text('  ')])).toEqual([
      { ok: true, code: 'empty', attempts: 0, messageIds: [] },
    ]);
    expect(fake.requests).toEqual([]);
  });

  it('close() ends a waiting retry as closed', async () => {
    fake.failFor(ALICE, 131056);
    const done = sender.send(target(ALICE), [text('x')]);
    await timersArmed(1);
    await sender.close();
    expect(await done).toMatchObject([{ ok: false, code: 'closed', attempts: 1 }]);
    expect(results.at(-1)).toEqual(['closed', true]);
  });

  it('logs neither text, token nor number; the end user as a fingerprint', async () => {
    fake.failFor(ALICE, 131047, 1);
    await sender.send(target(ALICE), [text('very secret words'), text('more secret words')]);
    const all = logLines.join('\n');
    expect(logLines.length).toBeGreaterThanOrEqual(2);
    expect(all).not.toContain('secret words');
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain(ALICE);
    expect(all).not.toContain(PNID);
    expect(all).toContain(fingerprint(ALICE));
    expect(all).toContain('131047');
  });

  it('retry classes by code', () => {
    expect(
      ['130429', '131056', '131000', '131016', '133004', '1', '2', 'http_503', 'network', 'timeout'].map(
        retryClassOf,
      ),
    ).toEqual([
      'throughput',
      'pair',
      'transient',
      'transient',
      'transient',
      'transient',
      'transient',
      'transient',
      'transient',
      'transient',
    ]);
    for (const code of ['131047', '131026', '100', '190', 'http_400', 'invalid_recipient']) {
      expect(retryClassOf(code)).toBeUndefined();
    }
  });

  it('takes injected schedules', async () => {
    const s = new WhatsAppSender({
      apiUrl: fake.url,
      clock,
      logger: pino({ level: 'silent' }),
      retry: { pair: [10] },
    });
    fake.failFor(ALICE, 131056, 2);
    const done = s.send(target(ALICE), [text('x')]);
    await timersArmed(1);
    clock.advance(10);
    expect(await done).toMatchObject([{ ok: false, code: '131056', attempts: 2 }]);
    await s.close();
  });
});
