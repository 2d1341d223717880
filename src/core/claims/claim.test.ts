import { describe, expect, it } from 'vitest';
import { ANN_HOLDER_UID } from '../../api/names.ts';
import { type Claim, compareClaims, greatestClaim, heldByPredecessor, leaseView } from './claim.ts';

const lease = (annotations: Record<string, string>, acquireTime?: string) =>
  leaseView({
    metadata: { name: 'sender-whatsapp-385911234567', annotations },
    spec: { holderIdentity: 'ns/b', ...(acquireTime ? { acquireTime } : {}) },
  });

const bot = (uid: string, creationTimestamp = '2026-11-25T10:00:00Z') => ({
  metadata: { uid, creationTimestamp },
});

describe('heldByPredecessor', () => {
  it.each([
    ['the uid on the Lease is this bot’s', { [ANN_HOLDER_UID]: 'u1' }, undefined, bot('u1'), false],
    [
      'the uid on the Lease is another bot’s of the same name',
      { [ANN_HOLDER_UID]: 'u0' },
      undefined,
      bot('u1'),
      true,
    ],
    [
      'no uid (older Lease), acquired after this bot was created',
      {},
      '2026-11-25T10:00:01.500000Z',
      bot('u1'),
      false,
    ],
    [
      'no uid (older Lease), acquired before this bot existed',
      {},
      '2026-11-25T09:59:59.000000Z',
      bot('u1'),
      true,
    ],
    ['no uid and no acquireTime: nothing says otherwise', {}, undefined, bot('u1'), false],
  ])('%s -> %s', (_what, annotations, acquireTime, b, expected) => {
    expect(heldByPredecessor(lease(annotations, acquireTime), b)).toBe(expected);
  });

  it('reads the holder uid only while the Lease has a holder', () => {
    expect(lease({ [ANN_HOLDER_UID]: 'u1' }).holderUid).toBe('u1');
    expect(
      leaseView({ metadata: { name: 'x', annotations: { [ANN_HOLDER_UID]: 'u1' } }, spec: {} }).holderUid,
    ).toBeUndefined();
  });
});

describe('compareClaims: (moment, creationTimestamp, namespace/name), the greater claim holds', () => {
  const claim = (key: string, moment: string, created: string): Claim => ({
    key,
    moment: new Date(moment),
    created: new Date(created),
  });
  const T1 = '2026-03-01T09:00:00Z';
  const T2 = '2026-03-01T09:00:01Z';

  it.each<[string, Claim, Claim, 'a' | 'b']>([
    ['a later moment wins', claim('ns/a', T2, T1), claim('ns/b', T1, T2), 'a'],
    ['an earlier moment loses, whatever else', claim('ns/z', T1, T2), claim('ns/a', T2, T1), 'b'],
    ['equal moments: the later creationTimestamp wins', claim('ns/a', T1, T2), claim('ns/b', T1, T1), 'a'],
    ['equal moments, an earlier creationTimestamp loses', claim('ns/z', T1, T1), claim('ns/a', T1, T2), 'b'],
    [
      'equal moments and creation: the greater namespace/name wins',
      claim('ns/b', T1, T1),
      claim('ns/a', T1, T1),
      'a',
    ],
    ['the namespace counts before the name', claim('a/z', T1, T1), claim('b/a', T1, T1), 'b'],
    ['milliseconds count', claim('ns/a', '2026-03-01T09:00:00.001Z', T1), claim('ns/b', T1, T1), 'a'],
  ])('%s', (_name, a, b, winner) => {
    const sign = Math.sign(compareClaims(a, b));
    expect(sign).toBe(winner === 'a' ? 1 : -1);
    expect(Math.sign(compareClaims(b, a))).toBe(-sign);
    expect(greatestClaim([a, b])).toBe(winner === 'a' ? a : b);
    expect(greatestClaim([b, a])).toBe(winner === 'a' ? a : b);
  });

  it('a claim equals itself; no claims, no greatest', () => {
    const c = claim('ns/a', T1, T1);
    expect(compareClaims(c, { ...c })).toBe(0);
    expect(greatestClaim([])).toBeUndefined();
  });
});
