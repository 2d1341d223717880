// The bots' public entry points: `GET /entry/{namespace}/{chatbot}/qr.png` and `qr.svg`, the QR
// code of the link in the bot's status.entryPoints (the wa.me link of a WhatsApp bot). End users
// scan it from a website or a poster; the kubectl plugin draws the same code in the terminal.
// Only an Active bot's shareable link is served: anything else (no such bot, inactive, a test
// sender's) is the same 404, so strangers learn nothing about which bots exist.
import type { FastifyInstance } from 'fastify';
import QRCode from 'qrcode';
import type { Chatbot } from '../../api/schema.ts';
import type { Directory } from '../directory.ts';

/**
 * The first link among the bot's entry points (whatsapp first), if it has one; `shareableOnly`: only
 * an Active bot's shareable one (what the public route serves; the plugin shows a test sender's too).
 */
export function entryLink(bot: Chatbot | undefined, shareableOnly = false): string | undefined {
  if (shareableOnly && bot?.status?.state !== 'Active') return undefined;
  const eps = bot?.status?.entryPoints ?? {};
  const ordered = ['whatsapp', ...Object.keys(eps).filter((k) => k !== 'whatsapp')];
  for (const k of ordered) {
    const link = eps[k]?.link;
    if (link && (!shareableOnly || eps[k]?.shareable)) return link;
  }
  return undefined;
}

const NOT_FOUND = { error: 'no such entry point' };

export function registerEntryPoints(app: FastifyInstance, directory: Directory): void {
  app.get<{ Params: { namespace: string; chatbot: string; format: string } }>(
    '/entry/:namespace/:chatbot/:format',
    async (req, reply) => {
      const { namespace, chatbot, format } = req.params;
      const link =
        format === 'qr.png' || format === 'qr.svg'
          ? entryLink(directory.chatbot(`${namespace}/${chatbot}`), true)
          : undefined;
      if (!link) return reply.code(404).send(NOT_FOUND);
      // A few minutes of caching: the link changes only with the sender or the start keyword.
      void reply.header('cache-control', 'public, max-age=300');
      if (format === 'qr.svg') {
        return reply.type('image/svg+xml').send(await QRCode.toString(link, { type: 'svg', margin: 2 }));
      }
      return reply.type('image/png').send(await QRCode.toBuffer(link, { type: 'png', margin: 2, scale: 8 }));
    },
  );
}
