// Who owns an address: the oldest Sender's namespace; others need a grant in spec.sharedWith.
import { describe, expect, it } from 'vitest';
import { API_VERSION, type Sender } from '../../api/schema.ts';
import { acceptanceOf, oldestSender } from './ownership.ts';

function sender(key: string, created: string, extra: Partial<Sender['spec']> = {}, deleting = false): Sender {
  const [namespace, name] = key.split('/') as [string, string];
  return {
    apiVersion: API_VERSION,
    kind: 'Sender',
    metadata: {
      namespace,
      name,
      creationTimestamp: created,
      ...(deleting ? { deletionTimestamp: '2026-03-03T00:00:00Z' } : {}),
    },
    spec: { channel: 'WhatsApp', address: '+385911234567', credentialsSecretRef: { name: 's' }, ...extra },
  };
}

const A = sender('bank/main', '2026-03-01T09:00:00Z');
const B = sender('shop/copy', '2026-03-02T09:00:00Z');
const A_GRANTS_SHOP = sender('bank/main', '2026-03-01T09:00:00Z', { sharedWith: ['shop'] });

describe('acceptanceOf', () => {
  it.each<{ name: string; me: Sender; all: Sender[]; want: ReturnType<typeof acceptanceOf> }>([
    { name: 'alone: it owns the address', me: B, all: [B], want: { accepted: true, owner: 'shop' } },
    { name: 'the oldest owns it', me: A, all: [A, B], want: { accepted: true, owner: 'bank' } },
    {
      name: 'a younger Sender elsewhere is refused, naming the owner',
      me: B,
      all: [A, B],
      want: { accepted: false, owner: 'bank', ownerSender: 'bank/main' },
    },
    {
      name: 'a grant by a Sender of the owner namespace accepts it',
      me: B,
      all: [A_GRANTS_SHOP, B],
      want: { accepted: true, owner: 'bank', grantedBy: 'bank/main' },
    },
    {
      name: 'a grant for another namespace does not',
      me: B,
      all: [sender('bank/main', '2026-03-01T09:00:00Z', { sharedWith: ['other'] }), B],
      want: { accepted: false, owner: 'bank', ownerSender: 'bank/main' },
    },
    {
      name: 'a grant from a non-owner namespace does not count',
      me: B,
      all: [A, sender('third/x', '2026-03-01T10:00:00Z', { sharedWith: ['shop'] }), B],
      want: { accepted: false, owner: 'bank', ownerSender: 'bank/main' },
    },
    {
      name: 'a second Sender in the owner namespace is accepted',
      me: sender('bank/second', '2026-03-05T00:00:00Z'),
      all: [A, B],
      want: { accepted: true, owner: 'bank' },
    },
    {
      name: 'same creationTimestamp: namespace/name decides',
      me: sender('zeta/x', '2026-03-01T09:00:00Z'),
      all: [sender('alpha/x', '2026-03-01T09:00:00Z'), sender('zeta/x', '2026-03-01T09:00:00Z')],
      want: { accepted: false, owner: 'alpha', ownerSender: 'alpha/x' },
    },
    {
      name: 'an owner being deleted no longer owns: the next oldest does',
      me: B,
      all: [sender('bank/main', '2026-03-01T09:00:00Z', {}, true), B],
      want: { accepted: true, owner: 'shop' },
    },
  ])('$name', ({ me, all, want }) => {
    expect(acceptanceOf(me, all)).toEqual(want);
  });

  it('oldestSender ignores Senders without a creationTimestamp until they have one', () => {
    const fresh = { ...B, metadata: { namespace: 'x', name: 'y' } };
    expect(oldestSender([fresh, B])).toBe(B);
  });
});
