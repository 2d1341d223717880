// The terminal-error report: what users see when the apiserver refuses a write for good.
import { describe, expect, it } from 'vitest';
import type { Chatbot } from '../api/schema.ts';
import { FakeClock } from '../kube/clock.ts';
import type { ChatbotGatherer } from './chatbot-gatherer.ts';
import { ChatbotReconciler } from './chatbot-reconciler.ts';
import { TerminalError } from './controller.ts';
import type { EventRecorder } from './events.ts';
import type { Writer } from './writer.ts';

function setup(bot: Chatbot) {
  const events: string[] = [];
  const patches: unknown[] = [];
  const reconciler = new ChatbotReconciler({
    gatherer: { chatbot: () => bot } as unknown as ChatbotGatherer,
    writer: {
      patchStatus: async (_plural: string, _obj: unknown, _before: unknown, after: unknown) => {
        patches.push(after);
      },
    } as unknown as Writer,
    recorder: {
      record: async (_obj: unknown, ev: { type: string; reason: string; note: string }) => {
        events.push(`${ev.type} ${ev.reason}: ${ev.note}`);
      },
    } as unknown as EventRecorder,
    clock: new FakeClock('2026-12-01T10:00:00Z'),
    logger: undefined as never,
  });
  return { reconciler, events, patches };
}

const bot = (conditions: NonNullable<Chatbot['status']>['conditions'] = []): Chatbot => ({
  apiVersion: 'chatbots.dev/v1alpha1',
  kind: 'Chatbot',
  metadata: { name: 'a', namespace: 'ns', generation: 2 },
  spec: {},
  status: { state: 'Active', conditions },
});

describe('ChatbotReconciler.reportTerminal', () => {
  const err = new TerminalError(
    'ControllerRevision ns/a-1: the apiserver refused it (HTTP 422): too long',
    422,
  );

  it('says it once: a Warning event and Stalled=True with the apiserver’s message', async () => {
    const { reconciler, events, patches } = setup(
      bot([
        {
          type: 'Ready',
          status: 'True',
          reason: 'Active',
          message: 'ok',
          lastTransitionTime: '2026-12-01T09:00:00Z',
        },
      ]),
    );
    await reconciler.reportTerminal('ns/a', err);
    expect(events).toEqual([`Warning ReconcileError: ${err.message}`]);
    expect(patches).toEqual([
      {
        state: 'Active',
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'Active',
            message: 'ok',
            lastTransitionTime: '2026-12-01T09:00:00Z',
          },
          {
            type: 'Stalled',
            status: 'True',
            reason: 'ReconcileError',
            message: err.message,
            observedGeneration: 2,
            lastTransitionTime: '2026-12-01T10:00:00Z',
          },
        ],
      },
    ]);
  });

  it('does not say it again while the bot’s Stalled condition already says it', async () => {
    const { reconciler, events, patches } = setup(
      bot([
        {
          type: 'Stalled',
          status: 'True',
          reason: 'ReconcileError',
          message: err.message,
          lastTransitionTime: 'x',
        },
      ]),
    );
    await reconciler.reportTerminal('ns/a', err);
    expect(events).toEqual([]);
    expect(patches).toEqual([]);
  });

  it('says a different error again', async () => {
    const { reconciler, events } = setup(
      bot([
        {
          type: 'Stalled',
          status: 'True',
          reason: 'ReconcileError',
          message: 'an older error',
          lastTransitionTime: 'x',
        },
      ]),
    );
    await reconciler.reportTerminal('ns/a', err);
    expect(events).toHaveLength(1);
  });
});
