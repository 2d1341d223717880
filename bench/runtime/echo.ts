// The baseline of the runtime benchmark (bench/runtime/run.ts): a bare fastify server in its own
// process, started with the same Node flags and loader as the runtime, with one route shaped like
// the Http channel's: `POST /channels/http/:address` parses the JSON body and answers a JSON body
// of about the size of the runtime's answers. No validation, no session, no dialog: the ceiling
// of "an HTTP JSON round trip through fastify on this machine". Tells the parent its port over IPC.
import Fastify from 'fastify';
import type { ChildMessage } from './lib.ts';

// The runtime's answers to the bench's script average ~190 bytes (its first step's ~330, with
// buttons); this text brings the echo's to about the same.
const FILLER = 'Thanks, this is what the echo server heard from you: ';

interface Body {
  from?: string;
  text?: string;
  button?: string;
}

process.on('disconnect', () => process.exit(0));

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.post<{ Params: { address: string }; Body: Body }>('/channels/http/:address', async (req) => {
  const { text, button } = req.body ?? {};
  return {
    replies: [{ text: `${FILLER}${text ?? button ?? ''}.` }],
    chatbot: 'bench/echo',
    revision: 'echo-0123456789',
    sessionClosed: false,
  };
});
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
const port = typeof addr === 'object' && addr ? addr.port : 0;
process.send?.({ event: 'listening', port } satisfies ChildMessage);
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    void app.close().finally(() => process.exit(0));
  });
}
