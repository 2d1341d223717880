// The runtime in-process (as main.ts starts it) against the run's control plane, with an
// injected clock where time matters, and a client for its Http channel.
import { pino } from 'pino';
import { type Clock, RealClock } from '../../src/kube/clock.ts';
import { Runtime, type RuntimeOptions } from '../../src/runtime/runtime.ts';
import { createSessionStore } from '../../src/runtime/sessions/index.ts';
import { kubeConfig } from './cluster.ts';

export async function startRuntime(
  namespace: string,
  opts: Partial<RuntimeOptions> & { clock?: Clock } = {},
): Promise<Runtime> {
  const clock = opts.clock ?? new RealClock();
  const rt = new Runtime({
    kc: kubeConfig(),
    clock,
    logger: pino({ level: process.env.RUNTIME_LOG_LEVEL ?? 'silent' }),
    store: createSessionStore('memory', { clock: () => clock.now().getTime() }),
    namespaces: [namespace],
    leaseNamespace: namespace,
    port: 0,
    healthPort: 0,
    reportIntervalMs: 200,
    ...opts,
  });
  await rt.start();
  return rt;
}

export interface ButtonItem {
  id: string;
  caption: string;
  url?: string;
}
export type Reply = { text: string } | { buttons: { message: string; items: ButtonItem[] } };
export interface HttpAnswer {
  status: number;
  replies: Reply[];
  chatbot?: string;
  revision?: string;
  sessionClosed?: boolean;
  conversationToken?: string;
  error?: string;
}

/** The conversation token each (address, end user) got last, sent back as a chat widget would. */
const tokens = new Map<string, string>();

/**
 * POST /channels/http/{address} as an end user would (a chat widget on an open Http Sender, or a
 * custom integration with the Sender's bearer token): the conversation token of the last answer
 * for this address and end user is sent along, unless `token` says otherwise (null: none).
 */
export async function say(
  port: number,
  address: string,
  body: { from: string; text?: string; button?: string; name?: string },
  headers: Record<string, string> = {},
  token?: string | null,
): Promise<HttpAnswer> {
  const key = `${address}\u0000${body.from}`;
  const conversationToken = token === undefined ? tokens.get(key) : (token ?? undefined);
  const res = await fetch(`http://127.0.0.1:${port}/channels/http/${encodeURIComponent(address)}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(conversationToken ? { 'x-conversation-token': conversationToken } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const json = (await res.json()) as Omit<HttpAnswer, 'status'>;
  if (json.conversationToken) tokens.set(key, json.conversationToken);
  return { status: res.status, ...json, replies: json.replies ?? [] };
}

/** The texts an end user sees, buttons as "message [caption | caption]". */
export function seen(a: HttpAnswer): string[] {
  return a.replies.map((r) =>
    'text' in r ? r.text : `${r.buttons.message} [${r.buttons.items.map((i) => i.caption).join(' | ')}]`,
  );
}

/** The id of the button with this caption in the answer's last buttons reply. */
export function buttonIdOf(a: HttpAnswer, caption: string): string {
  for (const r of [...a.replies].reverse()) {
    if ('buttons' in r) {
      const item = r.buttons.items.find((i) => i.caption === caption);
      if (item) return item.id;
    }
  }
  throw new Error(`no button ${caption} in ${JSON.stringify(a.replies)}`);
}
