// The Http channel: `POST /channels/http/{address}` with {"from", "text"} or {"from", "button"};
// the replies come back in the response. For custom integrations and tests.
//
// Who may talk (docs/architecture.md, "Tenants"):
// - An Http Sender with a credentials Secret takes only callers with `Authorization: Bearer
//   {token}` of its Secret: a trusted backend, which may speak for any end user (`from`).
// - An Http Sender without one is open: anyone may start a conversation. Each reply carries a
//   `conversationToken` bound to (address, from, the session); continuing an open conversation needs it
//   (`X-Conversation-Token` or the body's `conversationToken`), so nobody joins another visitor's
//   conversation by guessing `from`. A wrong or missing token is a 401 and changes nothing.
// - An unknown address and a refused caller get the same 401: strangers learn nothing. Replies name
//   the chatbot and its revision only to a trusted backend.
// - Each end user gets a rate limit (429 with Retry-After); callers without a bearer token also one
//   per client address, which bounds how many conversations one client can open.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Sender } from '../../api/schema.ts';
import type { Conversations } from '../conversation.ts';
import type { Directory } from '../directory.ts';
import type { RateLimiter } from '../rate-limit.ts';
import { bearerMatches } from './auth.ts';

/** Bodies larger than this are refused (413): a chat message, not an upload. */
export const HTTP_BODY_LIMIT = 64 * 1024;
const MAX_TEXT = 4096;
const MAX_ID = 256;

const bodySchema = {
  type: 'object',
  required: ['from'],
  additionalProperties: false,
  properties: {
    from: { type: 'string', minLength: 1, maxLength: MAX_ID },
    text: { type: 'string', maxLength: MAX_TEXT },
    button: { type: 'string', minLength: 1, maxLength: MAX_ID },
    name: { type: 'string', maxLength: MAX_ID },
    conversationToken: { type: 'string', maxLength: 128 },
  },
  oneOf: [{ required: ['text'] }, { required: ['button'] }],
} as const;

interface Body {
  from: string;
  text?: string;
  button?: string;
  /** The end user's display name, available to the bot as {{name}}. */
  name?: string;
  conversationToken?: string;
}

export interface HttpChannelDeps {
  directory: Directory;
  conversations: Conversations;
  /** Requests of callers without a bearer token, per client address. */
  perClient: RateLimiter;
}

const UNAUTHORIZED = { error: 'unauthorized: send the Sender’s bearer token, or this conversation’s token' };

function refuse(reply: FastifyReply) {
  return reply.code(401).header('www-authenticate', 'Bearer').send(UNAUTHORIZED);
}

function tooMany(reply: FastifyReply, waitMs: number) {
  return reply
    .code(429)
    .header('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))))
    .send({ error: 'too many messages: wait before sending the next one' });
}

/** The Senders of the address this caller may talk through: those whose token it sent, or the open ones. */
async function verifiedSenders(
  directory: Directory,
  senders: readonly Sender[],
  authorization: string | undefined,
): Promise<{ verified: Map<string, Sender>; trusted: boolean }> {
  const byToken = new Map<string, Sender>();
  const open = new Map<string, Sender>();
  for (const s of senders) {
    const key = `${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`;
    if (!s.spec.credentialsSecretRef?.name) {
      open.set(key, s);
      continue;
    }
    const creds = await directory.credentials(s).catch(() => undefined);
    if (bearerMatches(authorization, creds?.token)) byToken.set(key, s);
  }
  return byToken.size > 0 ? { verified: byToken, trusted: true } : { verified: open, trusted: false };
}

export function registerHttpChannel(app: FastifyInstance, deps: HttpChannelDeps) {
  const { directory, conversations, perClient } = deps;
  app.post<{ Params: { address: string }; Body: Body }>(
    '/channels/http/:address',
    { schema: { body: bodySchema }, bodyLimit: HTTP_BODY_LIMIT },
    async (req, reply) => {
      const { address } = req.params;
      const { senders, leaseName } = directory.acceptedSenders('Http', address);
      const { verified, trusted } = await verifiedSenders(directory, senders, req.headers.authorization);
      if (verified.size === 0) return refuse(reply);
      if (!trusted) {
        const wait = perClient.take(req.ip);
        if (wait > 0) return tooMany(reply, wait);
      }
      const { from, text, button, name } = req.body;
      const header = req.headers['x-conversation-token'];
      const token = req.body.conversationToken ?? (Array.isArray(header) ? header[0] : header);
      const out = await conversations.handle({
        channel: 'Http',
        address,
        verified,
        leaseName,
        user: from,
        message: button !== undefined ? { button } : { text: text ?? '' },
        ...(name ? { attributes: { name } } : {}),
        ...(trusted ? {} : { continuation: { token } }),
      });
      if (out.dropped === 'Unauthorized') return refuse(reply);
      if (out.retryAfterMs !== undefined) return tooMany(reply, out.retryAfterMs);
      return {
        replies: out.replies,
        ...(trusted && out.chatbot ? { chatbot: out.chatbot, revision: out.revision } : {}),
        sessionClosed: out.sessionClosed,
        ...(out.conversationToken ? { conversationToken: out.conversationToken } : {}),
      };
    },
  );
}
