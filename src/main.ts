import { INestApplication, Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import { createApp, listenEverywhere } from './app.factory';
import { installGracefulShutdown } from './common/graceful-shutdown';
import { describeStartupError, ensurePortFree } from './startup-error';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres';
import { AppLogger } from './logging/app-logger';

let embedded: EmbeddedDatabase | null = null;
let startedWith: AppConfig | undefined;
let app: INestApplication | undefined;

async function main(): Promise<void> {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // The log settings may be among the bad variables: say it in the default format for this NODE_ENV.
    new AppLogger({ format: process.env.NODE_ENV === 'production' ? 'json' : 'pretty', level: 'info' }).error(
      e.message,
      'handlemeter',
    );
    process.exit(1);
  }
  startedWith = config;
  const appLogger = new AppLogger({ format: config.logFormat, level: config.logLevel });
  Logger.overrideLogger(appLogger);
  const logger = new Logger('handlemeter');
  await ensurePortFree(config.port);
  embedded = config.databaseUrl ? null : await startEmbeddedPostgres(config.dataDir);
  if (embedded) logger.log(`No DATABASE_URL: started the embedded PostgreSQL under ${config.dataDir}`);
  app = await createApp({ ...config, databaseUrl: config.databaseUrl ?? embedded!.url }, appLogger);
  installGracefulShutdown(app, { timeoutMs: config.shutdownTimeoutMs, after: async () => embedded?.stop() });
  await listenEverywhere(app, config.port);
  logger.log(`Listening on :${config.port}; API docs at /docs`);
}

main().catch(async (e: Error) => {
  const { sentence, expected } = describeStartupError(e, {
    port: startedWith?.port,
    databaseUrl: startedWith?.databaseUrl,
  });
  const logger = new Logger('handlemeter');
  logger.fatal(sentence);
  if (!expected) logger.debug(e.stack ?? String(e));
  // Else the embedded PostgreSQL outlives us, holding its data directory.
  await app?.close().catch(() => undefined);
  await embedded?.stop().catch(() => undefined);
  process.exit(1);
});
