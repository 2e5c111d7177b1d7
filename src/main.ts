import { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import { createApp } from './app.factory';
import { ConfigError, loadConfig } from './config/app-config';
import { startEmbeddedPostgres } from './database/embedded-postgres';

async function main(): Promise<void> {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  const logger = new Logger('handlemeter');
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    logger.error(e.message);
    process.exit(1);
  }
  const embedded = config.databaseUrl ? null : await startEmbeddedPostgres(config.dataDir);
  if (embedded) logger.log(`No DATABASE_URL: started the embedded PostgreSQL under ${config.dataDir}`);
  const app = await createApp({ ...config, databaseUrl: config.databaseUrl ?? embedded!.url });
  await app.listen(config.port);
  logger.log(`Listening on :${config.port}; API docs at /docs`);

  // Close the app first (in-flight calls finish, outcomes are written), then the embedded database.
  const shutdown = async (signal: string) => {
    logger.log(`${signal}: shutting down`);
    await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

void main();
