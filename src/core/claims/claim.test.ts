import { describe, expect, it } from 'vitest';
import { ANN_HOLDER_UID } from '../../api/names.ts';
import { heldByPredecessor, leaseView } from './claim.ts';

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
