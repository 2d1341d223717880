// The life of a long-running process (operator, runtime): start it, stop it gracefully on
// SIGTERM or SIGINT (force exit after 20 s), log unhandled rejections, exit 1 when it cannot start.
import type { Logger } from 'pino';

export interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Runs the service until a signal; `stopping()` says whether a graceful stop has begun. */
export function runUntilSignalled(
  name: string,
  service: Service,
  logger: Logger,
  stopMessage = 'shutting down',
): { stopping(): boolean } {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, stopMessage);
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    await service.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => logger.error({ err: String(err) }, 'unhandled rejection'));
  service.start().catch((err) => {
    logger.fatal({ err: String(err) }, `${name} failed to start`);
    process.exit(1);
  });
  return { stopping: () => stopping };
}
