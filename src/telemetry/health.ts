// /healthz, /readyz and /metrics on one small HTTP server (fastify), for every process.
// Each endpoint runs named checks, as controller-runtime's healthz does: the answer lists
// every check that failed, so `kubectl describe pod` shows why a probe fails.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** A named check: true when healthy, or a string saying what is wrong. */
export type Check = () => true | string;
export type Checks = Record<string, Check>;

export interface HealthOptions {
  host: string;
  port: number;
  registry: Registry;
  /** /healthz (liveness): a failure means restart the process. */
  healthz?: Checks;
  /** /readyz (readiness): a failure means send no traffic yet. */
  readyz?: Checks;
}

export interface HealthServer {
  app: FastifyInstance;
  port: number;
  close(): Promise<void>;
}

/** Runs the checks: undefined when all pass, else one line per failing check. */
export function failing(checks: Checks | undefined): string | undefined {
  const lines: string[] = [];
  for (const [name, check] of Object.entries(checks ?? {})) {
    let res: true | string;
    try {
      res = check();
    } catch (err) {
      res = String(err);
    }
    if (res !== true) lines.push(`[-]${name} failed: ${res}`);
  }
  return lines.length ? lines.join('\n') : undefined;
}

export async function startHealthServer(opts: HealthOptions): Promise<HealthServer> {
  const app = Fastify({ logger: false });
  const probe =
    (checks: Checks | undefined, code: number) =>
    async (_req: unknown, reply: import('fastify').FastifyReply) => {
      const bad = failing(checks);
      return bad ? reply.code(code).send(bad) : reply.send('ok');
    };
  app.get('/healthz', probe(opts.healthz, 500));
  app.get('/readyz', probe(opts.readyz, 503));
  app.get('/metrics', async (_req, reply) =>
    reply.header('content-type', opts.registry.contentType).send(await opts.registry.metrics()),
  );
  await app.listen({ host: opts.host, port: opts.port });
  const addr = app.server.address();
  return {
    app,
    port: typeof addr === 'object' && addr ? addr.port : opts.port,
    close: () => app.close(),
  };
}
