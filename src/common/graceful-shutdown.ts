import { INestApplication, Logger } from '@nestjs/common';
import type { Server } from 'node:http';

export interface ShutdownOptions {
  /** After this, the process exits anyway (code 1) and says so. */
  timeoutMs: number;
  /** Runs once the app is closed: stopping the embedded PostgreSQL. */
  after?: () => Promise<void>;
}

/**
 * SIGTERM/SIGINT: stop listening at once (new connections are refused), let every request in
 * flight get its answer, then close the app, which writes the outcomes still queued (the
 * ledger's shutdown hook) before the database goes. Nest's own close would wait for kept-alive
 * idle connections to time out and runs no deadline, so the order is done here. A second signal
 * exits at once.
 */
export function installGracefulShutdown(app: INestApplication, opts: ShutdownOptions): void {
  const logger = new Logger('Shutdown');
  let started = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (started) {
      logger.warn(`${signal} again: exiting now, without waiting for requests in flight`);
      process.exit(1);
    }
    started = true;
    const t0 = Date.now();
    logger.log(`${signal}: refusing new connections; requests in flight may take up to ${opts.timeoutMs} ms to finish`);
    setTimeout(() => {
      logger.error(
        `shutdown did not finish within ${opts.timeoutMs} ms (SHUTDOWN_TIMEOUT_MS): exiting anyway; calls still in flight keep the outcome "sent" in the call log`,
      );
      process.exit(1);
    }, opts.timeoutMs);

    const server = app.getHttpServer() as Server;
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    // A request that still arrives on a kept-alive connection is answered, then that connection closes.
    server.prependListener('request', (_req, res) => res.setHeader('Connection', 'close'));
    // Connections go idle as their answers are sent; without this they linger until keep-alive times out.
    const reaper = setInterval(() => server.closeIdleConnections(), 50);
    await drained;
    clearInterval(reaper);
    logger.log(`every request in flight was answered (${Date.now() - t0} ms); closing`);
    let clean = true;
    for (const step of [() => app.close(), async () => opts.after?.()]) {
      await step().catch((e: Error) => {
        clean = false;
        logger.error(`shutdown step failed: ${e.message}`, e.stack);
      });
    }
    if (clean) logger.log(`shut down cleanly in ${Date.now() - t0} ms`);
    process.exit(clean ? 0 : 1);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutdown(signal));
}
