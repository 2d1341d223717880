// RequestWatch, the watch under the operator's informers, against the real apiserver: events in
// order with their types, 410 for a resourceVersion the server no longer has, HTTP errors with
// their status code, and abort.
import { CustomObjectsApi } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { collectionPath } from '../../src/api/names.ts';
import { RequestWatch } from '../../src/kube/watch.ts';
import { apply, eventually, kubeConfig, kubectl, newNamespace } from '../support/cluster.ts';
import { senderYaml } from '../support/manifests.ts';

interface Seen {
  events: { type: string; name?: string; code?: number }[];
  done?: { err: unknown };
  doneCalls: number;
}

function watch(path: string, params: Record<string, string> = {}) {
  const seen: Seen = { events: [], doneCalls: 0 };
  const started = new RequestWatch(kubeConfig()).watch(
    path,
    params,
    (type, obj) => {
      const o = obj as { metadata?: { name?: string }; code?: number };
      seen.events.push({ type, name: o.metadata?.name, code: o.code });
    },
    (err) => {
      seen.done = { err };
      seen.doneCalls++;
    },
  );
  return { seen, started };
}

describe('RequestWatch', () => {
  it('delivers ADDED, MODIFIED and DELETED in order, then stops on abort', async () => {
    const ns = await newNamespace('watch');
    const list = (await kubeConfig().makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
      group: 'chatbots.dev',
      version: 'v1alpha1',
      namespace: ns,
      plural: 'senders',
    })) as {
      metadata: { resourceVersion: string };
    };
    const { seen, started } = watch(collectionPath('senders', ns), {
      resourceVersion: list.metadata.resourceVersion,
    });
    const controller = await started;
    await apply(ns, senderYaml('a', '+385911230001'));
    await kubectl(['label', 'sender', 'a', '-n', ns, 'team=support']);
    await kubectl(['delete', 'sender', 'a', '-n', ns]);
    await eventually(() => (seen.events.some((e) => e.type === 'DELETED') ? true : undefined), {
      what: 'the DELETED event',
    });
    expect(seen.events.map((e) => `${e.type} ${e.name}`)).toEqual(
      expect.arrayContaining(['ADDED a', 'MODIFIED a', 'DELETED a']),
    );
    expect(seen.events[0]).toEqual({ type: 'ADDED', name: 'a', code: undefined });
    expect(seen.events.at(-1)).toEqual({ type: 'DELETED', name: 'a', code: undefined });
    expect(seen.done).toBeUndefined();
    controller.abort();
    await eventually(() => seen.done, { what: 'done after abort' });
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.doneCalls).toBe(1);
  });

  it('reports a resourceVersion the server no longer has as an ERROR event with code 410', async () => {
    const ns = await newNamespace('watch');
    const { seen } = watch(collectionPath('senders', ns), { resourceVersion: '1' });
    await eventually(() => (seen.events.length > 0 ? true : undefined), { what: 'an event' });
    expect(seen.events[0]).toMatchObject({ type: 'ERROR', code: 410 });
    await eventually(() => seen.done, { what: 'the server to close the watch' });
  });

  it('ends with the HTTP status code when the server refuses the watch', async () => {
    const { seen } = watch('/apis/chatbots.dev/v1alpha1/namespaces/x/nothings');
    const done = await eventually(() => seen.done, { what: 'done' });
    expect((done.err as { statusCode?: number }).statusCode).toBe(404);
    expect(seen.events).toEqual([]);
  });

  it('ends once with a TimeoutError after its idle timeout when nothing arrives', async () => {
    const ns = await newNamespace('watch');
    const before = RequestWatch.idleTimeoutMs;
    RequestWatch.idleTimeoutMs = 300;
    try {
      const { seen } = watch(collectionPath('senders', ns));
      const done = await eventually(() => seen.done, { what: 'done' });
      expect((done.err as Error).name).toBe('TimeoutError');
      await new Promise((r) => setTimeout(r, 500));
      expect(seen.doneCalls).toBe(1);
    } finally {
      RequestWatch.idleTimeoutMs = before;
    }
  });
});
