// The gatherer and decide() together, over in-memory caches: every reconcile applies the one claim
// rule (claimantOf) to every bot, so the holder and its rivals agree on who holds the sender, also
// when the holder's last edit is invalid, and a bot whose Sender is refused for the address never
// competes.
import type { V1ControllerRevision, V1Lease } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ANN_CREATED, ANN_HOLDER_UID, ANN_MOMENT, LEASE_LABEL } from '../api/names.ts';
import { API_VERSION, type Chatbot, type Sender } from '../api/schema.ts';
import { senderLeaseName } from '../core/claims/claim.ts';
import { decide } from '../core/lifecycle/decide.ts';
import type { Cache } from '../kube/cache.ts';
import { KeyIndex } from '../kube/key-index.ts';
import { SendersByAddress } from '../kube/sender-index.ts';
import { ChatbotGatherer } from './chatbot-gatherer.ts';

class MapCache<T extends { metadata?: { name?: string; namespace?: string } }> implements Cache<T> {
  readonly items = new Map<string, T>();
  put(o: T): void {
    this.items.set(`${o.metadata?.namespace}/${o.metadata?.name}`, o);
  }
  get(name: string, namespace: string): T | undefined {
    return this.items.get(`${namespace}/${name}`);
  }
  list(namespace?: string): T[] {
    return [...this.items.values()].filter(
      (o) => namespace === undefined || o.metadata?.namespace === namespace,
    );
  }
}

const OP_NS = 'chatbot-system';
const NOW = new Date('2026-03-02T10:00:00Z');
const ADDRESS = '+385911234567';

function senderIn(namespace: string, created: string, sharedWith?: string[]): Sender {
  return {
    apiVersion: API_VERSION,
    kind: 'Sender',
    metadata: { namespace, name: 'wa', creationTimestamp: created, generation: 1 },
    spec: {
      channel: 'WhatsApp',
      address: ADDRESS,
      credentialsSecretRef: { name: 'wa' },
      ...(sharedWith ? { sharedWith } : {}),
    },
  };
}

function botIn(namespace: string, name: string, created: string, over: Partial<Chatbot> = {}): Chatbot {
  return {
    apiVersion: API_VERSION,
    kind: 'Chatbot',
    metadata: { namespace, name, uid: `${namespace}-${name}`, generation: 1, creationTimestamp: created },
    spec: {
      channel: 'WhatsApp',
      senderRef: { name: 'wa' },
      state: 'Active',
      definition: { startDialog: 'w', dialogs: [{ name: 'w', elements: [{ text: 'Hello' }] }] },
    },
    ...over,
  };
}

const INVALID_DEFINITION = {
  startDialog: 'w',
  dialogs: [{ name: 'w', elements: [{ buttons: { message: '', items: [{ caption: 'x', goTo: 'w' }] } }] }],
};

function world(
  senders: Sender[],
  bots: Chatbot[],
  holder?: { key: string; uid: string; moment: string; created: string },
) {
  const chatbots = new MapCache<Chatbot>();
  const senderCache = new MapCache<Sender>();
  const leases = new MapCache<V1Lease>();
  const addresses = new SendersByAddress(senderCache);
  for (const s of senders) {
    senderCache.put(s);
    addresses.update(s);
  }
  for (const b of bots) chatbots.put(b);
  const name = senderLeaseName(senders[0]!);
  leases.put({
    metadata: {
      name,
      namespace: OP_NS,
      resourceVersion: '7',
      labels: { [LEASE_LABEL]: 'true' },
      ...(holder
        ? {
            annotations: {
              [ANN_MOMENT]: holder.moment,
              [ANN_CREATED]: holder.created,
              [ANN_HOLDER_UID]: holder.uid,
            },
          }
        : {}),
    },
    spec: holder ? { holderIdentity: holder.key, acquireTime: new Date(holder.moment) as never } : {},
  });
  const gatherer = new ChatbotGatherer({
    chatbots,
    senders: senderCache,
    leases,
    revisions: new MapCache<V1ControllerRevision>(),
    leaseNamespace: OP_NS,
    addresses,
    indexes: { leasesByHolder: new KeyIndex(), revisionsByChatbot: new KeyIndex() },
  });
  // Every bot is gathered once first, as the operator does at start-up: the claimants index fills.
  for (const b of bots) gatherer.observe(b, NOW);
  return (bot: Chatbot) => decide(gatherer.observe(bot, NOW), NOW);
}

describe('the claim rule, as the holder and its rival each see it', () => {
  // The holder claimed at 09:00 and holds; the rival was created wanting Active at 08:00 (an earlier
  // claim), e.g. its Sender appeared only now.
  const HOLDER_CLAIM = {
    key: 'acme/holder',
    uid: 'acme-holder',
    moment: '2026-03-02T09:00:00Z',
    created: '2026-03-02T09:00:00Z',
  };
  const served = {
    state: 'Active' as const,
    revision: 'holder-1',
    activation: { desired: 'Active' as const, moment: HOLDER_CLAIM.moment },
  };

  it('a valid holder with the greater claim keeps the sender; the rival is preempted by it', () => {
    const holder = botIn('acme', 'holder', HOLDER_CLAIM.created, { status: served });
    const rival = botIn('acme', 'rival', '2026-03-02T08:00:00Z');
    const decideFor = world([senderIn('acme', '2026-03-01T00:00:00Z')], [holder, rival], HOLDER_CLAIM);
    expect(decideFor(holder).status.state).toBe('Active');
    const r = decideFor(rival);
    expect(r.lease).toBeUndefined();
    expect(r.status.activation?.preemptedBy).toBe('acme/holder');
  });

  it('an invalid holder (serving its last valid revision) is a claimant for its rival too: neither side takes over', () => {
    const holder = botIn('acme', 'holder', HOLDER_CLAIM.created, {
      spec: { ...botIn('acme', 'h', '').spec, definition: INVALID_DEFINITION as never },
      status: served,
    });
    const rival = botIn('acme', 'rival', '2026-03-02T08:00:00Z');
    const decideFor = world([senderIn('acme', '2026-03-01T00:00:00Z')], [holder, rival], HOLDER_CLAIM);
    const h = decideFor(holder);
    expect(h.status.state).toBe('Active');
    expect(h.reason).toBe('ServingLastValidRevision');
    const r = decideFor(rival);
    expect(r.lease).toBeUndefined(); // before, the rival saw no holder claim and took the Lease
    expect(r.status.activation?.preemptedBy).toBe('acme/holder');
  });

  it('a later claim still takes over an invalid holder (the seed’s rule is unchanged)', () => {
    const holder = botIn('acme', 'holder', HOLDER_CLAIM.created, {
      spec: { ...botIn('acme', 'h', '').spec, definition: INVALID_DEFINITION as never },
      status: served,
    });
    const rival = botIn('acme', 'rival', '2026-03-02T09:30:00Z');
    const decideFor = world([senderIn('acme', '2026-03-01T00:00:00Z')], [holder, rival], HOLDER_CLAIM);
    expect(decideFor(rival).lease).toMatchObject({ op: 'acquire', takeover: true });
  });
});

describe('one owner per address across namespaces', () => {
  const A_SENDER = senderIn('bank', '2026-03-01T00:00:00Z');
  const B_SENDER = senderIn('shop', '2026-03-02T00:00:00Z');

  it('a bot on a refused Sender never claims, even with the later claim', () => {
    const aBot = botIn('bank', 'support', '2026-03-02T09:00:00Z');
    const bBot = botIn('shop', 'hijack', '2026-03-02T09:30:00Z');
    const decideFor = world([A_SENDER, B_SENDER], [aBot, bBot]);
    const b = decideFor(bBot);
    expect(b.lease).toBeUndefined();
    expect(b.status.state).not.toBe('Active');
    expect(b.status.conditions?.find((c) => c.type === 'Stalled')?.message).toMatch(/namespace bank/);
    expect(decideFor(aBot).lease).toMatchObject({ op: 'acquire', claim: { key: 'bank/support' } });
  });

  it('a refused Sender’s bot is no rival: the owner’s bot claims as if it were alone', () => {
    const aBot = botIn('bank', 'support', '2026-03-02T09:00:00Z');
    const bBot = botIn('shop', 'hijack', '2026-03-02T09:30:00Z');
    const decideFor = world([A_SENDER, B_SENDER], [aBot, bBot]);
    decideFor(bBot);
    expect(decideFor(aBot).status.state).toBe('Active');
  });

  it('with a grant from the owner namespace, the later claim takes over per the seed’s rules', () => {
    const aBot = botIn('bank', 'support', '2026-03-02T09:00:00Z', {
      status: {
        state: 'Active',
        revision: 'r',
        activation: { desired: 'Active', moment: '2026-03-02T09:00:00Z' },
      },
    });
    const bBot = botIn('shop', 'campaign', '2026-03-02T09:30:00Z');
    const decideFor = world([senderIn('bank', '2026-03-01T00:00:00Z', ['shop']), B_SENDER], [aBot, bBot], {
      key: 'bank/support',
      uid: 'bank-support',
      moment: '2026-03-02T09:00:00Z',
      created: '2026-03-02T09:00:00Z',
    });
    expect(decideFor(bBot).lease).toMatchObject({
      op: 'acquire',
      takeover: true,
      claim: { key: 'shop/campaign' },
    });
  });
});
