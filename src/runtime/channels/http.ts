// The Http channel: `POST /channels/http/{address}` with {"from", "text"} or {"from", "button"};
// the replies come back in the response. For custom integrations and tests. When the Http
// Sender has a credentials Secret, `Authorization: Bearer {token}` must match its `token`.
import type { FastifyInstance } from 'fastify';
import type { Conversations } from '../conversation.ts';
import type { Directory } from '../directory.ts';
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
  },
  oneOf: [{ required: ['text'] }, { required: ['button'] }],
} as const;

interface Body {
  from: string;
  text?: string;
  button?: string;
  /** The end user's display name, available to the bot as {{name}}. */
  name?: string;
}

export function registerHttpChannel(
  app: FastifyInstance,
  directory: Directory,
  conversations: Conversations,
) {
  app.post<{ Params: { address: string }; Body: Body }>(
    '/channels/http/:address',
    { schema: { body: bodySchema }, bodyLimit: HTTP_BODY_LIMIT },
    async (req, reply) => {
      const { address } = req.params;
      const { senders, leaseName } = directory.sendersFor('Http', address);
      const sender = senders[0];
      if (!sender)
        return reply.code(404).send({ error: `no Http Sender has the address ${JSON.stringify(address)}` });
      if (sender.spec.credentialsSecretRef?.name) {
        const creds = await directory.credentials(sender);
        if (!bearerMatches(req.headers.authorization, creds?.token)) {
          return reply
            .code(401)
            .header('www-authenticate', 'Bearer')
            .send({ error: 'missing or wrong bearer token' });
        }
      }
      const { from, text, button, name } = req.body;
      const out = await conversations.handle({
        channel: 'Http',
        address,
        sender,
        leaseName,
        user: from,
        message: button !== undefined ? { button } : { text: text ?? '' },
        ...(name ? { attributes: { name } } : {}),
      });
      return {
        replies: out.replies,
        ...(out.chatbot ? { chatbot: out.chatbot, revision: out.revision } : {}),
        sessionClosed: out.sessionClosed,
      };
    },
  );
}
