import { describe, expect, it } from 'vitest';
import type { Chatbot, Sender } from '../../api/schema.ts';
import {
  mayTalk,
  nextDrainDeadline,
  type Route,
  type RouteInput,
  revisionEnded,
  revisionServes,
  route,
} from './route.ts';
import { reportDue, sessionsStatus } from './sessions.ts';

const NOW = new Date('2026-12-01T10:00:00Z');
const LATER = '2026-12-01T10:10:00Z';
const EARLIER = '2026-12-01T09:50:00Z';

const sender = (spec: Partial<Sender['spec']> = {}): Sender => ({
  apiVersion: 'chatbots.dev/v1alpha1',
  kind: 'Sender',
  metadata: { name: 'wa', namespace: 'ns' },
  spec: { channel: 'WhatsApp', address: '+385911234567', ...spec },
});

const bot = (name: string, status: Chatbot['status'], senderName = 'wa'): Chatbot => ({
  apiVersion: 'chatbots.dev/v1alpha1',
  kind: 'Chatbot',
  metadata: { name, namespace: 'ns' },
  spec: { senderRef: { name: senderName } },
  status,
});
const WA = sender();

const A_ACTIVE = bot('a', { state: 'Active', revision: 'a-1' });
const A_REDEPLOYED = bot('a', {
  state: 'Active',
  revision: 'a-2',
  draining: [{ revision: 'a-1', until: LATER, reason: 'Redeploy' }],
});
const A_DRAINING = bot('a', {
  state: 'Draining',
  revision: 'a-1',
  draining: [{ revision: 'a-1', until: LATER, reason: 'TakenOver' }],
});
const A_DRAIN_OVER = bot('a', {
  state: 'Draining',
  revision: 'a-1',
  draining: [{ revision: 'a-1', until: EARLIER, reason: 'TakenOver' }],
});
const A_PREEMPTED = bot('a', { state: 'Preempted', revision: 'a-1' });
const A_INACTIVE = bot('a', { state: 'Inactive', revision: 'a-1' });
const B_ACTIVE = bot('b', { state: 'Active', revision: 'b-1' });
const B_NOT_YET = bot('b', { state: 'Inactive' });

function input(bots: Chatbot[], over: Partial<RouteInput> = {}): RouteInput {
  const byKey = new Map(bots.map((b) => [`ns/${b.metadata.name}`, b]));
  return {
    verified: new Map([['ns/wa', WA]]),
    chatbot: (k) => byKey.get(k),
    user: '385991112222',
    now: NOW,
    ...over,
  };
}

const pinA1 = { chatbot: 'ns/a', revision: 'a-1' };

describe('route: the three rules', () => {
  it.each<[string, RouteInput, Route]>([
    [
      'rule 2: a new end user starts on the holder',
      input([A_ACTIVE], { holder: 'ns/a' }),
      { kind: 'start', pin: pinA1, sender: WA },
    ],
    [
      'rule 1: an open session on the serving revision goes on',
      input([A_ACTIVE], { holder: 'ns/a', session: pinA1 }),
      { kind: 'continue', pin: pinA1, sender: WA },
    ],
    [
      'rule 1: after a redeploy, a session on the draining revision keeps it until the deadline',
      input([A_REDEPLOYED], { holder: 'ns/a', session: pinA1 }),
      { kind: 'continue', pin: pinA1, sender: WA },
    ],
    [
      'rule 2: after a redeploy, a new end user gets the new revision',
      input([A_REDEPLOYED], { holder: 'ns/a' }),
      { kind: 'start', pin: { chatbot: 'ns/a', revision: 'a-2' }, sender: WA },
    ],
    [
      'graceful takeover: the displaced bot keeps its open session until the deadline',
      input([A_DRAINING, B_ACTIVE], { holder: 'ns/b', session: pinA1 }),
      { kind: 'continue', pin: pinA1, sender: WA },
    ],
    [
      'graceful takeover: a new end user talks to the new holder',
      input([A_DRAINING, B_ACTIVE], { holder: 'ns/b' }),
      { kind: 'start', pin: { chatbot: 'ns/b', revision: 'b-1' }, sender: WA },
    ],
    [
      'after the deadline the next message starts on the new holder',
      input([A_DRAIN_OVER, B_ACTIVE], { holder: 'ns/b', session: pinA1 }),
      { kind: 'start', pin: { chatbot: 'ns/b', revision: 'b-1' }, sender: WA, replaces: pinA1 },
    ],
    [
      'immediate takeover: the next message starts on the new holder at once',
      input([A_PREEMPTED, B_ACTIVE], { holder: 'ns/b', session: pinA1 }),
      { kind: 'start', pin: { chatbot: 'ns/b', revision: 'b-1' }, sender: WA, replaces: pinA1 },
    ],
    [
      'deactivated with 0s: no holder, the session ends and nobody answers',
      input([A_INACTIVE], { session: pinA1 }),
      { kind: 'drop', reason: 'NoActiveChatbot', replaces: pinA1 },
    ],
    ['rule 3: no holder at all', input([A_INACTIVE]), { kind: 'drop', reason: 'NoActiveChatbot' }],
    [
      'rule 3: the Lease names a bot whose status is not Active yet',
      input([B_NOT_YET], { holder: 'ns/b' }),
      { kind: 'drop', reason: 'NoActiveChatbot' },
    ],
    [
      'rule 3: the Lease names a bot the cache does not have',
      input([], { holder: 'ns/gone' }),
      { kind: 'drop', reason: 'NoActiveChatbot' },
    ],
    [
      'a session pinned to a deleted bot moves to the holder',
      input([B_ACTIVE], { holder: 'ns/b', session: pinA1 }),
      { kind: 'start', pin: { chatbot: 'ns/b', revision: 'b-1' }, sender: WA, replaces: pinA1 },
    ],
  ])('%s', (_name, given, want) => {
    expect(route(given)).toEqual(want);
  });
});

describe('route: a bot answers only through its own Sender, when that Sender verified the message', () => {
  const B_OTHER_SENDER = bot('b', { state: 'Active', revision: 'b-1' }, 'other');
  it.each<[string, RouteInput, Route]>([
    [
      'the holder’s own Sender did not verify it (another namespace’s Sender did): nobody answers',
      input([B_OTHER_SENDER], { holder: 'ns/b' }),
      { kind: 'drop', reason: 'SenderNotVerified' },
    ],
    [
      'nothing verified it at all',
      input([A_ACTIVE], { holder: 'ns/a', verified: new Map() }),
      { kind: 'drop', reason: 'SenderNotVerified' },
    ],
    [
      'an open session whose bot’s Sender did not verify this copy: dropped, the session kept',
      input([A_DRAINING, B_OTHER_SENDER], {
        holder: 'ns/b',
        session: pinA1,
        verified: new Map([['ns/other', WA]]),
      }),
      { kind: 'drop', reason: 'SenderNotVerified' },
    ],
    [
      'the holder answers through its own Sender (the one it names), not the one the message came in on',
      input([B_OTHER_SENDER], {
        holder: 'ns/b',
        verified: new Map([['ns/other', sender({ address: '+1' })]]),
      }),
      { kind: 'start', pin: { chatbot: 'ns/b', revision: 'b-1' }, sender: sender({ address: '+1' }) },
    ],
  ])('%s', (_name, given, want) => {
    expect(route(given)).toEqual(want);
  });
});

describe('route: test senders answer only the verified number', () => {
  const test = sender({ test: true, verifiedNumber: '+385 91 999 8888' });
  it.each<[string, string, boolean]>([
    ['the verified number as WhatsApp sends it (digits)', '385919998888', true],
    ['the verified number in E.164', '+385919998888', true],
    ['a stranger', '385991112222', false],
    ['garbage', 'not a number', false],
  ])('%s', (_name, user, answered) => {
    expect(mayTalk(test, user)).toBe(answered);
    const r = route(input([A_ACTIVE], { verified: new Map([['ns/wa', test]]), holder: 'ns/a', user }));
    expect(r.kind).toBe(answered ? 'start' : 'drop');
    if (!answered) expect(r).toEqual({ kind: 'drop', reason: 'NotVerifiedNumber' });
  });

  it('a normal sender answers everyone', () => {
    expect(mayTalk(sender(), 'anyone')).toBe(true);
  });
});

describe('revision deadlines', () => {
  it.each<[string, Chatbot, string, boolean]>([
    ['serving', A_ACTIVE, 'a-1', true],
    ['another revision of an active bot', A_ACTIVE, 'a-0', false],
    ['draining before its deadline', A_DRAINING, 'a-1', true],
    ['draining after its deadline', A_DRAIN_OVER, 'a-1', false],
    ['preempted', A_PREEMPTED, 'a-1', false],
  ])('%s', (_name, b, revision, serves) => {
    expect(revisionServes(b, revision, NOW)).toBe(serves);
  });

  it('the next drain deadline is the earliest future until', () => {
    const b = bot('a', {
      state: 'Active',
      revision: 'a-3',
      draining: [
        { revision: 'a-1', until: EARLIER, reason: 'Redeploy' },
        { revision: 'a-2', until: '2026-12-01T10:20:00Z', reason: 'Redeploy' },
        { revision: 'a-0', until: LATER, reason: 'Redeploy' },
      ],
    });
    expect(nextDrainDeadline(b, NOW)?.toISOString()).toBe('2026-12-01T10:10:00.000Z');
    expect(nextDrainDeadline(A_ACTIVE, NOW)).toBeUndefined();
  });
});

describe('status.sessions reports', () => {
  const counts = (o: Record<string, number>) => new Map(Object.entries(o));
  it('counts sessions per revision; draining ones are those not on the serving revision', () => {
    expect(sessionsStatus(A_REDEPLOYED, counts({ 'a-1': 2, 'a-2': 3 }), NOW)).toEqual({
      open: 5,
      draining: 2,
      byRevision: { 'a-1': 2, 'a-2': 3 },
      observedAt: '2026-12-01T10:00:00Z',
    });
  });

  it('a draining revision without sessions is reported as 0 (so the operator can end its drain)', () => {
    expect(sessionsStatus(A_DRAINING, counts({}), NOW)).toEqual({
      open: 0,
      draining: 0,
      byRevision: { 'a-1': 0 },
      observedAt: '2026-12-01T10:00:00Z',
    });
  });

  it('no session left and no drain: the counts without an empty byRevision (apply would send null)', () => {
    expect(sessionsStatus(A_ACTIVE, counts({}), NOW)).toEqual({
      open: 0,
      draining: 0,
      observedAt: '2026-12-01T10:00:00Z',
    });
  });

  it.each<[string, Chatbot, Record<string, number>, boolean]>([
    ['first report with sessions', A_ACTIVE, { 'a-1': 1 }, true],
    [
      'the last session closed',
      bot('a', {
        state: 'Active',
        revision: 'a-1',
        sessions: { open: 1, draining: 0, byRevision: { 'a-1': 1 }, observedAt: EARLIER },
      }),
      {},
      true,
    ],
    ['nothing to say: no sessions, no drains, never reported', A_ACTIVE, {}, false],
    [
      'same counts as reported',
      bot('a', {
        state: 'Active',
        revision: 'a-1',
        sessions: { open: 1, draining: 0, byRevision: { 'a-1': 1 }, observedAt: EARLIER },
      }),
      { 'a-1': 1 },
      false,
    ],
    [
      'a count changed',
      bot('a', {
        state: 'Active',
        revision: 'a-1',
        sessions: { open: 1, draining: 0, byRevision: { 'a-1': 1 }, observedAt: EARLIER },
      }),
      { 'a-1': 2 },
      true,
    ],
    [
      'a drain began after the last report, and its revision shows 0: report again',
      bot('a', {
        state: 'Active',
        revision: 'a-2',
        draining: [{ revision: 'a-1', since: '2026-12-01T09:55:00Z', until: LATER, reason: 'Redeploy' }],
        sessions: { open: 0, draining: 0, byRevision: { 'a-1': 0 }, observedAt: EARLIER },
      }),
      {},
      true,
    ],
    [
      'the 0 was already observed after the drain began',
      bot('a', {
        state: 'Active',
        revision: 'a-2',
        draining: [{ revision: 'a-1', since: EARLIER, until: LATER, reason: 'Redeploy' }],
        sessions: { open: 0, draining: 0, byRevision: { 'a-1': 0 }, observedAt: '2026-12-01T09:55:00Z' },
      }),
      {},
      false,
    ],
  ])('report due: %s -> %s', (_name, b, c, due) => {
    expect(reportDue(b, sessionsStatus(b, counts(c), NOW))).toBe(due);
  });
});

describe('revisionEnded: which sessions housekeeping closes', () => {
  const numbers: Record<string, number> = { 'a-0': 1, 'a-1': 2, 'a-2': 3 };
  const num = (name: string) => numbers[name];
  it.each<[string, Chatbot | undefined, string, boolean]>([
    ['the serving revision', A_ACTIVE, 'a-1', false],
    ['a draining revision before its deadline', A_REDEPLOYED, 'a-1', false],
    ['a draining revision after its deadline', A_DRAIN_OVER, 'a-1', true],
    ['the own revision of a preempted bot (immediate takeover)', A_PREEMPTED, 'a-1', true],
    ['the own revision of a deactivated bot', A_INACTIVE, 'a-1', true],
    ['an older revision whose drain ended and left the status', A_ACTIVE, 'a-0', true],
    ['a newer revision this cache has not seen serve yet (it lags)', A_ACTIVE, 'a-2', false],
    ['a revision the cache does not know', A_ACTIVE, 'a-9', false],
    ['a bot the cache does not have', undefined, 'a-1', false],
  ])('%s: %s', (_name, b, revision, ended) => {
    expect(revisionEnded(b, revision, NOW, num)).toBe(ended);
  });
});
