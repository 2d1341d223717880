// decideSender: a Sender's status mirrors its Lease (holder, since when) and its validation.
import { describe, expect, it } from 'vitest';
import type { Condition, SenderSpec, SenderStatus } from '../../api/schema.ts';
import type { LeaseView } from '../claims/claim.ts';
import type { Acceptance } from '../claims/ownership.ts';
import { at, LEASE_NAME, senderOf } from './fixtures.ts';
import { decideSender } from './sender.ts';

const NOW = '2026-03-02T10:00:00Z';
const EARLIER = '2026-03-01T00:00:00Z';

const lease = (holder?: string, acquireTime?: string): LeaseView => ({
  name: LEASE_NAME,
  ...(holder ? { holder } : {}),
  ...(acquireTime ? { acquireTime: at(acquireTime) } : {}),
  transitions: 0,
});
const cond = (
  type: string,
  status: 'True' | 'False',
  reason: string,
  message: string,
  since = NOW,
): Condition => ({
  type,
  status,
  observedGeneration: 1,
  lastTransitionTime: since,
  reason,
  message,
});
const VALID = cond('Validated', 'True', 'Valid', 'No issues');
const AVAILABLE = cond('Ready', 'True', 'Available', 'No active chatbot holds this sender');
const REFUSED =
  'The WhatsApp address +385911234567 belongs to namespace bank, which declared it first; ask its owners to ' +
  'add this namespace to spec.sharedWith of their Sender for it, or use another address';
const OWNS = cond('Accepted', 'True', 'OwnsAddress', 'This namespace owns the address');

describe('decideSender', () => {
  it.each<{
    name: string;
    spec?: Partial<SenderSpec>;
    lease?: LeaseView;
    previous?: SenderStatus;
    want: SenderStatus;
  }>([
    {
      name: 'no Lease: available',
      want: { observedGeneration: 1, conditions: [AVAILABLE, VALID, OWNS] },
    },
    {
      name: 'a Lease without a holder: available',
      lease: lease(undefined, EARLIER),
      want: { observedGeneration: 1, conditions: [AVAILABLE, VALID, OWNS] },
    },
    {
      name: 'held: the holder since the Lease’s acquireTime',
      lease: lease('acme/support-bot', '2026-03-02T09:15:30.250Z'),
      want: {
        observedGeneration: 1,
        conditions: [cond('Ready', 'True', 'Held', 'Held by chatbot acme/support-bot'), VALID, OWNS],
        holder: { namespace: 'acme', name: 'support-bot', since: '2026-03-02T09:15:30Z' },
      },
    },
    {
      name: 'held by a Lease without acquireTime: since now',
      lease: lease('other-ns/bot'),
      want: {
        observedGeneration: 1,
        conditions: [cond('Ready', 'True', 'Held', 'Held by chatbot other-ns/bot'), VALID, OWNS],
        holder: { namespace: 'other-ns', name: 'bot', since: NOW },
      },
    },
    {
      name: 'invalid (a test sender without verifiedNumber): not ready and stalled, whoever holds it',
      spec: { test: true },
      lease: lease('acme/support-bot', EARLIER),
      want: {
        observedGeneration: 1,
        conditions: [
          cond(
            'Ready',
            'False',
            'ValidationFailed',
            expect.stringMatching(/^1 error; first: spec\.verifiedNumber: /),
          ),
          cond(
            'Validated',
            'False',
            'ValidationFailed',
            expect.stringMatching(/^1 error; first: spec\.verifiedNumber: /),
          ),
          OWNS,
          // kstatus reads it as Failed: nothing changes until the manifest is fixed.
          cond(
            'Stalled',
            'True',
            'ValidationFailed',
            expect.stringMatching(/^Fix the manifest: 1 error; first: spec\.verifiedNumber: /),
          ),
        ],
        holder: { namespace: 'acme', name: 'support-bot', since: EARLIER },
      },
    },
    {
      name: 'a condition keeps its lastTransitionTime while its status stays',
      lease: lease('acme/support-bot', EARLIER),
      previous: {
        observedGeneration: 1,
        conditions: [
          cond('Ready', 'True', 'Available', 'No active chatbot holds this sender', EARLIER),
          cond('Validated', 'True', 'Valid', 'No issues', EARLIER),
        ],
      },
      want: {
        observedGeneration: 1,
        conditions: [
          cond('Ready', 'True', 'Held', 'Held by chatbot acme/support-bot', EARLIER),
          cond('Validated', 'True', 'Valid', 'No issues', EARLIER),
          OWNS,
        ],
        holder: { namespace: 'acme', name: 'support-bot', since: EARLIER },
      },
    },
  ])('$name', ({ spec, lease, previous, want }) => {
    const sender = { ...senderOf(spec), ...(previous ? { status: previous } : {}) };
    const { status } = decideSender({ sender, ...(lease ? { lease } : {}) }, at(NOW));
    expect(status).toEqual(want);
  });

  it.each<{ name: string; acceptance: Acceptance; want: Condition[] }>([
    {
      name: 'granted by the owner namespace: accepted, shows its holder',
      acceptance: { accepted: true, owner: 'bank', grantedBy: 'bank/main-number' },
      want: [
        cond('Ready', 'True', 'Held', 'Held by chatbot acme/support-bot'),
        VALID,
        cond(
          'Accepted',
          'True',
          'Granted',
          'Namespace bank owns the address and grants this namespace (Sender bank/main-number)',
        ),
      ],
    },
    {
      name: 'refused: not ready, stalled with the owner’s namespace and what to do, no holder shown',
      acceptance: { accepted: false, owner: 'bank', ownerSender: 'bank/main-number' },
      want: [
        cond('Ready', 'False', 'NotAccepted', REFUSED),
        VALID,
        cond('Accepted', 'False', 'AddressOwnedElsewhere', REFUSED),
        cond('Stalled', 'True', 'AddressOwnedElsewhere', REFUSED),
      ],
    },
  ])('$name', ({ acceptance, want }) => {
    const { status } = decideSender(
      { sender: senderOf(), acceptance, lease: lease('acme/support-bot', NOW) },
      at(NOW),
    );
    expect(status.conditions).toEqual(want);
    expect(status.holder !== undefined).toBe(acceptance.accepted);
  });

  it('leaves observedGeneration out when the Sender has no generation', () => {
    const sender = senderOf();
    delete sender.metadata.generation;
    const { status } = decideSender({ sender }, at(NOW));
    expect(status).not.toHaveProperty('observedGeneration');
    expect(status.conditions?.[0]).not.toHaveProperty('observedGeneration');
  });
});
