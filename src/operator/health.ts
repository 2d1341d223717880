// /healthz, /readyz and /metrics on one small HTTP server (fastify).
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface HealthOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Ready when the caches have synced (a standby replica is ready too). */
  ready: () => boolean;
  healthy?: () => boolean;
}

export async function startHealthServer(
  opts: HealthOptions,
): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify({ logger: false });
  app.get('/healthz', async (_req, reply) =>
    (opts.healthy?.() ?? true) ? reply.send('ok') : reply.code(500).send('unhealthy'),
  );
  app.get('/readyz', async (_req, reply) =>
    opts.ready() ? reply.send('ok') : reply.code(503).send('not ready'),
  );
  app.get('/metrics', async (_req, reply) =>
    reply.header('content-type', opts.registry.contentType).send(await opts.registry.metrics()),
  );
  await app.listen({ host: opts.host, port: opts.port });
  const addr = app.server.address();
  return { app, port: typeof addr === 'object' && addr ? addr.port : opts.port };
}
